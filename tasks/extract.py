"""extract: bytes → Page. Decodes the text (UTF-8, UTF-16 with BOM, windows-1256, …),
sniffs what it is from the content (not the file name), and turns it into lines:
a text dump's own lines, or the paragraphs trafilatura finds in an HTML page."""
from __future__ import annotations

import re
from typing import Any


from tasks import raw
from tasks.isolated import ChildDied, TimeLimitExceeded, call_isolated
from tasks.paragraphs import rejoin
from tasks.records import (CHANGED_WHILE_READ, InputRef, Page, Rejection, StageResult, path_of_uri, timed,
                           sha256_hex)

# Magic numbers of the binary files a crawl or a drop directory picks up by mistake.
_BINARY_MAGIC = {
    b"\x89PNG": "PNG image", b"\xff\xd8\xff": "JPEG image", b"GIF8": "GIF image",
    b"PK\x03\x04": "zip archive", b"\x1f\x8b": "gzip archive", b"%PDF": "PDF document",
    b"RIFF": "RIFF media", b"\x00\x00\x01\x00": "icon", b"BZh": "bzip2 archive",
    b"\xfd7zXZ": "xz archive", b"OggS": "Ogg media", b"ID3": "MP3 audio",
}
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3]")
_HTML_SNIFF = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<\?xml[^>]*>\s*<html|<meta|<title|<div|<p[\s>]|<article)",
                         re.IGNORECASE)


# A news page is well under 1 MB; a 50 MB "page" takes trafilatura ~40 s and is not one.
MAX_PAGE_BYTES = 10 * 2**20
# An HTML page that keeps the extractor longer than this is quarantined (too_slow): one
# pathological page must not hold a scheduled run. A 10 MB page takes trafilatura about 7 s here.
PAGE_SECONDS_LIMIT = 30.0


class ExtractError(Exception):
    def __init__(self, reason: str, detail: str):
        super().__init__(detail)
        self.reason = reason
        self.detail = detail

    def __reduce__(self):               # raised in the child process, re-raised here
        return ExtractError, (self.reason, self.detail)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_CODECS = {"windows-1256": "cp1256", "iso-8859-6": "iso8859_6", "arabic": "iso8859_6", "x-mac-arabic": "mac_arabic"}


# Labels a server or a template puts on a page by default: every byte decodes in them, so a
# wrong one (very common on Arabic sites) never fails, it gives mojibake. Non-ASCII bytes under
# these labels are judged by what they are (UTF-8, then windows-1256 / ISO-8859-6, then
# charset_normalizer, which still finds a genuine Latin-1 page).
_NEVER_FAILING_WESTERN = {"iso-8859-1", "latin1", "latin-1", "l1", "windows-1252", "cp1252", "us-ascii", "ascii"}


