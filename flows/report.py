"""The run report: counts that add up, seconds per stage, why lines and inputs were removed.
Pure bookkeeping, no Prefect, so the accounting rules are tested on their own."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pyarrow as pa

from schemas.tables import code_commit
from tasks.records import InputRef, Rejection, StageStats

QUARANTINED_LISTED = 50
# Values shown per failed expectation (the quarantine table has them all).
FAILED_EXAMPLES = 3
STAGES = ("discover", "fetch", "extract", "strip", "normalize", "validate", "fingerprint", "dedup", "write")


class AccountingError(RuntimeError):
    """inputs != documents_with_articles + quarantined + unchanged: something was lost."""


def unaccounted(refs: list[InputRef], articles: pa.Table, rejections: list[Rejection]) -> list[Rejection]:
    """Quarantine rows for inputs of a batch that would otherwise leave no trace at all."""
    done = set(articles.column("doc_id").to_pylist()) | {r.doc_id for r in rejections}
    return [Rejection(ref.source_uri, "write", "no_output", "the input produced neither articles nor a rejection",
                      doc_id=ref.doc_id) for ref in refs if ref.doc_id not in done]


@dataclass
class RunReport:
    run_id: str
    started_at: datetime
    sources: list[str]
    out: str
    pipeline_version: str
    inputs: int = 0
    unchanged: int = 0
    documents_with_articles: int = 0
    quarantined: int = 0
    articles: int = 0
    quarantine_rows: int = 0
    replaced_rows: int = 0
    duplicates: int = 0               # articles written this run marked duplicate_of an earlier one
    version: str | None = None        # the dataset version this run committed (None: nothing new)
    data_docs: str | None = None      # index.html of the run's Great Expectations Data Docs
    # Inputs that left no article, by name, with why: the first QUARANTINED_LISTED of them.
    quarantined_inputs: list[dict] = field(default_factory=list)
    stages: dict[str, StageStats] = field(default_factory=lambda: {s: StageStats() for s in STAGES})
    quarantine_reasons: Counter = field(default_factory=Counter)
    quarantined_by_stage: Counter = field(default_factory=Counter)    # quarantine rows, by the stage that wrote them
    articles_by_publisher: Counter = field(default_factory=Counter)
    field_warnings: Counter = field(default_factory=Counter)         # warning codes of the articles written
    # Rows validation quarantined, by failed expectation ("type:column"): count and a few values.
    failed_expectations: dict[str, dict] = field(default_factory=dict)

    def add_batch(self, refs: list[InputRef], articles: pa.Table, rejections: list[Rejection], written: dict,
                  duplicates: int = 0) -> None:
        self.duplicates += duplicates
        with_articles = set(articles.column("doc_id").to_pylist())
        self.documents_with_articles += sum(1 for r in refs if r.doc_id in with_articles)
        self.quarantined += sum(1 for r in refs if r.doc_id not in with_articles)
        self._list_quarantined([r for r in refs if r.doc_id not in with_articles], rejections)
        self.articles += written["articles"]
        self.quarantine_rows += written["quarantine"]
        self.replaced_rows += written["replaced"]
        self.quarantine_reasons.update(r.reason for r in rejections)
        self._count_failed_expectations(r for r in rejections if r.stage == "validate")
        self.quarantined_by_stage.update(r.stage for r in rejections)
        self.articles_by_publisher.update(p or "(unknown)" for p in articles.column("publisher").to_pylist())
        self.field_warnings.update(w for ws in articles.column("warnings").to_pylist() for w in ws or [])

    def _list_quarantined(self, refs: list[InputRef], rejections: list[Rejection]) -> None:
        """The first QUARANTINED_LISTED inputs without articles, each with its first reason."""
        first_reason: dict[str, Rejection] = {}
        for r in rejections:
            if r.doc_id is not None:
                first_reason.setdefault(r.doc_id, r)
        for ref in refs[:max(0, QUARANTINED_LISTED - len(self.quarantined_inputs))]:
            first = first_reason.get(ref.doc_id)
            self.quarantined_inputs.append({"source_uri": ref.source_uri,
                                            "reason": first.reason if first else "no_output",
                                            "stage": first.stage if first else None,
                                            "detail": first.detail if first else None})

    def _count_failed_expectations(self, rejections) -> None:
        for r in rejections:
            failed = self.failed_expectations.setdefault(r.reason, {"rows": 0, "examples": []})
            failed["rows"] += 1
            if r.value is not None and len(failed["examples"]) < FAILED_EXAMPLES:
                failed["examples"].append(r.value)

    def add_stage(self, stage: str, stats: StageStats) -> None:
        self.stages[stage].merge(stats)

    def check(self) -> None:
        if self.inputs != self.documents_with_articles + self.quarantined + self.unchanged:
            raise AccountingError(
                f"counts do not add up: inputs={self.inputs} but documents_with_articles="
                f"{self.documents_with_articles} + quarantined={self.quarantined} + unchanged={self.unchanged}")

    def as_dict(self) -> dict:
        finished = datetime.now(timezone.utc)
        removed: Counter[str] = Counter()
        for stats in self.stages.values():
            removed.update(stats.removed_by_rule)
        return {
            "run_id": self.run_id, "pipeline_version": self.pipeline_version, "code_commit": code_commit(),
            "started_at": self.started_at.isoformat(), "finished_at": finished.isoformat(),
            "sources": self.sources, "out": self.out,
            "inputs": self.inputs, "documents_with_articles": self.documents_with_articles,
            "quarantined": self.quarantined, "unchanged": self.unchanged,
            "articles": self.articles, "quarantine_rows": self.quarantine_rows, "replaced_rows": self.replaced_rows,
            "duplicates": self.duplicates, "version": self.version,
            "seconds": round((finished - self.started_at).total_seconds(), 3),
            "stage_seconds": {s: round(st.seconds, 4) for s, st in self.stages.items()},
            "lines_removed_by_rule": dict(removed.most_common()),
            "quarantine_reasons": dict(self.quarantine_reasons.most_common()),
            "field_warnings": dict(self.field_warnings.most_common()),
            "quarantined_by_stage": {s: self.quarantined_by_stage[s] for s in STAGES if self.quarantined_by_stage[s]},
            "articles_by_publisher": dict(self.articles_by_publisher.most_common()),
            "quarantined_inputs": self.quarantined_inputs,
            "data_docs": self.data_docs,
            "failed_expectations": dict(sorted(self.failed_expectations.items(), key=lambda kv: -kv[1]["rows"])),
        }


def summary_lines(report: dict) -> list[str]:
    """The few lines a person reads at the end of `khabar run`."""
    lines = [
        f"inputs {report['inputs']} = with articles {report['documents_with_articles']}"
        f" + quarantined {report['quarantined']} + unchanged {report['unchanged']}",
        f"articles written {report['articles']} ({report['duplicates']} marked duplicates),"
        f" quarantine rows {report['quarantine_rows']}, rows replaced {report['replaced_rows']},"
        f" {report['seconds']:.1f} s" + (f", dataset version {report['version']}" if report["version"] else ", dataset unchanged"),
        "stage seconds: " + ", ".join(f"{k} {v:.2f}" for k, v in report["stage_seconds"].items()),
    ]
    if report["quarantine_reasons"]:
        lines.append("quarantine reasons: " + ", ".join(f"{k} {v}" for k, v in report["quarantine_reasons"].items()))
    if report.get("field_warnings"):
        lines.append("field warnings (articles kept): "
                     + ", ".join(f"{k} {v}" for k, v in report["field_warnings"].items()))
    for item in report.get("quarantined_inputs", [])[:10]:
        lines.append(f"  quarantined {item['source_uri']}: {item['reason']}"
                     + (f" ({item['detail']})" if item.get("detail") else ""))
    if report["quarantined"] > 10:
        lines.append(f"  … {report['quarantined'] - 10} more in the report and in quarantine/")
    if report.get("data_docs"):
        lines.append(f"data docs: {Path(report['data_docs']).resolve().as_uri()}")
    return lines


def summary_markdown(report: dict, title: str) -> str:
    """The run summary as the Prefect UI shows it (a markdown artifact): the counts that add up,
    then per stage, per publisher, per rule and per quarantine reason."""
    def table(header: tuple[str, str], rows) -> list[str]:
        out = [f"| {header[0]} | {header[1]} |", "|---|---:|"]
        out += [f"| {_cell(k)} | {v} |" for k, v in rows] or ["| (none) | |"]
        return out + [""]

    version = f"dataset version **{report['version']}**" if report["version"] else "dataset unchanged"
    md = [f"# {title}", "",
          f"**{report['inputs']}** inputs = **{report['documents_with_articles']}** with articles + "
          f"**{report['quarantined']}** quarantined + **{report['unchanged']}** unchanged", "",
          f"**{report['articles']}** articles written ({report['duplicates']} marked duplicates), "
          f"{report['quarantine_rows']} quarantine rows, {report['replaced_rows']} rows replaced; {version}; "
          f"{report['seconds']:.1f} s", "",
          "## Stages", "", "| stage | seconds | quarantine rows |", "|---|---:|---:|"]
    md += [f"| {s} | {sec:.2f} | {report.get('quarantined_by_stage', {}).get(s, 0)} |"
           for s, sec in report["stage_seconds"].items()]
    md += ["", "## Articles per publisher", ""] + table(("publisher", "articles"), report["articles_by_publisher"].items())
    md += ["## Lines removed per rule", ""] + table(("rule", "lines"), report["lines_removed_by_rule"].items())
    md += ["## Quarantine reasons", ""] + table(("reason", "rows"), report["quarantine_reasons"].items())
    md += ["## Field warnings (articles kept, the field left null)", ""] + table(
        ("warning", "articles"), report.get("field_warnings", {}).items())
    if report.get("data_docs"):
        md += [f"Validation results: [Great Expectations Data Docs]({Path(report['data_docs']).resolve().as_uri()})", ""]
    return "\n".join(md)


def failed_expectations_table(report: dict) -> list[dict]:
    """What validation quarantined, one row per failed expectation: the expectation, its
    column, how many rows, a few of their values."""
    rows = []
    for reason, failed in report.get("failed_expectations", {}).items():
        expectation, _, column = reason.partition(":")
        rows.append({"expectation": expectation, "column": column, "rows": failed["rows"],
                     "examples": " | ".join(str(v)[:60] for v in failed["examples"])})
    return rows


# An input's name in the quarantine table: its last path segments, at most this long (the
# full name is the row's last column).
SHORT_INPUT_CHARS = 40


def quarantined_table(report: dict) -> list[dict]:
    """The quarantined inputs as table rows (the first QUARANTINED_LISTED): reason, stage, the
    input shortened, the detail without the input's name in it, the input in full last."""
    rows = []
    for item in report.get("quarantined_inputs", []):
        uri = item["source_uri"]
        detail = (item.get("detail") or "").replace(uri, "(the input)")
        rows.append({"reason": item["reason"], "stage": item.get("stage") or "", "input": short_input(uri),
                     "detail": detail, "full input": uri})
    return rows


def short_input(uri: str) -> str:
    """A path's or URL's last segments, within SHORT_INPUT_CHARS: what tells inputs apart."""
    parts = [p for p in uri.rstrip("/").split("/") if p]
    short = parts[-1] if parts else uri
    for part in reversed(parts[:-1]):
        if len(part) + 1 + len(short) > SHORT_INPUT_CHARS:
            break
        short = f"{part}/{short}"
    return short if len(short) <= SHORT_INPUT_CHARS else "…" + short[-(SHORT_INPUT_CHARS - 1):]


def _cell(text) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")
