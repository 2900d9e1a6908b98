"""`khabar` command line: `khabar run [SOURCE ...] [--out DIR]`, `khabar explain PAGE`.

Problems a user can fix (a missing source, an unwritable output directory) end in one line
naming the problem and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from flows.settings import apply_prefect_defaults

EXIT_USAGE = 2
EXIT_FAILED = 1


def _fail(message: str, status: int = EXIT_USAGE) -> int:
    print(f"khabar: error: {message}", file=sys.stderr)
    return status


def _check_out_dir(out: Path) -> str | None:
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".probe-"):
            pass
    except OSError as e:
        return f"output directory {out} is not writable: {e.strerror or e}"
    return None


def cmd_run(args: argparse.Namespace) -> int:
    from tasks.discover import SourceError, expand_source

    sources = args.sources or ["seeds/"]
    try:
        for source in sources:
            expand_source(source)
    except SourceError as e:
        return _fail(str(e))
    problem = _check_out_dir(Path(args.out))
    if problem:
        return _fail(problem)
    if args.batch_size < 1:
        return _fail("--batch-size must be at least 1")

    apply_prefect_defaults()
    from flows.ingest import ingest
    from flows.report import AccountingError, summary_lines

    try:
        report = ingest(sources=sources, out=args.out, batch_size=args.batch_size, non_arabic=args.non_arabic)
    except AccountingError as e:
        return _fail(str(e), EXIT_FAILED)
    for line in summary_lines(report):
        print(line)
    print(f"report: {report['report_path']}")
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from tasks.discover import file_digest
    from tasks.extract import ExtractError, extract
    from tasks.records import InputRef
    from tasks.strip import explain

    path = Path(args.page)
    if not path.is_file():
        return _fail(f"page not found: {args.page}")
    doc_id, size = file_digest(path)
    try:
        page = extract(InputRef(str(path.resolve()), doc_id, size), path.read_bytes())
    except ExtractError as e:
        return _fail(f"{args.page}: {e.reason}: {e.detail}", EXIT_FAILED)
    print(explain(page))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="khabar", description="Arabic news pages → clean, validated articles in Parquet.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="ingest sources into a dataset directory")
    run.add_argument("sources", nargs="*", metavar="SOURCE", help="files, directories or globs (default: seeds/)")
    run.add_argument("--out", default="data", metavar="DIR", help="dataset directory (default: data/)")
    run.add_argument("--batch-size", type=int, default=int(os.environ.get("KHABAR_BATCH_SIZE", 500)),
                     help="documents per Prefect task run (default: 500)")
    run.add_argument("--non-arabic", choices=("keep", "quarantine"), default="keep",
                     help="pages not mostly in Arabic: keep them, flagged by `language` (default), or quarantine them")
    run.add_argument("--json", action="store_true", help="also print the whole run report as JSON")
    run.set_defaults(func=cmd_run)
    explain = sub.add_parser("explain", help="show a page's lines with their labels and rule ids")
    explain.add_argument("page", metavar="PAGE")
    explain.set_defaults(func=cmd_explain)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
