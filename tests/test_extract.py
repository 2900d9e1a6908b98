import time
from pathlib import Path

import pytest

from tasks.extract import ExtractError, decode, extract, extract_batch, is_html
from tasks.records import InputRef

ARABIC = "العلاقات بين روسيا وكوريا الشمالية وصلت إلى مستوى جديد"


def ref(path="/x/page.txt", size=0):
    """An input as discover finds it: named by the sha256 of its bytes when the file exists."""
    from tasks.discover import file_digest

    doc_id = file_digest(Path(path))[0] if Path(path).is_file() else "d" * 64
    return InputRef(source_uri=path, doc_id=doc_id, size=size)


def test_utf8_text_dump_becomes_lines():
    page = extract(ref(), f"عنوان\r\n\r\n{ARABIC}\n".encode())
    assert page.content_type == "text" and page.encoding == "utf-8"
    assert page.lines[:3] == ["عنوان", "", ARABIC]


@pytest.mark.parametrize("encoding", ["cp1256", "utf-16", "utf-8-sig"])
def test_arabic_in_other_encodings_decodes(encoding):
    text, used = decode(ARABIC.encode(encoding))
    assert text.strip() == ARABIC
    assert used in ("windows-1256", "utf-16", "utf-8-sig")


def test_the_http_charset_comes_before_the_pages_meta_and_default_latin_labels_are_not_trusted():
    page = f"<html><head><meta charset='windows-1256'></head><body><p>{ARABIC}</p></body></html>"
    # Bytes valid in both Arabic code pages: the response's header decides, over the <meta>.
    data = page.replace("'windows-1256'", "'windows-1256' ").encode("iso8859_6")
    assert decode(data, declared="iso-8859-6") == (data.decode("iso8859_6"), "iso-8859-6")
    # A server's default "charset=iso-8859-1" on Arabic bytes would give mojibake without an error.
    for bytes_, encoding in ((ARABIC.encode("cp1256"), "windows-1256"), (ARABIC.encode(), "utf-8")):
        assert decode(bytes_, declared="iso-8859-1") == (ARABIC, encoding)
    # A page that is Latin-1 is still read as such.
    text, _ = decode("Le ministre a déclaré à la presse qu'il visiterait Séoul.".encode("latin-1"), declared="iso-8859-1")
    assert "déclaré" in text
    # Through extract: the ref carries the charset its response declared.
    bare = f"<html><body><article><p>{ARABIC} " * 5 + "</p></article></body></html>"
    got = extract(InputRef(source_uri="/x.html", doc_id="d" * 64, size=0, charset="windows-1256"), bare.encode("cp1256"))
    assert got.encoding == "windows-1256" and ARABIC in "\n".join(got.lines)


@pytest.mark.parametrize("data,reason", [
    (b"", "empty_input"), (b"  \n\t\n", "empty_input"),
    (b"\x89PNG\r\n\x1a\n\x00\x00", "binary_input"), (b"PK\x03\x04rest", "binary_input"),
    (b"\x1f\x8b\x08\x00", "binary_input"), (b"abc\x00\x01\x02def", "binary_input"),
])
def test_non_pages_are_refused_with_a_reason(data, reason):
    with pytest.raises(ExtractError) as e:
        decode(data)
    assert e.value.reason == reason


def test_html_is_sniffed_from_content_not_name():
    assert is_html(b"<!DOCTYPE html><html><body><p>x</p></body></html>")
    assert is_html(b"  <html lang='ar'><head></head><body></body></html>")
    assert not is_html(ARABIC.encode())


