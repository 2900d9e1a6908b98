"""`khabar` command line: `khabar run [SOURCE ...] [--out DIR]`, `khabar compact [--out DIR]`,
`khabar repair [--out DIR]`,
`khabar serve [--only NAME ...]`, `khabar explain PAGE`.

Problems a user can fix (a missing source, an unwritable output directory) end in one line
naming the problem and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import errno
import json
import logging
import os
import signal
import sys
import tempfile
from pathlib import Path


EXIT_USAGE = 2
EXIT_FAILED = 1
EXIT_INPUTS_FAILED = 3
# Errors of the disk the dataset is on, not of khabar: the user frees space or fixes the mount.
STORAGE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EFBIG}


def _fail(message: str, status: int = EXIT_USAGE) -> int:
    print(f"khabar: error: {message}", file=sys.stderr)
    return status


class _NoStorageTracebacks(logging.Filter):
    """On the terminal a full or read-only disk, or a run whose inputs failed, is the CLI's
    one line, not Prefect's tracebacks of the task and the flow (still logged, without the
    stack)."""

    def filter(self, record: logging.LogRecord) -> bool:
        from flows.ingest import TooManyFailed

        error = record.exc_info[1] if record.exc_info else None
        if (isinstance(error, OSError) and error.errno in STORAGE_ERRNOS) or isinstance(error, TooManyFailed):
            record.exc_info, record.exc_text = None, None
        return True


def _short_storage_errors_on_the_terminal() -> None:
    for handler in logging.getLogger().handlers:
        if type(handler).__name__ == "PrefectConsoleHandler" and not any(
                isinstance(f, _NoStorageTracebacks) for f in handler.filters):
            handler.addFilter(_NoStorageTracebacks())


def _storage_failure(e: OSError, out: str) -> int:
    """One line and exit 2 for an error of the dataset's disk; any other OSError goes on up."""
    if e.errno not in STORAGE_ERRNOS:
        raise e
    where = f" ({e.filename})" if e.filename else ""
    return _fail(f"cannot write the dataset in {out}: {e.strerror or e}{where}; its previous version is unchanged")


def _check_out_dir(out: Path) -> str | None:
    if out.exists() and not out.is_dir():
        return f"--out {out} is a file, not a directory: give a directory for the dataset"
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".probe-"):
            pass
    except OSError as e:
        return f"output directory {out} is not writable: {e.strerror or e}"
    return None


def cmd_run(args: argparse.Namespace) -> int:
    sources = args.sources or ["seeds/"]
    problem = _check_rules() or _check_sources(sources) or _check_out_dir(Path(args.out)) \
        or _check_store(Path(args.out)) or _check_run_options(args)
    if problem:
        return _fail(problem)
    from tasks.store import StoreDamaged, StoreLocked
    from flows.api_server import ServerDidNotStart, prefect_api
    from flows.ingest import TooManyFailed, ingest
    from flows.report import AccountingError
    from flows.terminal import print_summary, progress_display

    _short_storage_errors_on_the_terminal()
    try:
        with prefect_api(), progress_display():
            report = ingest(sources=sources, out=args.out, batch_size=args.batch_size, non_arabic=args.non_arabic,
                            duplicate_threshold=args.duplicate_threshold, duplicate_window=args.duplicate_window,
                            fetch={"allow_private": args.allow_private, "min_interval": args.host_interval},
                            workers=args.workers, dask=args.dask,
                            max_failed_share=args.max_failed_share)
    except AccountingError as e:
        return _fail(str(e), EXIT_FAILED)
    except (ServerDidNotStart, StoreLocked, StoreDamaged) as e:
        return _fail(str(e))
    except OSError as e:
        return _storage_failure(e, args.out)
    except TooManyFailed as e:
        print_summary(e.summary, sys.stderr)
        return _fail(str(e), EXIT_INPUTS_FAILED)
    # With --json, stdout is one JSON document for a program; the lines for a person go to stderr.
    human = sys.stderr if args.json else sys.stdout
    print_summary(report, human)
    print(f"report: {report['report_path']}", file=human)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0


def _check_sources(sources: list[str]) -> str | None:
    """Fails early on a missing source, named ones too."""
    from tasks.discover import SourceError, expand_source
    from tasks.sources import SourcesFileError, is_url, named_sources

    try:
        for source in sources:
            named = None if is_url(source) or Path(source).exists() else named_sources(source)
            for each in named or [source]:
                if not is_url(each):
                    expand_source(each)
    except (SourceError, SourcesFileError) as e:
        return str(e)
    return None


def _check_rules() -> str | None:
    """The line rules and profiles read and checked once before anything runs: a mistake in
    them is one line naming the file, the rule and the field, not every page quarantined."""
    from tasks.profiles import RulesError, load_rulebook

    try:
        load_rulebook()
    except RulesError as e:
        return str(e)
    return None


