"""What `khabar run` shows in a terminal: a progress bar while the batches run and the run
summary as a table at the end. Piped or in CI (no TTY, or CI set), plain lines instead, which
logs and CI consoles keep readable."""
from __future__ import annotations

import os
import sys
from contextlib import contextmanager

from flows.progress import Progress, subscribe
from flows.report import summary_lines


def interactive(stream=sys.stderr) -> bool:
    return stream.isatty() and not os.environ.get("CI")


@contextmanager
def progress_display(stream=None):
    """Shows the run's progress while the block runs."""
    stream = stream or sys.stderr
    if interactive(stream):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
        from rich.progress import Progress as Bar

        bar = Bar(TextColumn("documents"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[rate]:.1f} docs/s"), TimeElapsedColumn(),
                  console=Console(file=stream), transient=True)
        task_id = bar.add_task("run", total=None, rate=0.0)

        def show(progress: Progress) -> None:
            bar.update(task_id, total=progress.total, completed=progress.done, rate=progress.rate)

        with bar:
            unsubscribe = subscribe(show)
            try:
                yield
            finally:
                unsubscribe()
    else:
        def line(progress: Progress) -> None:
            of = (f"{progress.done}/{progress.total} documents ({progress.percent:.0f} %)" if progress.total is not None
                  else f"{progress.done} documents (sources still being listed)")
            print(f"progress: {of}, {progress.rate:.1f} docs/s", file=stream, flush=True)

        unsubscribe = subscribe(line)
        try:
            yield
        finally:
            unsubscribe()


def print_summary(report: dict, stream=None) -> None:
    stream = stream or sys.stdout
    if not interactive(stream):
        for line in summary_lines(report):
            print(line, file=stream)
        return
    from rich.console import Console
    from rich.table import Table

    counts = Table(title="khabar run", show_header=True)
    for column in ("inputs", "with articles", "quarantined", "unchanged", "articles", "duplicates", "version"):
        counts.add_column(column, justify="right")
    counts.add_row(*(str(report[k]) for k in ("inputs", "documents_with_articles", "quarantined", "unchanged",
                                               "articles", "duplicates")), report["version"] or "unchanged")
    console = Console(file=stream)
    console.print(counts)
    for line in summary_lines(report)[2:]:     # the counts are in the table above
        console.print(line, markup=False, highlight=False)