def test_html_page_goes_through_trafilatura():
    body = "".join(f"<p>{ARABIC} في الفقرة رقم {i}، وهذا نص طويل بما يكفي ليعد جزءا من المقال.</p>" for i in range(6))
    html = (f"<html><head><title>عنوان الخبر</title><meta name='keywords' content='روسيا, كوريا'></head>"
            f"<body><nav><a href='/'>الرئيسية</a></nav><article><h1>عنوان الخبر</h1>{body}</article></body></html>")
    page = extract(ref("/x/p.html"), html.encode())
    assert page.content_type == "html"
    assert page.extraction is not None and page.extraction.startswith("trafilatura, recall mode")
    assert page.title == "عنوان الخبر"
    text = "\n".join(page.lines)
    assert "في الفقرة رقم 5" in text and "الرئيسية" not in text
    # The same page saved as UTF-16 (with its BOM) is HTML too, not a text dump of tags.
    page = extract(ref("/x/p16.html"), html.encode("utf-16"))
    assert (page.content_type, page.encoding, page.title) == ("html", "utf-16", "عنوان الخبر")


def test_batch_turns_failures_into_rejections(tmp_path):
    good, empty, missing = tmp_path / "good.txt", tmp_path / "empty.html", tmp_path / "gone.txt"
    good.write_text(f"عنوان\n{ARABIC}.", encoding="utf-8")
    empty.write_bytes(b"")
    result = extract_batch([ref(str(good)), ref(str(empty)), ref(str(missing))])
    assert [p.source_uri for p in result.output] == [str(good)]
    assert {(r.source_uri, r.reason) for r in result.rejections} == {(str(empty), "empty_input"), (str(missing), "unreadable")}


def test_html_date_from_metadata_else_arabic_text_never_htmldates_january_first():
    body = "<p>" + "وقال المتحدث إن المحادثات ستتواصل خلال الأسبوع المقبل في العاصمة. " * 6 + "</p>"
    with_meta = (f"<html><head><title>خبر</title><meta property='article:published_time' content='2024-05-14T09:00:00+03:00'>"
                 f"</head><body><article>{body}</article></body></html>")
    assert extract(ref("/x/a.html"), with_meta.encode()).published.startswith("2024-05-14T09:00:00")
    levantine = (f"<html><head><title>خبر</title></head><body><div class='meta'><span>بيروت</span>"
                 f"<span class='date'>3 حزيران 2024</span></div><article>{body}</article></body></html>")
    page = extract(ref("/x/b.html"), levantine.encode())
    assert page.published == "3 حزيران 2024"          # htmldate alone says 2024-01-01
    undated = f"<html><head><title>خبر</title></head><body><article>{body}</article></body></html>"
    assert extract(ref("/x/c.html"), undated.encode()).published is None


def test_a_file_mixing_utf8_and_windows_1256_lines_is_read_line_by_line():
    data = ("عنوان الخبر\n".encode() + "وقال المتحدث إن المحادثات ستتواصل.\n".encode("cp1256")
            + "نص آخر بالعربية طويل بما يكفي.\n".encode())
    text, encoding = decode(data)
    assert text.split("\n")[:3] == ["عنوان الخبر", "وقال المتحدث إن المحادثات ستتواصل.", "نص آخر بالعربية طويل بما يكفي."]
    assert encoding == "utf-8+windows-1256"


