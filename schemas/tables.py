"""The Arrow schemas of the two datasets khabar writes: the single source of truth.

Every other place that needs a column list, a dtype, a nullability or a column's meaning
(the writer, the validation suite, docs/COLUMNS.md, the tests) derives it
from here. A column's documentation is kept in its field metadata under b"doc", so it
travels into every Parquet file that is written.
"""
from __future__ import annotations

import subprocess
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pyarrow as pa


def _package_version() -> str:
    """pyproject.toml's version, as the installed package's metadata gives it: one source."""
    try:
        return version("khabar")
    except PackageNotFoundError:          # run from a checkout that was never installed
        return "0+unknown"


PIPELINE_VERSION = _package_version()


@cache
def code_commit() -> str:
    """The git commit of the code that runs (with "-dirty" when the tree has changes), or
    "unknown" outside a git checkout; recorded in the run report and every file written."""
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        if head.returncode != 0:
            return "unknown"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=5)
        return head.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"

UTC_TIMESTAMP = pa.timestamp("us", tz="UTC")

CAPTION = pa.struct([
    pa.field("text", pa.string(), nullable=False),
    pa.field("credit", pa.string()),
])
RELATED = pa.struct([
    pa.field("title", pa.string(), nullable=False),
    pa.field("summary", pa.string()),
    pa.field("section", pa.string()),
    pa.field("byline", pa.string()),
])


def _field(name: str, type_: pa.DataType, doc: str, nullable: bool = True) -> pa.Field:
    return pa.field(name, type_, nullable=nullable, metadata={b"doc": doc.encode()})


ARTICLES = pa.schema([
    _field("article_id", pa.string(), "Deterministic id: sha256 of source_uri (the input's key) and position, 32 hex chars.", False),
    _field("doc_id", pa.string(), "sha256 of the input document's bytes.", False),
    _field("source_uri", pa.string(), "The input's key: its URL, or a file's path from the directory holding its source (it starts with the source directory's name; a file named alone: its name); moving a crawl keeps it. Rows an older khabar wrote: the file's absolute path.", False),
    _field("url", pa.string(), "The page's URL when known (HTML metadata, WARC, fetch)."),
    _field("fetched_at", UTC_TIMESTAMP, "When the page was fetched (HTTP response, WARC-Date); null for local files."),
    _field("position", pa.int32(), "0 for the page's main article, 1.. for articles appended after it.", False),
    _field("publisher", pa.string(), "The outlet's name when the page or its profile says it."),
    _field("title", pa.string(), "Headline, display form; null when the page gives none that passes (see `warnings`)."),
    _field("subtitle", pa.string(), "Sub-headline, display form."),
    _field("dateline", pa.string(), "Place the story was filed from, e.g. سيول."),
    _field("author", pa.string(), "The author as the page names them: HTML metadata, or a text dump's byline (كتب- …, بقلم …)."),
    _field("description", pa.string(), "The page's own summary (meta description, og:description); null for text dumps."),
    _field("published_at", UTC_TIMESTAMP, "Publication time in UTC; null when the page does not say it. A time printed without a zone is read in the publisher profile's `time_zone`, else as UTC (warning published_zone_unknown); a date alone is its UTC midnight."),
    _field("published_date", pa.date32(), "The publication date as the page printed it (the publisher's local calendar date); null when the page does not say it."),
    _field("published_precision", pa.string(), "What the page gave of its publication time: date, minute or second; null without a date."),
    _field("body", pa.string(), "Article text, display form, paragraphs separated by a blank line.", False),
    _field("title_search", pa.string(), "Search form of the title (diacritics and letter variants folded).", False),
    _field("body_search", pa.string(), "Search form of the body.", False),
    _field("captions", pa.list_(CAPTION), "Photo captions with their credit, each once.", False),
    _field("related", pa.list_(RELATED), "Related-article teasers shown after the article.", False),
    _field("tags", pa.list_(pa.string()), "Tags / keywords the page lists.", False),
    _field("source_credit", pa.string(), "The news source the page credits (المصدر: …)."),
    _field("language", pa.string(), "Language code (ar, en, …) or und when undecided."),
    _field("arabic_ratio", pa.float32(), "Share of letters in the body that are Arabic script, 0..1.", False),
    _field("word_count", pa.int32(), "Words in the body.", False),
    _field("content_hash", pa.string(), "sha256 of title_search and body_search: equal for exact duplicates.", False),
    _field("warnings", pa.list_(pa.string()), "Field-level warning codes: a field the page gave badly was left null and the article kept (title_not_found, title_too_short, title_too_long; title_markup, body_markup: the title or body holds HTML tags or entities, kept as printed; encoding_repaired: the page's text had been decoded wrongly before it reached khabar (UTF-8 read as windows-1252) and was repaired; published_zone_unknown: a publication time printed without a zone, for a publisher with no time zone, read as UTC).", False),
    _field("duplicate_of", pa.string(), "article_id of the first article seen with the same or nearly the same content (exact hash at any distance; MinHash estimate ≥ the run's threshold, dated within its window), else null."),
    _field("ingested_at", UTC_TIMESTAMP, "When the run that wrote this row started.", False),
    _field("run_id", pa.string(), "The Prefect flow run id of the run that wrote this row.", False),
    _field("pipeline_version", pa.string(), "khabar version that produced the row.", False),
])

