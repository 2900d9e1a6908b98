"""A corpus of hostile and broken inputs, generated (never downloaded): what a scheduled pipeline
meets in a drop directory. `build` writes it and returns, for every input, what the run must make
of it: "articles" or the quarantine reason."""
from __future__ import annotations

import gzip
import io
import os
import zipfile
from pathlib import Path

from tests.conftest import PAGES

ARTICLE = (PAGES / "outlets" / "aljazeera.txt").read_text(encoding="utf-8")
HTML_ARTICLE = (PAGES / "html" / "skynews_article.html").read_text(encoding="utf-8")
ENGLISH = ("Minister to visit Pyongyang next month\n\n" + "The Russian foreign minister said he would visit "
           "North Korea next month, after the summit between the two leaders in the Russian Far East. " * 3)
BOILERPLATE_ONLY = "\n".join(["الرئيسية", "أخبار", "رياضة", "TT", "شارك", "مقالات ذات صلة",
                              "جميع الحقوق محفوظة © 2024", "سياسة الخصوصية", "اتصل بنا"])
BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE html [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>&lol9;</title></head>
<body><p>&lol9;</p></body></html>
"""




def _variant(text: str, n: int) -> str:
    """The article with a distinct first body sentence, so no two inputs are duplicates."""
    return text.replace("اليوم الاثنين", f"اليوم الاثنين ({n})", 1)


def _as_windows_1252(data: bytes) -> str:
    """Bytes read as a browser reads windows-1252 (its five unassigned bytes as C1 controls)."""
    return "".join(chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252") for b in data)


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("page.html", HTML_ARTICLE)
    return buffer.getvalue()


def _nested(depth: int) -> bytes:
    return ("<html><body>" + "<div>" * depth + "نص" + "</div>" * depth + "</body></html>").encode()


def build(inputs: Path, outside: Path) -> dict[str, str]:
    """Writes the corpus into `inputs` (and a secret into `outside`, which a symlink in `inputs`
    points to); returns {file name relative to inputs: "articles" or quarantine reason}."""
    inputs.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    expected: dict[str, str] = {}

    def put(name: str, data: bytes | str, outcome: str) -> None:
        path = inputs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        expected[name] = outcome

    # Empty and not-text inputs.
    put("empty.txt", b"", "empty_input")
    put("whitespace.txt", " \n\t\r\n   \n", "empty_input")
    put("photo.html", _png(), "binary_input")
    put("archive.html", _zip(), "binary_input")
    put("compressed.html", gzip.compress(HTML_ARTICLE.encode()), "binary_input")
    put("nul-bytes.txt", _variant(ARTICLE, 1).encode()[:300] + b"\x00" * 64 + b"\x01\x02", "binary_input")
    put("random-bytes.txt", bytes((i * 7919 + 13) % 256 for i in range(20000)), "binary_input")
    # Encodings: each is read right and gives the article.
    put("utf16-bom.txt", _variant(ARTICLE, 2).encode("utf-16"), "articles")
    put("utf16-bom.html", HTML_ARTICLE.replace("ارتفاع صادرات", "ارتفاع كبير في صادرات").encode("utf-16"),
        "articles")
    put("utf8-bom.txt", b"\xef\xbb\xbf" + _variant(ARTICLE, 3).encode(), "articles")
    put("windows-1256.txt", _variant(ARTICLE, 4).encode("cp1256"), "articles")
    put("iso-8859-6.txt", _variant(ARTICLE, 5).replace("،", ",").encode("iso-8859-6", errors="replace"), "articles")
    mixed = _variant(ARTICLE, 6).splitlines()
    put("mixed-encodings.txt", b"\n".join(line.encode("cp1256" if i % 2 else "utf-8") for i, line in enumerate(mixed)),
        "articles")
    put("invalid-utf8.txt", _variant(ARTICLE, 7).encode() + b"\xff\xfe\xc0\xaf trailing", "articles")
    put("crlf-and-cr.txt", _variant(ARTICLE, 8).replace("\n", "\r\n", 5).replace("\n", "\r"), "articles")
    # Text decoded wrongly upstream (UTF-8 read as windows-1252, saved as UTF-8): repaired.
    put("mojibake.txt", _as_windows_1252(_variant(ARTICLE, 17).encode()), "articles")
    # A windows-1256 page whose meta charset says koi8-r: the label is wrong, the bytes are Arabic.
    put("labelled-koi8-r.html", HTML_ARTICLE.replace("ارتفاع صادرات", "ارتفاع قياسي في صادرات")
        .replace("<head>", "<head><meta charset='koi8-r'>", 1).encode("cp1256", errors="replace"), "articles")
    # Not text in any encoding, with no NUL byte to give it away.
    put("random-bytes-no-nul.txt", bytes((i * 7919 + 13) % 255 + 1 for i in range(20000)), "undecodable")
    put("replacement-characters.txt", "\ufffd" * 5000 + " خبر", "undecodable")
    # Broken or hostile HTML.
    put("truncated.html", HTML_ARTICLE[: len(HTML_ARTICLE) * 2 // 3], "articles")
    put("truncated-head.html", b"<html><head><title>x</title></head><body><div><p>", "no_main_text")
    put("nested-100000.html", _nested(100_000), "no_main_text")
    # One tag with 200,000 attributes: libxml2 parses it for most of a minute, in one call.
    put("attributes-200000.html", "<html><body><p " + " ".join(f"a{i}='v'" for i in range(200_000)) + ">x</p></body></html>",
        "too_slow")
    # Nothing expands: the page's text is the entity's name, and validation finds it no article.
    put("entity-expansion.xhtml", BILLION_LAUGHS, "no_article")      # a title, no body: no article
    put("scripts-only.html", "<html><head><script>" + "var a=1;" * 5000 + "</script></head><body></body></html>",
        "no_main_text")
    put("huge-50mb.html", b"<html><body><p>" + "خبر ".encode() * (50 * 2**20 // 7) + b"</p></body></html>",
        "too_large")
    # No headline in it: the article is written with its title null (warning title_not_found).
    put("one-long-line.txt", "كلمة " * 200_000, "articles")
    # Pages with nothing to keep.
    put("boilerplate-only.txt", BOILERPLATE_ONLY, "no_article")
    put("english.txt", ENGLISH, "articles")     # kept by default, with language "en"
    # Hostile file names: each is an ordinary page.
    put("name with spaces.txt", _variant(ARTICLE, 9), "articles")
    put("مقال عربي.txt", _variant(ARTICLE, 10), "articles")
    put("line\nbreak.txt", _variant(ARTICLE, 11), "articles")
    put("dots..in..name.txt", _variant(ARTICLE, 12), "articles")
    put("sub/../sub/page.txt", _variant(ARTICLE, 13), "articles")
    # A name that is not UTF-8 (a Linux name may hold any bytes): recorded with its bytes escaped.
    from tasks.records import uri_of_path

    not_utf8 = os.fsdecode(b"bad-\xff\xfe.txt")
    (inputs / not_utf8).write_text(_variant(ARTICLE, 16), encoding="utf-8")
    expected[uri_of_path(not_utf8)] = "articles"
    # Symlinks: one leaving the source directory is refused; one dangling is unreadable.
    secret = outside / "secret.txt"
    secret.write_text(_variant(ARTICLE, 14), encoding="utf-8")
    (inputs / "escape.txt").symlink_to(secret)
    expected["escape.txt"] = "symlink_outside_source"
    (inputs / "escape-dir").symlink_to(outside, target_is_directory=True)
    expected["escape-dir"] = "symlink_outside_source"
    (inputs / "dangling.txt").symlink_to(inputs / "gone.txt")
    expected["dangling.txt"] = "unreadable"
    # Not a file at all: a reader on a FIFO would wait for ever.
    os.mkfifo(inputs / "pipe.txt")
    expected["pipe.txt"] = "not_a_regular_file"
    return {str(Path(name)) if ".." not in name else os.path.normpath(name): outcome
            for name, outcome in expected.items()}