def test_a_page_over_the_size_limit_is_quarantined_not_processed(tmp_path):
    from tasks import extract as extract_module

    big = tmp_path / "big.html"
    big.write_bytes(b"<html><body><p>" + "كلمة ".encode() * (extract_module.MAX_PAGE_BYTES // 4) + b"</p></body></html>")
    result = extract_batch([ref(str(big), size=big.stat().st_size)])
    assert [r.reason for r in result.rejections] == ["too_large"] and not result.output


def slow_and_quick_pages(tmp_path):
    """An HTML page that keeps the extractor for seconds, and a text page that does not."""
    slow, quick = tmp_path / "slow.html", tmp_path / "quick.txt"
    paragraphs = "".join(f"<div><p>{ARABIC} فقرة {i}</p><span>{i}</span></div>" for i in range(20000))
    slow.write_text(f"<html><body><article>{paragraphs}</article></body></html>", encoding="utf-8")
    quick.write_text(f"عنوان\n\n{ARABIC}\n", encoding="utf-8")
    return slow, quick


def test_a_page_over_the_time_limit_is_stopped_and_quarantined_and_the_batch_goes_on(tmp_path):
    slow, quick = slow_and_quick_pages(tmp_path)
    started = time.perf_counter()
    result = extract_batch([ref(str(slow), size=slow.stat().st_size), ref(str(quick))], seconds_limit=0.3)
    assert time.perf_counter() - started < 3
    assert [(r.reason, r.detail) for r in result.rejections] == [("too_slow", "extraction took over 0.3 s and was stopped")]
    assert [p.source_uri for p in result.output] == [str(quick)]


def test_the_time_limit_also_holds_in_a_worker_thread_as_dask_runs_tasks(tmp_path):
    import threading

    slow, quick = slow_and_quick_pages(tmp_path)
    outcome = {}

    def work():
        started = time.perf_counter()
        outcome["result"] = extract_batch([ref(str(slow), size=slow.stat().st_size), ref(str(quick))],
                                          seconds_limit=0.3)
        outcome["seconds"] = time.perf_counter() - started
        time.sleep(0.5)        # a late timer must not go off after the batch
        outcome["after"] = "clean"

    worker = threading.Thread(target=work)
    worker.start()
    worker.join(30)
    result = outcome["result"]
    assert outcome["seconds"] < 3 and outcome["after"] == "clean"
    assert [r.reason for r in result.rejections] == ["too_slow"]
    assert [p.source_uri for p in result.output] == [str(quick)]


def test_a_page_whose_time_goes_inside_libxml2_is_stopped_there(tmp_path):
    """Item 8 of "Reliability, second round": a tag with 200,000 attributes (2.3 MB) keeps
    libxml2's parser for most of a minute in one call that no signal or exception interrupts;
    the child process extracting it is killed at the limit and replaced, the page quarantined
    too_slow, the next page extracted."""
    attributes = tmp_path / "attributes.html"
    attributes.write_text("<html><body><p " + " ".join(f"a{i}='v'" for i in range(200_000)) + ">x</p></body></html>")
    _, quick = slow_and_quick_pages(tmp_path)
    started = time.perf_counter()
    result = extract_batch([ref(str(attributes), size=attributes.stat().st_size), ref(str(quick))], seconds_limit=2)
    assert time.perf_counter() - started < 20
    assert [(r.source_uri, r.reason) for r in result.rejections] == [(str(attributes), "too_slow")]
    assert [p.source_uri for p in result.output] == [str(quick)]


def test_a_file_that_changes_between_discovery_and_extraction_is_read_again_next_run(tmp_path):
    """Discover hashed the good bytes; the file was cut before extract read it. The rejection
    does not make the good bytes' sha256 "already processed", or the next run would call the
    repaired file unchanged and its article would never be written."""
    from datetime import datetime, timezone

    from tasks.records import RunContext
    from tasks.manifest import Manifest
    from tasks.write import write_batch
    from schemas.tables import ARTICLES

    page = tmp_path / "page.txt"
    page.write_text(f"عنوان\n{ARABIC}.", encoding="utf-8")
    discovered = ref(str(page))
    page.write_bytes(b"")                                   # truncated while the run goes on
    result = extract_batch([discovered])
    assert result.output == [] and [r.reason for r in result.rejections] == ["changed_while_reading"]
    assert result.rejections[0].doc_id == discovered.doc_id          # the run's counts still add up
    run = RunContext("r", datetime(2026, 1, 1, tzinfo=timezone.utc), "t")
    write_batch(ARTICLES.empty_table(), result.rejections, tmp_path / "out", run, 0)
    assert (discovered.source_uri, discovered.doc_id) not in Manifest.open(tmp_path / "out").processed_inputs()


def test_a_file_name_that_is_not_utf8_is_recorded_escaped_and_read_back(tmp_path):
    import os

    from tasks.records import path_of_uri, uri_of_path

    page = tmp_path / os.fsdecode(b"bad-\xff\xfe.txt")
    page.write_text(f"عنوان\n{ARABIC}.", encoding="utf-8")
    uri = uri_of_path(page)
    assert uri.endswith("bad-\\xff\\xfe.txt") and uri.encode("utf-8")         # storable as Parquet text
    assert path_of_uri(uri) == page and path_of_uri(str(tmp_path / "مقال.txt")) == tmp_path / "مقال.txt"
    (result,) = extract_batch([InputRef(uri, ref(str(page)).doc_id, page.stat().st_size)]).output
    assert result.source_uri == uri and result.lines[0] == "عنوان"


def test_a_table_inside_an_html_article_is_part_of_its_text():
    """An article's data table (results, prices, figures) is its content, as trafilatura's
    default keeps it."""
    body = "".join(f"<p>{ARABIC} في الفقرة رقم {i}، وهذا نص طويل بما يكفي ليعد جزءا من المقال.</p>" for i in range(4))
    table = ("<table><tr><th>المحافظة</th><th>نسبة المشاركة</th></tr>"
             "<tr><td>القاهرة</td><td>41 في المئة</td></tr><tr><td>الجيزة</td><td>38 في المئة</td></tr></table>")
    html = f"<html><body><article><h1>نتائج الانتخابات</h1>{body}{table}<p>{ARABIC} في الخاتمة.</p></article></body></html>"
    page = extract(ref("/x/t.html"), html.encode())
    text = "\n".join(page.lines)
    assert "القاهرة" in text and "38 في المئة" in text
    from tasks.strip import strip_page

    (article,) = strip_page(page).articles
    assert any("الجيزة" in p for p in article.paragraphs)
    assert not any(set(p) <= set("|-: ") for p in article.paragraphs)    # no "|---|---|" rule line


def test_an_article_whose_sections_sit_in_a_widget_grid_is_extracted_whole():
    """trafilatura's recall mode, tried first, drops an editor's widget grid ("ck-widget") as a
    sidebar widget and keeps only the article's lead, under half the words of the page's <p>
    paragraphs: the balanced mode runs too and its longer text is the page's."""
    lead = ("<p>" + "يبدأ العام الجديد وتبدو المساحات الداخلية مظلمة في الأيام الغائمة، لكن نباتات كثيرة "
            "تحتمل الظل وتزين الزوايا. " * 3 + "</p>")
    columns = "".join(
        f'<div class="col-lg"><img src="/p{i}.jpg" alt="نبات {i}"><h6><strong>النبات رقم {i}</strong><br>'
        f"(<em>اسم علمي</em>)</h6><p>{f'هذا النبات رقم {i} يتحمل الإضاءة الخافتة ويحتاج إلى ري معتدل مرة كل أسبوعين في الشتاء، وأوراقه لامعة وقوية. ' * 4}</p></div>"
        for i in range(1, 7))
    html = ('<html><head><title>نباتات الظل</title></head><body><header><nav><a href="/">الرئيسية</a></nav></header>'
            '<main><div class="layout-content"><article><div><div class="plant-info"><div class="story-body">'
            f'{lead}{lead}<div class="ck-widget bs_grid"><div class="ck-widget row">{columns}</div></div>'
            '</div></div></div></article></div></main><footer><p>جميع الحقوق محفوظة</p></footer></body></html>')
    page = extract(ref("/x/grid.html"), html.encode())
    text = "\n".join(page.lines)
    assert "تحتمل الظل" in text
    assert all(f"هذا النبات رقم {i} يتحمل" in text for i in range(1, 7))
    assert "الرئيسية" not in text and "جميع الحقوق" not in text
    # `khabar explain` says which mode gave the text, and why.
    from tasks.strip import explain

    assert "# extraction: trafilatura, balanced mode (recall mode kept" in explain(page).splitlines()[1]


def _labelled_page(label: str) -> str:
    return (f"<html><head><meta charset='{label}'><title>خبر</title></head><body><article>"
            + "".join(f"<p>{ARABIC} في الفقرة رقم {i}، وهذا نص طويل بما يكفي ليعد جزءا من المقال.</p>" for i in range(5))
            + "</article></body></html>")


@pytest.mark.parametrize("label", ["x-mac-arabic", "koi8-r", "windows-1256", "iso-8859-6"])
def test_utf8_bytes_are_utf8_whatever_the_label_says(label):
    """Item 15 of "Reliability, second round": a UTF-8 page labelled with a legacy charset
    (by the HTTP header or its own meta) is read as UTF-8, not written as mojibake."""
    html = _labelled_page(label).encode("utf-8")
    for declared in (label, None):
        text, encoding = decode(html, declared)
        assert encoding == "utf-8" and ARABIC in text


def test_text_decoded_wrongly_upstream_is_repaired_and_flagged():
    """Item 15 of "Reliability, second round": UTF-8 that was read as windows-1252 (or Latin-1)
    before it was saved ("Ø§Ù„Ø®Ø¨Ø±") is Arabic again in the article, which says so."""
    from datetime import datetime, timezone

    from tasks.normalize import normalize_batch
    from tasks.records import RunContext
    from tasks.strip import strip_batch
    from tests.badinputs import ARTICLE, _as_windows_1252

    for garbled in (_as_windows_1252(ARTICLE.encode()), ARTICLE.encode().decode("latin-1")):
        page = extract(ref("/x/mojibake.txt"), garbled.encode("utf-8"))
        assert page.encoding == "utf-8+mojibake-repaired" and "\n".join(page.lines).count("ال") > 50
        run = RunContext("r", datetime(2026, 1, 1, tzinfo=timezone.utc), "t")
        (row,) = normalize_batch(strip_batch([page]).output, run).output
        assert row["language"] == "ar" and "encoding_repaired" in row["warnings"]
    clean = extract(ref("/x/clean.txt"), ARTICLE.encode())      # a page read right is left alone
    assert clean.encoding == "utf-8"


@pytest.mark.parametrize("label", ["koi8-r", "iso-8859-15", "windows-1250"])
def test_arabic_bytes_under_a_wrong_legacy_label_are_read_as_arabic(label):
    """Item 15: windows-1256 bytes labelled with another single-byte charset decode without an
    error in it, as noise; the bytes' own evidence (Arabic's "ال" everywhere) wins."""
    html = _labelled_page(label).encode("cp1256")
    for declared in (label, None):
        text, encoding = decode(html, declared)
        assert encoding == "windows-1256" and ARABIC in text


def test_a_label_is_still_trusted_for_its_own_language():
    """A Russian page in koi8-r, a French one in Latin-1: the label (or the detector) is right."""
    russian = "Сегодня правительство объявило о новом плане поддержки экономики.\n" * 20
    assert decode(russian.encode("koi8-r"), "koi8-r") == (russian, "koi8-r")
    french = "Le gouvernement a annoncé aujourd'hui un nouveau plan économique à Paris.\n" * 20
    assert decode(french.encode("latin-1"))[0] == french


@pytest.mark.parametrize("data, what", [
    (bytes((i * 7919 + 13) % 255 + 1 for i in range(20000)), "control"),       # binary, no NUL byte
    (("\ufffd" * 3000 + " خبر عاجل").encode(), "replacement"),
    (("\u00d8\u00a7\u00d9\u201e" * 10 + " ÇáÎÈÑ ÇáÚÇÌá Ýí ÇáÞÇåÑÉ " * 40).encode(), "Latin-1"),
])
def test_bytes_that_give_no_text_are_undecodable(data, what, tmp_path):
    """Item 15: a decoded text that is mostly control or replacement characters, or another
    script read as Latin-1, is quarantined `undecodable` with the reason, never written."""
    with pytest.raises(ExtractError) as caught:
        decode(data)
    assert caught.value.reason == "undecodable" and what in caught.value.detail
    noise = tmp_path / "noise.txt"
    noise.write_bytes(data)
    result = extract_batch([ref(str(noise), len(data))])
    assert result.output == [] and [r.reason for r in result.rejections] == ["undecodable"]