# The articles dataset is hive-partitioned by this column, derived from `published_at`
# (YYYY-MM, UTC) and not stored in the files: readers get it from the directory names.
PARTITION_COLUMN = "published_month"
UNKNOWN_MONTH = "unknown"      # rows whose page gives no date
PARTITIONING = pa.schema([pa.field(PARTITION_COLUMN, pa.string())])

QUARANTINE = pa.schema([
    _field("source_uri", pa.string(), "The input that could not become (all of) its articles.", False),
    _field("doc_id", pa.string(), "sha256 of the input's bytes, when they could be read."),
    _field("article_id", pa.string(), "The rejected article, for row-level rejections; null when the whole input failed."),
    _field("stage", pa.string(), "Stage that rejected it: discover, extract, strip, normalize, validate, write.", False),
    _field("reason", pa.string(), "Stable machine-readable reason code, e.g. empty_input or an expectation name.", False),
    _field("detail", pa.string(), "One line a person can act on."),
    _field("value", pa.string(), "The offending value, shortened, when there is one."),
    _field("quarantined_at", UTC_TIMESTAMP, "When the run that rejected it started.", False),
    _field("run_id", pa.string(), "The Prefect flow run id.", False),
    _field("pipeline_version", pa.string(), "khabar version that rejected it.", False),
])


def schema_fingerprint() -> str:
    """Names and types of both tables' columns, hashed: equal for files with the same columns."""
    import hashlib

    text = "\n".join(f"{f.name}:{f.type}" for schema in (ARTICLES, QUARANTINE) for f in schema)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def column_doc(schema: pa.Schema, name: str) -> str:
    meta = schema.field(name).metadata or {}
    return meta.get(b"doc", b"").decode()


def markdown_table(schema: pa.Schema) -> str:
    """The schema as docs/COLUMNS.md shows it: one row per column with its type and its doc."""
    lines = ["| column | type | what it holds |", "|---|---|---|"]
    for f in schema:
        kind = str(f.type).replace("<item: ", "<").replace("not null", "").replace("  ", " ")
        kind = kind.replace("timestamp[us, tz=UTC]", "timestamp (UTC)").replace(" ,", ",").strip()
        lines.append(f"| `{f.name}` | {kind}{'' if f.nullable else ', never null'} | {column_doc(schema, f.name)} |")
    return "\n".join(lines)


if __name__ == "__main__":      # python -m schemas.tables: the tables for docs/COLUMNS.md
    print(markdown_table(ARTICLES), "", markdown_table(QUARANTINE), sep="\n")