def _declared_charset(data: bytes) -> str | None:
    m = _META_CHARSET.search(data[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def _legacy_arabic(data: bytes) -> tuple[str, str]:
    """Non-UTF-8 Arabic bytes are windows-1256 or ISO-8859-6: the same bytes are letters in
    both, so keep the reading where Arabic's commonest letter pair, "ال", is commonest."""
    return max(((data.decode(codec, errors="replace"), name) for codec, name in
                (("cp1256", "windows-1256"), ("iso8859_6", "iso-8859-6"))),
               key=lambda pair: pair[0].count("ال"))


def _clearly_arabic(data: bytes) -> bool:
    """Legacy-encoded bytes whose Arabic reading is Arabic text (see ARABIC_ARTICLE_MIN_RATE)."""
    text, _ = _legacy_arabic(data)
    letters = len(_ARABIC_LETTER.findall(text))
    return letters >= NOISE_MIN_LETTERS and text.count("ال") >= ARABIC_ARTICLE_MIN_RATE * letters


def _decode_mixed(data: bytes) -> tuple[str, str] | None:
    """A file pasted together from UTF-8 and legacy-encoded parts: each line read in the
    encoding it is in. None unless most non-ASCII lines are UTF-8 (then it is mixed)."""
    lines = data.split(b"\n")
    utf8, legacy = [], []
    for line in lines:
        if not line.isascii():
            try:
                line.decode("utf-8")
                utf8.append(line)
            except UnicodeDecodeError:
                legacy.append(line)
    if not utf8 or len(utf8) < len(legacy):
        return None
    _, codec = _legacy_arabic(b"\n".join(legacy))
    python_codec = _CODECS[codec]
    out = []
    for line in lines:
        try:
            out.append(line.decode("utf-8"))
        except UnicodeDecodeError:
            out.append(line.decode(python_codec, errors="replace"))
    return "\n".join(out), f"utf-8+{codec}"


# UTF-8 read as windows-1252 or Latin-1 before the page reached us leaves a lead byte's letter
# (Ø, Ù, Ã, â…) before a continuation byte's symbol; only text with such a pair goes to ftfy,
# whose full check is too slow to run on every page.
_MOJIBAKE_HINT = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                            "\u0192\u02c6\u02dc\u2013-\u2122]")
# What a repaired page's encoding says after the one it was read with.
REPAIRED = "+mojibake-repaired"
# Characters no text holds: controls other than whitespace, U+FFFD for bytes that were not in
# the encoding, private-use code points.
_NOT_TEXT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff]")
_LATIN1_LETTER = re.compile("[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]")
_LETTER = re.compile(r"[^\W\d_]")
# Any character the three checks above look for: most pages have none, and one scan for it
# spares them the three.
_SUSPECT = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f\u00c0-\u00ff\ufffd\ue000-\uf8ff\U000f0000-\U0010ffff]")
# From this share of its visible characters not being text, a decoded page is binary or in an
# encoding not recognised; real pages, icon fonts and all, stay far below it.
NOT_TEXT_MAX_SHARE = 0.05
# From this share of its letters being Latin-1's accented ones (À-ÿ), with at least
# NOISE_MIN_LETTERS letters, a page is another script read as Latin-1: no language has that many.
LATIN1_NOISE_MIN_SHARE = 0.25
NOISE_MIN_LETTERS = 20
# A legacy-labelled page whose windows-1256 reading has "ال" at least this often per Arabic
# letter is Arabic, whatever its label: in another language's bytes the pair is rare noise.
ARABIC_ARTICLE_MIN_RATE = 0.02


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Text and the encoding it was read with; ExtractError when it is not text.
    `declared`: the charset the HTTP response named; else the page's <meta charset>.
    Text that went through a wrong decoding before it reached us (UTF-8 read as
    windows-1252) is repaired by ftfy; text that is still noise is `undecodable`."""
    text, encoding = _read(data, declared)
    if not _SUSPECT.search(text):
        return text, encoding
    if _MOJIBAKE_HINT.search(text):
        from ftfy import fix_encoding

        fixed = fix_encoding(text)
        if fixed != text:
            text, encoding = fixed, encoding + REPAIRED
    noise = noise_in(text)
    if noise:
        raise ExtractError("undecodable", f"read as {encoding}, the bytes give no text: {noise}")
    return text, encoding


def noise_in(text: str) -> str | None:
    """What makes a decoded text noise rather than text (see NOT_TEXT_MAX_SHARE and
    LATIN1_NOISE_MIN_SHARE), or None."""
    not_text = len(_NOT_TEXT.findall(text))
    if not_text:
        visible = len(text) - sum(1 for ch in text if ch.isspace())
        if not_text >= NOT_TEXT_MAX_SHARE * visible:
            return f"{not_text / visible:.0%} of its characters are control, private-use or replacement characters"
    latin1 = len(_LATIN1_LETTER.findall(text))
    if latin1 >= NOISE_MIN_LETTERS:
        letters = len(_LETTER.findall(text))
        if latin1 >= LATIN1_NOISE_MIN_SHARE * letters:
            return f"{latin1 / letters:.0%} of its letters are Latin-1 accented letters (another script read as Latin-1)"
    return None


def _read(data: bytes, declared: str | None) -> tuple[str, str]:
    """The first reading that holds: not text (empty, a known binary, NUL bytes) is refused;
    a byte-order mark says the encoding; non-ASCII bytes that are valid UTF-8 are UTF-8; the
    declared label (HTTP, else <meta>) when it gives text; UTF-8; a file of UTF-8 and legacy
    lines mixed; windows-1256 / ISO-8859-6 when the bytes read as Arabic; charset_normalizer."""
    _refuse_non_text(data)
    readings = (_by_bom, _by_utf8_if_not_ascii, lambda d: _by_label(d, declared), _by_utf8, _decode_mixed,
                _by_arabic_codepage, _by_detector)
    for reading in readings:
        found = reading(data)
        if found is not None:
            return found
    raise ExtractError("undecodable", "the bytes are in no text encoding khabar can recognise")


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _refuse_non_text(data: bytes) -> None:
    if not data.strip():
        raise ExtractError("empty_input", "the file is empty or only whitespace")
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise ExtractError("binary_input", f"the file is a {what}, not a page")
    if b"\x00" in data[:4096] and not data.startswith(_BOMS):      # UTF-16 is full of NULs
        raise ExtractError("binary_input", "the file holds NUL bytes: binary data, not a page")


def _by_bom(data: bytes) -> tuple[str, str] | None:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    return None


def _by_utf8_if_not_ascii(data: bytes) -> tuple[str, str] | None:
    # Non-ASCII bytes that form valid UTF-8 are UTF-8 whatever a label says: a legacy
    # encoding's text almost never happens to be valid UTF-8, and a wrong label is common.
    return None if data.isascii() else _by_utf8(data)


def _by_utf8(data: bytes) -> tuple[str, str] | None:
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return None


def _by_label(data: bytes, declared: str | None) -> tuple[str, str] | None:
    label = (declared or _declared_charset(data) or "").lower()
    if label in _NEVER_FAILING_WESTERN and not data.isascii():
        return None                 # judged by the bytes: these labels decode anything, wrongly
    if not label or label in ("utf-8", "utf8"):
        return None
    try:
        text = data.decode(_CODECS.get(label, label))
    except (LookupError, UnicodeDecodeError):
        return None                 # a wrong label is common: judge the bytes instead
    if (label in _CODECS or not _clearly_arabic(data)) and not noise_in(text):
        return text, label
    return None


def _by_arabic_codepage(data: bytes) -> tuple[str, str] | None:
    text, codec = _legacy_arabic(data)
    if len(_ARABIC_LETTER.findall(text)) >= 0.3 * max(1, len(re.findall(r"[^\W\d_]", text))):
        return text, codec
    return None


def _by_detector(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    match = from_bytes(data).best()
    return None if match is None else (str(match), match.encoding)


def is_html(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf")
    return bool(_HTML_SNIFF.match(head)) or (b"<html" in head.lower() and b"</" in data[-4096:])


def text_lines(text: str) -> list[str]:
    """A text dump's lines, right-stripped, with Windows and old-Mac line ends unified."""
    return [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


# htmldate reads the date from the page's metadata (Open Graph, JSON-LD, <time>…) reliably;
# its "extensive search" of the text does not know Arabic months and turns "3 حزيران 2024"
# into 2024-01-01 without a word. So: metadata only, then our Arabic date parser on the text.
HTMLDATE_PARAMS = {"extensive_search": False, "original_date": True, "outputformat": "%Y-%m-%dT%H:%M:%S%z"}
DATE_SCAN_CHUNKS = 400
DATE_CHUNK_MAX_WORDS = 12


def arabic_date_in_html(html: str) -> str | None:
    """The first short text chunk of the page that is a date, as written ("3 حزيران 2024",
    "نشر في: 14 مايو 2024"), or None."""
    import lxml.html

    from tasks.dates import parse_date

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return None
    for element in tree.iter("script", "style", "noscript"):
        element.text = None
    for n, chunk in enumerate(tree.itertext()):
        if n >= DATE_SCAN_CHUNKS:
            break
        chunk = " ".join(chunk.split())
        if chunk and len(chunk.split()) <= DATE_CHUNK_MAX_WORDS and parse_date(chunk):
            return chunk
    return None


# The recall-favouring pass is trusted unless it kept less than this share of the words in
# the page's <p> paragraphs: then it may have dropped part of the article as a "widget".
RECALL_MIN_PARAGRAPH_SHARE = 0.5


def html_page(ref: InputRef, text: str, encoding: str, read_layout: bool = False) -> Page:
    """The page trafilatura extracts from HTML `text`; its layout read (tasks/html_layout)
    unless it declares itself an article, or always with `read_layout` (the model's trainer).

    The extraction is a cascade of trafilatura's own modes: first `favor_recall` (whole
    articles, and it skips the comparison with its fallback extractors); when that keeps
    nothing or less than RECALL_MIN_PARAGRAPH_SHARE of the words in the page's <p>
    paragraphs, trafilatura's balanced mode with its fallbacks too, and the longer of the two
    texts is the page's."""
    # Imported here: trafilatura's import pulls lxml and its models (~0.5 s).
    from trafilatura import bare_extraction, load_html

    from tasks.html_layout import declares_article, layout_features, main_text_features

    # One parse serves all; trafilatura extracts from a copy of the tree it is given.
    tree = load_html(text)
    if tree is None:
        raise ExtractError("no_main_text", "trafilatura found no main text in this HTML page")
    layout = layout_features(tree, ref.url) if read_layout or not declares_article(text) else None
    options: dict[str, Any] = dict(url=ref.url, with_metadata=True, deduplicate=False, include_comments=False,
                                   include_tables=True, date_extraction_params=HTMLDATE_PARAMS)
    doc: Any = bare_extraction(tree, favor_recall=True, **options)
    kept = _word_total(doc)
    paragraph_words = sum(len(p.text_content().split()) for p in tree.iter("p"))
    extraction = f"trafilatura, recall mode ({kept} words; the page's <p> paragraphs hold {paragraph_words})"
    if kept == 0 or kept < RECALL_MIN_PARAGRAPH_SHARE * paragraph_words:
        balanced: Any = bare_extraction(tree, **options)
        if _word_total(balanced) > kept:
            doc = balanced
        extraction = (f"trafilatura, {'balanced' if doc is balanced else 'recall'} mode (recall mode kept {kept} "
                      f"words of the {paragraph_words} in the page's <p> paragraphs, balanced mode "
                      f"{_word_total(balanced)})")
    if doc is None or not (doc.text or "").strip():
        raise ExtractError("no_main_text", "trafilatura found no main text in this HTML page")
    lines: list[str] = []
    for paragraph in doc.text.split("\n"):
        lines.extend([paragraph.strip(), ""])
    tags = [t.strip() for t in (doc.tags or []) if t and t.strip()]
    published = doc.date or arabic_date_in_html(text)
    return Page(doc_id=ref.doc_id, source_uri=ref.source_uri, lines=lines, content_type="html",
                encoding=encoding, url=doc.url or ref.url, title=doc.title, published=published,
                sitename=doc.sitename, tags=tags, author=doc.author, description=doc.description,
                layout=None if layout is None else main_text_features(layout, doc.text), extraction=extraction)


def _word_total(doc: Any) -> int:
    return len((doc.text or "").split()) if doc is not None else 0


def extract(ref: InputRef, data: bytes, seconds_limit: float | None = None) -> Page:
    """The page in `data`. `seconds_limit`: an HTML page is extracted in a child process and
    stopped past it (too_slow), as libxml2 can take minutes on a pathological page and
    nothing stops it in this process; a text dump's work is linear, its size bounded."""
    text, encoding = decode(data, ref.charset)
    # UTF-16 hides the tags from a byte sniff: sniff its text.
    if is_html(text.encode("utf-8") if encoding == "utf-16" else data):
        if seconds_limit is None:
            return html_page(ref, text, encoding)
        try:
            return call_isolated(html_page, (ref, text, encoding), seconds_limit)
        except TimeLimitExceeded:
            raise ExtractError("too_slow", f"extraction took over {seconds_limit:g} s and was stopped") from None
        except ChildDied as e:
            raise ExtractError("extract_crashed", f"the extractor process died on this page ({e}); "
                               "the next page gets a new one") from None
    lines = text_lines(text)
    if not any(line.strip() for line in lines):
        raise ExtractError("empty_input", "the page holds no text")
    paragraphs = rejoin(lines)
    rejoined = len(paragraphs) < len(lines)
    return Page(doc_id=ref.doc_id, source_uri=ref.source_uri, content_type="text", encoding=encoding, url=ref.url,
                lines=[p.text for p in paragraphs] if rejoined else lines,
                line_numbers=[p.line_no for p in paragraphs] if rejoined else None)


@timed
def extract_batch(refs: list[InputRef], seconds_limit: float = PAGE_SECONDS_LIMIT) -> StageResult[list[Page]]:
    result: StageResult[list[Page]] = StageResult(output=[])
    for ref in refs:
        with result.rejecting("extract", "extract_failed", ref.source_uri, doc_id=ref.doc_id):
            try:
                result.output.append(_extract_ref(ref, seconds_limit))
            except ExtractError as e:
                result.rejections.append(Rejection(ref.source_uri, "extract", e.reason, e.detail, doc_id=ref.doc_id))
            except OSError as e:
                result.rejections.append(Rejection(ref.source_uri, "extract", "unreadable",
                                                   f"cannot read the file: {e.strerror or e}", doc_id=ref.doc_id))
    return result


def _extract_ref(ref: InputRef, seconds_limit: float) -> Page:
    if ref.size > MAX_PAGE_BYTES:
        raise ExtractError("too_large", f"{ref.size} bytes; pages over {MAX_PAGE_BYTES} bytes are not "
                           "processed (the fetcher's limit too)")
    data = raw.get(ref.raw) if ref.raw else path_of_uri(ref.path or ref.source_uri).read_bytes()
    if not ref.raw and sha256_hex(data) != ref.doc_id:
        raise ExtractError(CHANGED_WHILE_READ, "the file changed between discovery and extraction; "
                           "the next run reads it again")
    page = extract(ref, data, seconds_limit)
    page.fetched_at = ref.fetched_at
    return page
