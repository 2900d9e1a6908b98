from flows.cli import main


def test_missing_source_is_one_line_and_exit_2(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"khabar: error: source not found: {tmp_path / 'nope'}"]


def test_unwritable_out_dir_is_one_line_and_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["run", str(tmp_path), "--out", str(blocker / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not writable" in err[0]


def test_explain_prints_labels(capsys):
    from tests.conftest import SEEDS
    page = next(SEEDS.glob("002_*.txt"))
    assert main(["explain", str(page)]) == 0
    out = capsys.readouterr().out
    assert "boilerplate:lone_number" in out and "subtitle" in out