def _check_store(out: Path) -> str | None:
    """Refused at once, before Prefect starts (the flow checks again): a locked or damaged DIR."""
    from tasks.store import Store, StoreDamaged, StoreLocked

    try:
        Store(out).open().close()
    except (StoreLocked, StoreDamaged) as e:
        return str(e)
    return None


def _check_run_options(args: argparse.Namespace) -> str | None:
    if args.batch_size < 1:
        return "--batch-size must be at least 1"
    if not 0 < args.max_failed_share <= 1:
        return "--max-failed-share must be more than 0 and at most 1"
    if args.workers < 1:
        return "--workers must be at least 1"
    if args.dask and args.workers > 1:
        return "--workers starts a local cluster and --dask uses an existing one: give one of them"
    if args.dask:
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():
            # A worker's Prefect clients keep the first API they were given for its life.
            return ("--dask needs PREFECT_API_URL: the cluster's workers outlive this command and would go on "
                    "reporting to its temporary Prefect server once it is gone; start a Prefect server and set "
                    "PREFECT_API_URL (README: Scale out on Dask)")
        return _check_scheduler(args.dask)
    return None


def cmd_docs(args: argparse.Namespace) -> int:
    from tasks.data_docs import docs_server, site_dir

    site = site_dir(Path(args.out))
    if not (site / "index.html").is_file():
        return _fail(f"no Data Docs in {site}: a run into {args.out} makes them")
    server = docs_server(site, args.port)
    print(f"Data Docs of {args.out} at http://127.0.0.1:{server.server_address[1]}/index.html (Ctrl-C stops)",
          flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _check_scheduler(address: str) -> str | None:
    """A Dask scheduler address that nothing answers at fails here, in one line, and not
    after Prefect started and Dask's client waited for its timeout."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host = port = None
    if parts.scheme not in ("tcp", "tls") or not host or not port:
        return f"--dask {address}: expected a scheduler address like tcp://HOST:8786"
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as e:
        return f"--dask {address}: no Dask scheduler answers there ({e.strerror or e})"
    return None


def cmd_serve(args: argparse.Namespace) -> int:
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        return _fail("khabar serve needs a Prefect server that keeps the schedules: start one with "
                     "`prefect server start --host 127.0.0.1` and set "
                     "PREFECT_API_URL=http://127.0.0.1:4200/api (README: Run on a schedule)")
    from prefect import serve

    from flows.schedules import deployment_specs, to_deployments

    try:
        deployments = to_deployments(deployment_specs(), args.only, args.out)
    except ValueError as e:
        return _fail(str(e))
    print(f"serving {', '.join(d.name for d in deployments)} from prefect.yaml on {PREFECT_API_URL.value()}",
          flush=True)
    serve(*deployments, print_starting_message=False)
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from tasks.discover import file_digest
    from tasks.extract import ExtractError, extract
    from tasks.records import InputRef
    from tasks.strip import explain

    path = Path(args.page)
    if not path.is_file():
        return _fail(f"page not found: {args.page}")
    problem = _check_rules()
    if problem:
        return _fail(problem)
    doc_id, size = file_digest(path)
    try:
        page = extract(InputRef(str(path.resolve()), doc_id, size), path.read_bytes())
    except ExtractError as e:
        return _fail(f"{args.page}: {e.reason}: {e.detail}", EXIT_FAILED)
    print(explain(page))
    return 0


def cmd_compact(args: argparse.Namespace) -> int:
    if not Path(args.out).is_dir():
        return _fail(f"no dataset directory {args.out}")
    from flows.api_server import ServerDidNotStart, prefect_api
    from flows.compact import compact
    from tasks.store import Store, StoreDamaged, StoreLocked

    _short_storage_errors_on_the_terminal()

    try:                         # refuse at once, before starting Prefect
        Store(Path(args.out)).open().close()
        with prefect_api():
            result = compact(out=args.out)
    except (ServerDidNotStart, StoreLocked, StoreDamaged) as e:
        return _fail(str(e))
    except OSError as e:
        return _storage_failure(e, args.out)
    if result["version"] is None:
        print(f"nothing to compact in {args.out}")
        return 0
    a = result["articles"]
    print(f"dataset version {result['version']}: article files {a.get('files_before', 0)} → {a.get('files_after', 0)}, "
          f"duplicate index {result['indexed']} articles")
    return 0


def cmd_repair(args: argparse.Namespace) -> int:
    if not Path(args.out).is_dir():
        return _fail(f"no dataset directory {args.out}")
    from tasks.repair import repair
    from tasks.store import StoreDamaged, StoreLocked

    try:
        result = repair(Path(args.out))
    except (StoreLocked, StoreDamaged) as e:
        return _fail(str(e))
    except OSError as e:
        return _storage_failure(e, args.out)
    if result.version is None:
        print(f"every file of {args.out} reads: nothing to repair")
        return 0
    for path, reason in result.set_aside:
        print(f"set aside {path}: {reason}")
    print(f"dataset version {result.version.name}: {len(result.set_aside)} damaged file(s) set aside, duplicate "
          "index rebuilt; run the same sources again to write their rows back")
    return 0


def _version() -> str:
    from schemas.tables import PIPELINE_VERSION, code_commit

    return f"khabar {PIPELINE_VERSION} ({code_commit()})"


def build_parser() -> argparse.ArgumentParser:
    from flows.settings import DEFAULT_BATCH_SIZE
    from tasks.dedup import DEFAULT_THRESHOLD, DEFAULT_WINDOW_DAYS

    parser = argparse.ArgumentParser(prog="khabar", description="Arabic news pages → clean, validated articles in Parquet.")
    parser.add_argument("--version", action="version", version=_version())
    loudness = parser.add_mutually_exclusive_group()
    loudness.add_argument("-v", "--verbose", action="store_true", help="log debug lines too")
    loudness.add_argument("-q", "--quiet", action="store_true", help="log warnings and errors only")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="ingest sources into a dataset directory")
    run.add_argument("sources", nargs="*", metavar="SOURCE",
                     help="files, directories, globs, WARC archives, URL lists, page/feed/sitemap URLs, "
                          "or names from sources.yaml (default: seeds/)")
    run.add_argument("--out", default="data", metavar="DIR", help="dataset directory (default: data/)")
    run.add_argument("--batch-size", type=int, default=int(os.environ.get("KHABAR_BATCH_SIZE", DEFAULT_BATCH_SIZE)),
                     help=f"documents per Prefect task run (default: $KHABAR_BATCH_SIZE, else {DEFAULT_BATCH_SIZE})")
    run.add_argument("--non-arabic", choices=("keep", "quarantine"), default="keep",
                     help="pages not mostly in Arabic: keep them, flagged by `language` (default), or quarantine them")
    run.add_argument("--duplicate-threshold", type=float, default=DEFAULT_THRESHOLD, metavar="J",
                     help="estimated Jaccard similarity from which an article is marked a near-duplicate "
                          f"(default {DEFAULT_THRESHOLD})")
    run.add_argument("--duplicate-window", type=int, default=DEFAULT_WINDOW_DAYS, metavar="DAYS",
                     help="near-duplicates are looked for among articles dated at most this many days apart "
                          f"(published, else ingested; default {DEFAULT_WINDOW_DAYS}); exact copies at any distance")
    run.add_argument("--allow-private", action="store_true",
                     help="let the fetcher reach private, loopback and link-local addresses (off: refused)")
    run.add_argument("--host-interval", type=float, default=1.0, metavar="S",
                     help="seconds between two requests to the same host (default 1)")
    run.add_argument("--workers", type=int, default=1, metavar="N",
                     help="run batches on a local Dask cluster of N worker processes (default 1: in this process)")
    run.add_argument("--dask", metavar="ADDRESS",
                     help="run batches on an existing Dask cluster, e.g. tcp://10.0.0.5:8786 (README: Scale out)")
    run.add_argument("--max-failed-share", type=float, default=1.0, metavar="S",
                     help="exit 3 (and a Failed run in Prefect) when at least this share of the inputs failed "
                          "before extraction (default 1.0: only when all did)")
    run.add_argument("--json", action="store_true",
                     help="print the run report as JSON, alone on stdout (the summary goes to stderr)")
    run.set_defaults(func=cmd_run)
    compact = sub.add_parser("compact", help="merge small files (data and duplicate index)")
    compact.add_argument("--out", default="data", metavar="DIR", help="dataset directory (default: data/)")
    compact.set_defaults(func=cmd_compact)
    repair = sub.add_parser("repair", help="set aside dataset files that cannot be read (README: Troubleshooting)")
    repair.add_argument("--out", default="data", metavar="DIR", help="dataset directory (default: data/)")
    repair.set_defaults(func=cmd_repair)
    serve = sub.add_parser("serve", help="serve the deployments of prefect.yaml with their schedules (needs a Prefect server)")
    serve.add_argument("--only", nargs="+", metavar="NAME", help="serve only these deployments")
    serve.add_argument("--out", metavar="DIR", help="the dataset directory, instead of the one prefect.yaml gives")
    serve.set_defaults(func=cmd_serve)
    docs = sub.add_parser("docs", help="serve the dataset's Data Docs over HTTP on 127.0.0.1")
    docs.add_argument("--out", default="data", metavar="DIR", help="dataset directory (default: data/)")
    docs.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free one)")
    docs.set_defaults(func=cmd_docs)
    explain = sub.add_parser("explain", help="show a page's lines with their labels and rule ids")
    explain.add_argument("page", metavar="PAGE")
    explain.set_defaults(func=cmd_explain)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.verbose or args.quiet:
        # Read by Prefect when it is first imported, which no command has done yet.
        os.environ["PREFECT_LOGGING_LEVEL"] = "DEBUG" if args.verbose else "WARNING"
    try:
        return args.func(args)
    except BrokenPipeError:
        # The reader went away (`khabar explain PAGE | head`): no traceback, and the status
        # of a command ended by SIGPIPE; stdout points at devnull so the exit's flush is quiet.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
