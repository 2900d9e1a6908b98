"""Data Docs: Great Expectations' HTML pages of the validation results, under
DIR/reports/data_docs. One site serves every run (its static files are 4 MB: once, not once
per run); each batch has its page at validations/articles/<run>-batch-N/, and the index lists
the run that built it last. Pages of earlier runs stay.

A batch's page is rendered where the batch was validated, right after it (a Dask worker, or
this process): the full result, with every expectation's unexpected values, never travels,
and the run's last step is only the index. The index needs no more of a result than its
summary (success, statistics, batch), which is what a batch carries to the flow.
"""
from __future__ import annotations

import functools
import hashlib
import re
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from functools import lru_cache
from pathlib import Path


from tasks.expectations import gx_context, gx_loaded

DATA_DOCS_DIR = Path("reports") / "data_docs"
# GX's site store layout: a store backend writing under the site directory.
_BACKEND = "TupleFilesystemStoreBackend"


def site_dir(out_dir: Path) -> Path:
    return (Path(out_dir) / DATA_DOCS_DIR).resolve()


# Copies of the scripts and styles the pages load from CDNs (its README says which): served
# in their place, so the pages work with no network.
ASSETS_DIR = Path(__file__).resolve().parent / "data_docs_assets"
OFFLINE_PREFIX = "/_offline/"
_CDN_LINK = re.compile(r'(?P<attr>src|href)="https://[^"]+/(?P<name>[^"/?#]+)"')


# Files kept in their package's own folders, as their styles name fonts by relative paths.
_NESTED_ASSETS = {"all.min.css": "fontawesome/css/all.min.css"}
_SERVED_SUFFIXES = (".css", ".js", ".woff2")


def offline_asset(name: str) -> str | None:
    """The copy (its path in ASSETS_DIR) served for a CDN file named `name`
    ("jquery-3.7.1.min.js", "bootstrap-table-filter-control.css"), by package and file name
    whatever the version."""
    name = re.sub(r"-\d+(?:\.\d+)+", "", name)
    for candidate in (name, re.sub(r"(?<!\.min)\.(css|js)$", r".min.\1", name)):
        candidate = _NESTED_ASSETS.get(candidate, candidate)
        if served_asset(candidate):
            return candidate
    return None


def served_asset(path: str) -> bool:
    """Whether `path` names one of the copies (never a file outside ASSETS_DIR)."""
    file = (ASSETS_DIR / path).resolve()
    return file.suffix in _SERVED_SUFFIXES and file.is_relative_to(ASSETS_DIR) and file.is_file()


def offline_page(html: str) -> str:
    """A page with its CDN scripts and styles pointing at the copies served beside it."""
    def local(m: re.Match) -> str:
        asset = offline_asset(m["name"])
        return f'{m["attr"]}="{OFFLINE_PREFIX}{asset}"' if asset else m[0]
    return _CDN_LINK.sub(local, html)


class _SiteFiles(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:          # a request per line would bury the address
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        if path.startswith(OFFLINE_PREFIX):
            asset = path[len(OFFLINE_PREFIX):]
            if not served_asset(asset):
                self.send_error(404)
                return
            types = {".css": "text/css", ".js": "text/javascript", ".woff2": "font/woff2"}
            self._send((ASSETS_DIR / asset).read_bytes(), types[Path(asset).suffix])
            return
        file = Path(self.translate_path(path))
        if file.is_dir() and path.endswith("/"):     # without the slash: the base class redirects
            file = file / "index.html"
        if file.suffix == ".html" and file.is_file():
            self._send(offline_page(file.read_text(encoding="utf-8")).encode("utf-8"), "text/html; charset=utf-8")
            return
        super().do_GET()

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def docs_server(site: Path, port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server on 127.0.0.1 for the Data Docs site: browsers refuse the file:// link
    from the Prefect UI's page, and serve it over HTTP; the pages' CDN scripts and styles are
    served from ASSETS_DIR, so they work offline. `port` 0: any free one."""
    return ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_SiteFiles, directory=str(site)))


def _site_builder(site: Path, run_name: str | None = None):
    """GX's builder for the site at `site`. With `run_name`, limited to that run's validation
    results: the index lists that run only, and never looks for (or deletes) the pages of
    earlier runs, whose results this process no longer holds."""
    from great_expectations.render.renderer.site_builder import SiteBuilder

    context, _ = gx_context()
    sections: dict[str, object] = {"profiling": "None"}
    if run_name:
        sections["validations"] = {"run_name_filter": {"matches_regex": "^" + re.escape(run_name)}}
    return SiteBuilder(data_context=context, site_name="khabar-" + hashlib.sha256(str(site).encode()).hexdigest()[:12],
                       store_backend={"class_name": _BACKEND, "base_directory": str(site)},
                       site_section_builders=sections)


@lru_cache(maxsize=8)
def _page_builder(site: Path):
    """One builder per site in a process, kept: its Jinja environment compiles GX's templates
    once, not for every page (~40 ms a page)."""
    return _site_builder(site).site_section_builders["validations"]


def render_pages(site: Path, run_name: str) -> list[tuple[tuple, str]]:
    """Renders the page of every validation this process ran under `run_name` and returns
    their summaries as (key, JSON) for `render_index`: plain values, which the flow passes on
    without importing Great Expectations. The results leave this process's store: a worker
    that serves run after run must not keep every result it ever made."""
    if not gx_loaded():
        return []              # nothing was validated here: GX was never imported
    store = gx_context()[0].validation_results_store
    keys = [k for k in store.list_keys() if k.run_id.run_name == run_name]
    if not keys:
        return []
    _page_builder(site).build(resource_identifiers=keys)
    summaries = []
    for key in keys:
        result = store.get(key)
        result.results = []            # what only the page shows
        summaries.append((key.to_tuple(), store.serialize(result)))
        store.remove_key(key)
    return summaries


def render_index(site: Path, run_name: str, summaries: list[tuple[tuple, str]]) -> Path | None:
    """Renders the site's index (and the suite's page, and the static files) for the run's
    validations given by their summaries; None when there are none."""
    if not summaries:
        return None
    from great_expectations.data_context.types.resource_identifiers import ValidationResultIdentifier

    store = gx_context()[0].validation_results_store
    keys = [ValidationResultIdentifier.from_tuple(key) for key, _ in summaries]
    for key, (_, summary) in zip(keys, summaries):
        store.set(key, store.deserialize(summary))
    try:
        builder = _site_builder(site, run_name)
        builder.site_section_builders["expectations"].build()
        builder.target_store.copy_static_assets()
        builder.site_index_builder.build(skip_and_clean_missing=False)
    finally:
        for key in keys:
            store.remove_key(key)
    return site / "index.html"
