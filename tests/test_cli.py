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


def test_a_second_run_on_the_same_dir_is_refused_with_the_holders_pid(tmp_path, capsys):
    import os
    import subprocess
    import sys

    from tasks.store import Store
    from tests.conftest import ROOT

    with Store(tmp_path / "data"):
        # Another process, as a second `khabar run` would be.
        other = subprocess.run([sys.executable, "-m", "flows.cli", "run", str(ROOT / "seeds"), "--out", str(tmp_path / "data")],
                               cwd=ROOT, capture_output=True, text=True, timeout=120,
                               env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert other.returncode == 2
    assert f"another khabar run is writing to {tmp_path / 'data'} (pid {os.getpid()})" in other.stderr
    assert "Traceback" not in other.stderr


def test_version_and_an_out_that_is_a_file(tmp_path, capsys):
    """Issue "First contact" item 13 (part): --version names the package version and commit;
    --out naming a file says so in one line, exit 2."""
    import pytest

    from schemas.tables import PIPELINE_VERSION

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.startswith(f"khabar {PIPELINE_VERSION} (")
    afile = tmp_path / "passwd"
    afile.write_text("x")
    assert main(["run", str(tmp_path), "--out", str(afile)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a file, not a directory" in err


def test_quiet_and_verbose_set_prefects_log_level_before_it_is_imported(capsys, monkeypatch):
    from tests.conftest import SEEDS

    page = str(next(SEEDS.glob("002_*.txt")))
    # Recorded first, so the test leaves the variable as it found it (main sets it directly).
    monkeypatch.setenv("PREFECT_LOGGING_LEVEL", "INFO")
    for flag, level in (("-q", "WARNING"), ("-v", "DEBUG")):
        monkeypatch.delenv("PREFECT_LOGGING_LEVEL", raising=False)
        assert main([flag, "explain", page]) == 0
        import os
        assert os.environ["PREFECT_LOGGING_LEVEL"] == level
    monkeypatch.delenv("PREFECT_LOGGING_LEVEL", raising=False)
    import pytest
    with pytest.raises(SystemExit):
        main(["-q", "-v", "explain", page])                 # one or the other
    assert "not allowed with argument" in capsys.readouterr().err


def test_data_docs_are_served_over_http_on_loopback(tmp_path, capsys):
    """Issue "First contact" item 6: the Prefect UI's file:// link is refused by browsers;
    `khabar docs` serves DIR/reports/data_docs on 127.0.0.1."""
    import threading
    import urllib.request

    from tasks.data_docs import docs_server, site_dir

    assert main(["docs", "--out", str(tmp_path)]) == 2
    assert "no Data Docs in" in capsys.readouterr().err
    site = site_dir(tmp_path)
    (site / "validations").mkdir(parents=True)
    (site / "index.html").write_text(
        '<html><head><script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
        '<link href="https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/'
        'bootstrap-table-filter-control.css"><script src="https://cdn.jsdelivr.net/npm/vega@5"></script>'
        '<link href="https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css">'
        '</head><body>khabar Data Docs</body></html>', encoding="utf-8")
    (site / "validations" / "batch-0.html").write_text("<html>batch 0</html>", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside the site", encoding="utf-8")
    server = docs_server(site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        assert server.server_address[0] == "127.0.0.1"
        index = urllib.request.urlopen(f"{base}/index.html", timeout=10).read().decode()
        assert "khabar Data Docs" in index
        # The CDN scripts and styles it has a copy of are served from here: the page works offline.
        assert '<script src="/_offline/jquery.min.js">' in index
        assert '<link href="/_offline/bootstrap-table-filter-control.min.css">' in index
        assert 'src="https://cdn.jsdelivr.net/npm/vega@5"' in index                  # no copy: left as it is
        # The icons' style names its fonts by relative paths, which resolve beside it.
        assert '<link href="/_offline/fontawesome/css/all.min.css">' in index
        font = urllib.request.urlopen(f"{base}/_offline/fontawesome/webfonts/fa-solid-900.woff2", timeout=10)
        assert font.headers["Content-Type"] == "font/woff2" and font.read()[:4] == b"wOF2"
        from tasks.data_docs import ASSETS_DIR

        jquery = urllib.request.urlopen(f"{base}/_offline/jquery.min.js", timeout=10)
        assert jquery.read() == (ASSETS_DIR / "jquery.min.js").read_bytes()
        assert jquery.headers["Content-Type"] == "text/javascript"
        assert urllib.request.urlopen(f"{base}/", timeout=10).read().decode() == index
        assert urllib.request.urlopen(f"{base}/validations/batch-0.html", timeout=10).read() == b"<html>batch 0</html>"
        for outside in ("/../../secret.txt", "/_offline/../../../secret.txt", "/_offline/README.md"):
            try:
                urllib.request.urlopen(base + outside, timeout=10)
                raise AssertionError(f"{outside} was served")
            except urllib.error.HTTPError as e:
                assert e.code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_explain_into_a_reader_that_stops_early_ends_without_a_traceback(tmp_path):
    """`khabar explain PAGE | head -1`: the reader closes the pipe while explain still has
    more to print than a pipe holds; no traceback, the status of a command ended by SIGPIPE."""
    import subprocess
    import sys

    from tests.conftest import ROOT, SEEDS

    page = tmp_path / "long.txt"
    page.write_text("\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")) * 8), encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "explain", str(page)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.read(10)
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141, stderr
    assert "Traceback" not in stderr and "Error" not in stderr
