"""HTML and Word extraction: faithful text, paragraph breaks, metadata, and clear refusals.

Every fixture is built here (HTML inline, .docx with python-docx in memory): no file
outside the repository is read, and no database is used.
"""

from __future__ import annotations

import codecs
import datetime
import functools
import io
import re
import socket
import zipfile
from collections.abc import Callable

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.oxml.parser import OxmlElement

from annotator.extractors import ExtractionError, extract
from annotator.extractors.docx import extract_docx
from annotator.extractors.html import extract_html, main_content

# HTML

NEWS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Families describe detentions in Ghulja | Example Rights Monitor</title>
<meta name="author" content="Amina Yusuf">
<meta name="description" content="Relatives of three men describe their detention.">
<meta property="og:site_name" content="Example Rights Monitor">
<meta property="article:published_time" content="2023-05-17T08:30:00+00:00">
<link rel="canonical" href="https://rights.example.org/news/ghulja-detentions">
<style>body { color: #333 } .STYLE-TEXT { display: none }</style>
<script>var tracking = "SCRIPT-IN-HEAD";</script>
</head>
<body>
<div id="cookie-banner" class="cookie-consent">We use cookies. <button>Accept</button></div>
<header class="site-header">
  <a class="logo" href="/">Example Rights Monitor</a>
  <nav><ul>
    <li><a href="/">Home</a></li><li><a href="/news">News</a></li>
    <li><a href="/reports">Reports</a></li><li><a href="/about">About us</a></li>
  </ul></nav>
</header>
<main>
<article>
<h1>Families describe detentions in Ghulja</h1>
<p>Relatives of three men detained in Ghulja in 2017 say they have had no news of them
   since the men were taken from their homes at night.</p>
<p>“They took my brother to the camp,” said one woman, who asked not to be named.<br>
   “We were never told why.”</p>
<h2>No charges, no trial</h2>
<p>None of the men was charged or tried, according to the families, and their requests
   for information were refused by the local authorities.</p>
<script>document.write("SCRIPT-IN-BODY")</script>
<noscript>NOSCRIPT-TEXT</noscript>
<p>The organisation has documented more than forty similar cases in the prefecture
   since 2017, most of them involving men between twenty and forty years old.</p>
<!-- COMMENT-TEXT -->
<div class="share-buttons"><a href="https://twitter.com/share">Share on Twitter</a>
  <a href="https://facebook.com/share">Share on Facebook</a></div>
</article>
<aside class="related"><h3>Related stories</h3><ul>
  <li><a href="/news/a">Court hearing postponed again</a></li>
  <li><a href="/news/b">Report on forced labour published</a></li>
</ul></aside>
</main>
<footer><p>© 2023 Example Rights Monitor. All rights reserved.</p>
  <a href="/privacy">Privacy policy</a></footer>
</body>
</html>
"""

NEWS_TEXT = (
    "Families describe detentions in Ghulja\n\n"
    "Relatives of three men detained in Ghulja in 2017 say they have had no news of them "
    "since the men were taken from their homes at night.\n\n"
    "“They took my brother to the camp,” said one woman, who asked not to be named.\n"
    "“We were never told why.”\n\n"
    "No charges, no trial\n\n"
    "None of the men was charged or tried, according to the families, and their requests "
    "for information were refused by the local authorities.\n\n"
    "The organisation has documented more than forty similar cases in the prefecture "
    "since 2017, most of them involving men between twenty and forty years old."
)

# The first articles of the Universal Declaration of Human Rights in Uyghur (Arabic
# script), marked up as the UDHR in Unicode project does: one <article> per article.
UDHR_TITLE = "دۇنيا كىشىلىك ھوقۇقى خىتابنامىسى"
UDHR_ARTICLES = [
    (
        "1 ماددا",
        [
            "ھەممە ئادەم زانىدىنلا ئەركىن، ئىززەت-ھۆرمەت ۋە ھوقۇقتا باپباراۋەر بولۇپ "
            "تۇغۇلغان. ئۇلار ئەقىلغە ۋە ۋىجدانغا ئىگە ھەمدە بىر-بىرىگە قېرىنداشلىق "
            "مۇناسىۋىتىگە خاس روھ بىلەن موئامىلە قىلىشى كېرەك."
        ],
    ),
    (
        "3 ماددا",
        [
            "ھەممە ئادەم ھاياتلىقتىن، ئەركىنلىكتىن ۋە جىسمانىي بىخەتەرلىكتىن بەھرىمەن "
            "بولۇشقا ھوقۇقلۇق."
        ],
    ),
    (
        "4 ماددا",
        [
            "ھەرقانداق ئادەمنى قۇل قىلىشقا ياكى قۇل قاتارىدا ئىشلىتىشكە بولمايدۇ.",
            "ھەرقاندقاق شەكىلدىكى قۇللۇق توزۇمنىمۇ، قۇللارنى ئېلىپ-سېتىشنىمۇ مەنئى قىلىش كېرەك.",
        ],
    ),
    (
        "5 ماددا",
        [
            "ھەرقانداق ئادامنى رەھىمسىزلىك بىلەن قىيناشقا ياكى ۋەھشىي، ئىنسانىيەتسىز ياكى "
            "جاقارەت خاراكتېرلىك مۇئامىلىگە ياكى جازاغا دۇچار قىلىشقا بولمايدۇ."
        ],
    ),
]


def _udhr_page() -> bytes:
    articles = "\n".join(
        f'<article data-number="{number}">\n  <h2>{heading}</h2>\n'
        + "".join(f"  <p>{paragraph}</p>\n" for paragraph in paragraphs)
        + "</article>"
        for number, (heading, paragraphs) in enumerate(UDHR_ARTICLES, start=1)
    )
    return f"""<!doctype html>
<html dir="rtl" lang="ug-Arab">
<head><meta charset="utf-8"><title>Uyghur (Arabic)</title></head>
<body>
<nav><a href="/">باش بەت</a> | <a href="/en">English</a></nav>
<h1>{UDHR_TITLE}</h1>
{articles}
</body>
</html>
""".encode()


def test_news_page_keeps_the_article_and_drops_the_boilerplate():
    extraction = extract_html(NEWS_PAGE.encode())
    assert extraction.text == NEWS_TEXT
    assert extraction.extractor == "html (trafilatura)"
    assert extraction.extractor_version.startswith("trafilatura ")
    assert "; lxml " in extraction.extractor_version
    assert extraction.content_type == "text/html"
    assert extraction.steps[0] == "decode:utf-8 (declared)"
    assert "main-content:trafilatura" in extraction.steps


@pytest.mark.parametrize(
    "boilerplate",
    [
        "SCRIPT-IN-HEAD",
        "SCRIPT-IN-BODY",
        "NOSCRIPT-TEXT",
        "STYLE-TEXT",
        "COMMENT-TEXT",
        "cookies",
        "Home",
        "About us",
        "Share on",
        "Related stories",
        "Court hearing",
        "All rights reserved",
        "Privacy",
    ],
)
def test_news_page_boilerplate_never_reaches_the_text(boilerplate):
    assert boilerplate not in extract_html(NEWS_PAGE.encode()).text


def test_news_page_metadata_uses_the_names_the_importer_maps():
    metadata = extract_html(NEWS_PAGE.encode()).metadata
    assert metadata == {
        "title": "Families describe detentions in Ghulja",
        "author": "Amina Yusuf",
        "description": "Relatives of three men describe their detention.",
        "published_on": "2023-05-17",
        "source_url": "https://rights.example.org/news/ghulja-detentions",
        "publisher": "Example Rights Monitor",
        "language": "en",
        "encoding": "utf-8",
    }


def test_right_to_left_page_keeps_every_article_in_order_with_its_heading():
    extraction = extract_html(_udhr_page())
    expected = [UDHR_TITLE]
    for heading, paragraphs in UDHR_ARTICLES:
        expected += [heading, *paragraphs]
    assert extraction.text == "\n\n".join(expected)
    assert "باش بەت" not in extraction.text  # the menu
    assert extraction.metadata["language"] == "ug-Arab"
    assert extraction.metadata["direction"] == "rtl"
    assert extraction.metadata["title"] == UDHR_TITLE


def test_characters_are_kept_exactly_as_written():
    page = (
        "<html><body><article>"
        # zero-width non-joiner (Persian spelling), a single no-break space, a ZWJ emoji
        # sequence, a character outside the BMP, right-to-left and left-to-right marks
        "<p>می\u200cخواهم 10\u00a0km — 👨\u200d👩\u200d👧 and 𠀋, \u200fمتن\u200e.</p>"
        "<p>Source   whitespace\n\t collapses as in a browser, <b>bold</b> <i>italic</i>.</p>"
        "</article></body></html>"
    )
    text = extract_html(page.encode()).text
    assert text == (
        "می\u200cخواهم 10\u00a0km — 👨\u200d👩\u200d👧 and 𠀋, \u200fمتن\u200e.\n\n"
        "Source whitespace collapses as in a browser, bold italic."
    )


def test_line_breaks_preformatted_text_and_table_rows():
    page = (
        "<html><body><main>"
        "<p>First line<br>second line</p>"
        "<p>Two breaks in a row<br><br>\n&nbsp;<br>look like a new paragraph</p>"
        "<pre>\n  indented\n    code</pre>"
        "<table><tr><th>Name</th><th>Place</th></tr>"
        "<tr><td>Ali</td><td>Ghulja</td></tr></table>"
        "<ul><li>One item</li><li>Another item</li></ul>"
        "</main></body></html>"
    )
    extraction = extract_html(page.encode())
    assert extraction.text == (
        "First line\nsecond line\n\n"
        "Two breaks in a row\n\nlook like a new paragraph\n\n"
        "  indented\n    code\n\n"
        "Name | Place\n\nAli | Ghulja\n\n"
        "One item\n\nAnother item"
    )
    assert "table-cells:' | '" in extraction.steps


def test_hidden_elements_are_not_text():
    page = (
        "<html><body><main><p>The visible paragraph of the statement.</p>"
        "<p hidden>HIDDEN-ATTRIBUTE</p><p style='display: none'>HIDDEN-STYLE</p>"
        "<span aria-hidden='true'>HIDDEN-ARIA</span>"
        "<p>Another visible paragraph of the statement.</p></main></body></html>"
    )
    assert extract_html(page.encode()).text == (
        "The visible paragraph of the statement.\n\nAnother visible paragraph of the statement."
    )


def test_windows_1252_page_is_decoded_by_its_meta_declaration():
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; '
        'charset=windows-1252"><title>Témoin</title></head><body><p>“They took my '
        "brother,” she said. Café owners were questioned — all of them.</p></body></html>"
    )
    extraction = extract_html(page.encode("cp1252"))
    assert extraction.text == (
        "“They took my brother,” she said. Café owners were questioned — all of them."
    )
    assert extraction.metadata["encoding"] == "cp1252"
    assert extraction.steps[0] == "decode:cp1252 (declared)"


def test_latin_1_declaration_is_read_as_windows_1252_like_browsers_do():
    page = '<meta charset="ISO-8859-1"><p>“Quoted” – dash</p>'
    extraction = extract_html(page.encode("cp1252"))
    assert extraction.text == "“Quoted” – dash"
    assert extraction.metadata["encoding"] == "cp1252"


def test_undeclared_legacy_encoding_is_detected():
    page = (
        "<html><body><p>The witness said: “They took my brother to the camp.” He was held "
        "for eighteen months without charge or trial, and his family was never told where "
        "he was. Café owners in the town were questioned too.</p></body></html>"
    )
    extraction = extract_html(page.encode("cp1252"))
    assert "“They took my brother to the camp.”" in extraction.text
    assert "Café owners" in extraction.text
    # cp1250 and cp1252 agree on every byte of this text; either decodes it faithfully.
    assert extraction.metadata["encoding"] in {"cp1250", "cp1252"}


def test_a_declaration_the_bytes_contradict_is_overruled():
    page = (
        '<html><head><meta charset="utf-8"></head><body><p>Café owners in the town were '
        "questioned too, and the witness said her family was never told where he was "
        "held.</p></body></html>"
    )
    extraction = extract_html(page.encode("cp1252"))
    assert "Café owners" in extraction.text
    assert "declared utf-8 does not fit the bytes" in extraction.steps[0]


def test_byte_order_mark_wins_over_the_declaration():
    page = '<html><head><meta charset="windows-1252"></head><body><p>Ürümqi 𠀋</p></body></html>'
    extraction = extract_html(codecs.BOM_UTF16_LE + page.encode("utf-16-le"))
    assert extraction.text == "Ürümqi 𠀋"
    assert extraction.steps[0] == "decode:utf-16 (byte-order mark)"


def test_without_main_content_the_whole_page_but_its_frame_is_taken(monkeypatch):
    # Trafilatura finding nothing is rare and depends on its heuristics: simulate it.
    monkeypatch.setattr(main_content.trafilatura, "bare_extraction", lambda *a, **k: None)
    page = (
        "<html><body><nav><a href='/'>Home</a></nav><script>SCRIPT()</script>"
        "<h1>Short statement</h1><div>We condemn the arrest.</div>"
        "<footer>© Org</footer></body></html>"
    )
    extraction = extract_html(page.encode())
    assert extraction.text == "Short statement\n\nWe condemn the arrest."
    assert "main-content:whole-page (trafilatura found none)" in extraction.steps


def test_short_page_keeps_its_text():
    page = "<html><body><h1>Statement</h1><p>We condemn the arrest.</p></body></html>"
    assert extract_html(page.encode()).text == "Statement\n\nWe condemn the arrest."


@pytest.mark.parametrize(
    "page",
    [
        b"",
        b"   \n ",
        b"<html><head><title>Only a title</title><script>x()</script></head><body></body></html>",
        b"<html><body><script>alert('x')</script><style>p{}</style><p> &nbsp; </p></body></html>",
    ],
)
def test_page_without_text_is_refused(page):
    with pytest.raises(ExtractionError, match=r"^The page contains no text\.$"):
        extract_html(page)


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 8,
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
        b"\x01\x02\x03\x04 valid UTF-8 but mostly control characters \x05\x06",
    ],
)
def test_binary_file_is_refused(data):
    with pytest.raises(ExtractionError, match="binary"):
        extract_html(data)


@pytest.mark.parametrize(
    ("head", "html_attributes", "expected"),
    [
        ('<link rel="canonical" href="/relative/path">', "", {}),
        ('<link rel="canonical" href="javascript:alert(1)">', "", {}),
        ('<link rel="canonical" href="ftp://files.example.org/x">', "", {}),
        (
            '<link rel="canonical" href="not a url">'
            '<meta property="og:url" content="http://example.org/a?b=1">',
            "",
            {"source_url": "http://example.org/a?b=1"},
        ),
        ("", 'lang="en_GB" dir="ltr"', {"language": "en-GB", "direction": "ltr"}),
        ("", 'lang="not a language" dir="auto"', {}),
    ],
)
def test_only_well_formed_metadata_is_kept(head, html_attributes, expected):
    page = (
        f"<html {html_attributes}><head>{head}</head><body><main><p>A paragraph of the "
        "statement, long enough to be the main content of this page.</p></main></body></html>"
    )
    metadata = extract_html(page.encode()).metadata
    found = {
        key: metadata[key] for key in ("source_url", "language", "direction") if key in metadata
    }
    assert found == expected


def test_nothing_is_fetched(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the extractor tried to use the network")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    # A file that is only a URL: htmldate would download a string like this one.
    extraction = extract_html(b"https://rights.example.org/news/ghulja-detentions")
    assert extraction.text == "https://rights.example.org/news/ghulja-detentions"
    page = NEWS_PAGE.replace("</main>", '<img src="https://example.org/x.png"></main>')
    assert extract_html(page.encode()).text == NEWS_TEXT


def test_html_files_are_dispatched_by_suffix():
    for name in ("page.html", "page.HTM", "page.xhtml"):
        assert extract(name, NEWS_PAGE.encode()).text == NEWS_TEXT


# DOCX


def _docx(build: Callable[[docx.document.Document], None]) -> bytes:
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _append_xml(paragraph, xml: str) -> None:
    """Append WordprocessingML to a paragraph, declaring its namespace on the first tag."""
    declared = re.sub(r"^<([\w:]+)", rf"<\1 {nsdecls('w')}", xml, count=1)
    paragraph._p.append(parse_xml(declared))


def _right_to_left(paragraph) -> None:
    paragraph._p.get_or_add_pPr().append(OxmlElement("w:bidi"))


def _testimony(document) -> None:
    properties = document.core_properties
    properties.title = "Testimony of a former detainee"
    properties.author = "Field team"
    properties.language = "en-GB"
    properties.created = datetime.datetime(2024, 3, 1, 9, 30, tzinfo=datetime.UTC)
    document.add_heading("Testimony of a former detainee", level=0)
    document.add_heading("Background", level=1)
    paragraph = document.add_paragraph("I was held for ")
    paragraph.add_run("eighteen months").bold = True
    paragraph.add_run(" in a camp near 𠀋 Ghulja 👨\u200d👩\u200d👧.")
    document.add_paragraph("")
    document.add_paragraph("   ")
    lines = document.add_paragraph("First line")
    lines.add_run().add_break()
    lines.add_run("second line")
    document.add_paragraph("ئۇلار ئەقىلغە ۋە ۋىجدانغا ئىگە")
    table = document.add_table(rows=3, cols=3)
    rows = [["Name", "Age", "Place"], ["Ali", "30", "Ghulja"], ["Ayşe", "", "Kashgar"]]
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_heading("After release", level=2)
    document.add_paragraph("Column one\tcolumn two")


TESTIMONY_TEXT = (
    "Testimony of a former detainee\n\n"
    "Background\n\n"
    "I was held for eighteen months in a camp near 𠀋 Ghulja 👨\u200d👩\u200d👧.\n\n"
    "First line\nsecond line\n\n"
    "ئۇلار ئەقىلغە ۋە ۋىجدانغا ئىگە\n\n"
    "Name | Age | Place\n\n"
    "Ali | 30 | Ghulja\n\n"
    "Ayşe | Kashgar\n\n"
    "After release\n\n"
    "Column one\tcolumn two"
)


def test_docx_paragraphs_headings_table_and_line_breaks_in_order():
    extraction = extract_docx(_docx(_testimony))
    assert extraction.text == TESTIMONY_TEXT
    assert extraction.extractor == "docx (python-docx)"
    assert extraction.extractor_version.startswith(f"python-docx {docx.__version__}")
    assert extraction.content_type == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    assert "table-cells:' | '" in extraction.steps


def test_docx_metadata_from_core_properties_and_headings():
    metadata = extract_docx(_docx(_testimony)).metadata
    assert metadata == {
        "title": "Testimony of a former detainee",
        "author": "Field team",
        # When the file was made is not when the text was published.
        "created": "2024-03-01T09:30:00+00:00",
        "language": "en-GB",
        "headings": [
            [0, "Testimony of a former detainee"],
            [1, "Background"],
            [2, "After release"],
        ],
    }
    assert "published_on" not in metadata


def test_docx_title_falls_back_to_the_first_heading():
    def build(document):
        document.core_properties.title = ""
        document.add_paragraph("Dateline: Ürümqi")
        document.add_heading("The hearing", level=1)
        document.add_paragraph("It lasted one hour.")

    metadata = extract_docx(_docx(build)).metadata
    assert metadata["title"] == "The hearing"


def test_docx_without_core_properties_gets_no_made_up_metadata():
    def drop_core_properties(name: str, content: bytes) -> bytes | None:
        if name == "docProps/core.xml":
            return None
        if name == "_rels/.rels":
            return re.sub(rb"<Relationship [^>]*core-properties[^>]*/>", b"", content)
        return content

    extraction = extract_docx(_rewrite(_simple_docx(), drop_core_properties))
    assert extraction.text == "A statement."
    assert extraction.metadata == {}


def test_docx_mostly_right_to_left_paragraphs_set_the_direction():
    def build(document):
        for text in ("ھەممە ئادەم زانىدىنلا ئەركىن", "ئۇلار ئەقىلغە ۋە ۋىجدانغا ئىگە"):
            _right_to_left(document.add_paragraph(text))
        document.add_paragraph("UDHR, article 1")

    extraction = extract_docx(_docx(build))
    assert extraction.metadata["direction"] == "rtl"
    assert extraction.text == (
        "ھەممە ئادەم زانىدىنلا ئەركىن\n\nئۇلار ئەقىلغە ۋە ۋىجدانغا ئىگە\n\nUDHR, article 1"
    )
    assert "direction" not in extract_docx(_docx(_testimony)).metadata


def test_docx_text_the_reader_sees_and_only_that():
    def build(document):
        paragraph = document.add_paragraph("Kept ")
        # A tracked insertion is text; a tracked deletion and a field code are not.
        _append_xml(
            paragraph, '<w:ins w:id="1" w:author="A"><w:r><w:t>inserted</w:t></w:r></w:ins>'
        )
        _append_xml(
            paragraph,
            '<w:del w:id="2" w:author="A"><w:r><w:delText>DELETED</w:delText></w:r></w:del>',
        )
        _append_xml(paragraph, "<w:r><w:instrText> PAGE FIELD-CODE </w:instrText></w:r>")
        # Text in a content control and in a hyperlink is text.
        _append_xml(
            paragraph,
            '<w:sdt><w:sdtPr><w:alias w:val="ALIAS"/></w:sdtPr><w:sdtContent><w:r>'
            '<w:t xml:space="preserve"> in a control</w:t></w:r></w:sdtContent></w:sdt>',
        )
        _append_xml(
            paragraph,
            '<w:hyperlink><w:r><w:t xml:space="preserve"> and a link.</w:t></w:r></w:hyperlink>',
        )
        breaks = document.add_paragraph("Two breaks")
        breaks.add_run().add_break()
        breaks.add_run().add_break()
        breaks.add_run("make two paragraphs")

    text = extract_docx(_docx(build)).text
    assert text == "Kept inserted in a control and a link.\n\nTwo breaks\n\nmake two paragraphs"


def test_docx_merged_cells_once_and_rich_cells_as_paragraphs():
    def build(document):
        table = document.add_table(rows=3, cols=2)
        table.cell(0, 0).merge(table.cell(0, 1)).text = "Across both columns"
        table.cell(1, 0).merge(table.cell(2, 0)).text = "Down two rows"
        table.cell(1, 1).text = "B"
        table.cell(2, 1).text = "C"
        rich = document.add_table(rows=1, cols=2)
        rich.cell(0, 0).text = "First paragraph of a cell"
        rich.cell(0, 0).add_paragraph("Second paragraph of a cell")
        rich.cell(0, 1).text = "Next cell"

    assert extract_docx(_docx(build)).text == (
        "Across both columns\n\nDown two rows | B\n\nC\n\n"
        "First paragraph of a cell\n\nSecond paragraph of a cell\n\nNext cell"
    )


def _rewrite(data: bytes, change: Callable[[str, bytes], bytes | None]) -> bytes:
    """The package with each member passed through ``change`` (None leaves it out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = change(item.filename, source.read(item.filename))
            if content is not None:
                target.writestr(item, content)
    return buffer.getvalue()


def _simple_docx() -> bytes:
    return _docx(lambda document: document.add_paragraph("A statement."))


def _other_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", "application/epub+zip")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"", "not a readable Word"),
        (lambda: b"Plain text renamed to .docx", "not a readable Word.*not one"),
        (lambda: bytes(range(256)) * 4, "not a readable Word"),
        (lambda: b"{\\rtf1\\ansi A statement.}", "RTF file"),
        (lambda: _other_zip(), "no Word document part"),
        (lambda: _simple_docx()[: len(_simple_docx()) // 2], "ZIP package is damaged"),
        (
            lambda: _rewrite(
                _simple_docx(),
                lambda name, content: (
                    content[: len(content) // 2] if name == "word/document.xml" else content
                ),
            ),
            "XML is damaged",
        ),
        (
            lambda: _rewrite(
                _simple_docx(),
                lambda name, content: content.replace(
                    b"wordprocessingml.document.main+xml", b"spreadsheetml.sheet.main+xml"
                ),
            ),
            "main part is not a Word document",
        ),
        (
            lambda: _rewrite(
                _simple_docx(),
                lambda name, content: None if name == "[Content_Types].xml" else content,
            ),
            "not a readable Word",
        ),
        (lambda: _docx(lambda document: document.add_paragraph("  ")), "contains no text"),
    ],
)
def test_docx_that_cannot_be_read_is_refused_with_a_reason(make, message):
    with pytest.raises(ExtractionError, match=message):
        extract_docx(make())


def test_old_doc_and_password_protected_files_are_recognised():
    ole_header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    with pytest.raises(ExtractionError, match=r"old Word \.doc .*without a password"):
        extract_docx(ole_header)
    with pytest.raises(ExtractionError, match=r"old Word \.doc"):
        extract("statement.docx", ole_header)


def test_docx_files_are_dispatched_by_suffix():
    assert extract("testimony.docx", _docx(_testimony)).text == TESTIMONY_TEXT


# A Word document is a ZIP package: its size once inflated is held to limits before it is
# parsed (a 576 KB .docx of 186 MB of XML took 77.7 s and 2.2 GB to read).

BOMB_XML_BYTES = 300_000_000


def _docx_bomb(*, declared_size: int | None = None) -> bytes:
    """A real .docx whose word/document.xml is 300 MB of one repeated paragraph, written
    through a streaming writer: it deflates to well under 1 MB, and the test never holds the
    XML itself. With ``declared_size``, the package's directory says the part is that big."""
    source = zipfile.ZipFile(io.BytesIO(_simple_docx()))
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><w:document ' + nsdecls("w").encode() + b"><w:body>"
    )
    paragraph = b"<w:p><w:r><w:t>He was detained without charge.</w:t></w:r></w:p>" * 20_000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                package.writestr(info, source.read(info))
        with package.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head)
            for _ in range(BOMB_XML_BYTES // len(paragraph)):
                part.write(paragraph)
            part.write(b"</w:body></w:document>")
        if declared_size is not None:
            package.getinfo("word/document.xml").file_size = declared_size
    return buffer.getvalue()


@functools.cache
def docx_bomb() -> bytes:
    return _docx_bomb()


def _refusal_of(data: bytes, monkeypatch) -> tuple[str, float, int]:
    """extract_docx's refusal of ``data``: its message, seconds taken and the memory peak;
    python-docx must never be reached."""
    import time
    import tracemalloc

    def never(*args, **kwargs):
        raise AssertionError("python-docx was asked to parse the package")

    monkeypatch.setattr(docx, "Document", never)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(ExtractionError) as refused:
            extract_docx(data)
    finally:
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return str(refused.value), seconds, peak


def test_a_docx_bomb_is_refused_at_once_without_being_inflated(monkeypatch):
    data = docx_bomb()
    assert len(data) < 1_000_000
    message, seconds, peak = _refusal_of(data, monkeypatch)
    assert message.startswith("This Word document was not opened, to keep the server available: ")
    assert "its part word/document.xml inflates to " in message
    assert re.search(
        r"inflates to \d+ times its compressed size \(299\.5 MB from \d+ KB\)", message
    )
    assert "as only a ZIP bomb does; at most 100 times is accepted." in message
    assert seconds < 0.5, f"refused in {seconds:.2f} s: it was inflated"
    assert peak < 10_000_000, f"{peak / 1e6:.0f} MB were allocated: it was inflated"
    with pytest.raises(ExtractionError, match="ZIP bomb"):
        extract("report.docx", data)


def test_a_docx_whose_header_lies_about_its_size_is_refused_at_the_size_it_declared(monkeypatch):
    """The directory says 20 KB; the part inflates to 300 MB. Reading stops at 20 KB."""
    message, seconds, peak = _refusal_of(_docx_bomb(declared_size=20_000), monkeypatch)
    assert message.startswith("The file is not a readable Word (.docx) document: ")
    assert "its part word/document.xml is damaged" in message
    assert "what it holds is not what the package says" in message
    assert seconds < 0.5
    assert peak < 10_000_000


def test_a_part_that_gives_more_than_it_declared_is_stopped_there():
    """Whatever reads the ZIP, no part is read past what its header declared: a reader that
    trusted a lying header would be stopped by the cap, not by luck."""
    from annotator.formats.archive import PackageTooLarge, package_parts

    class Lying(zipfile.ZipFile):
        def open(self, name, mode="r", pwd=None, *, force_zip64=False):
            info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
            return io.BytesIO(b"<" * (info.file_size + 1_000_000))

    data = _simple_docx()
    with Lying(io.BytesIO(data)) as package, pytest.raises(PackageTooLarge, match="declares"):
        package_parts(package, package_size=len(data))


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        (
            {"max_total_bytes": 10_000},
            r"it inflates to \d+ KB; a document may inflate to at most 10 KB",
        ),
        (
            {"max_part_bytes": 1_000},
            r"its part \S+ inflates to [\d,]+ (KB|bytes); one part may inflate to at most 1 KB",
        ),
        ({"max_parts": 3}, r"it holds \d+ parts; a document may hold at most 3"),
        (
            {"max_ratio": 2, "ratio_allowance": 0},
            r"its part \S+ inflates to \d+ times its compressed size .* at most 2 times",
        ),
    ],
)
def test_each_package_limit_refuses_a_docx_over_it(limits, message):
    from annotator.formats.archive import PackageLimits

    with pytest.raises(
        ExtractionError, match=f"not opened, to keep the server available: {message}"
    ):
        extract_docx(_docx(_testimony), limits=PackageLimits(**limits))


def test_the_package_limits_let_a_large_honest_document_through():
    """Five thousand paragraphs of varied text, a table and a heading: well within."""

    def build(document):
        document.add_heading("A long report", level=1)
        for n in range(5_000):
            document.add_paragraph(
                f"Paragraph {n}: testimony {n * 7919 % 10007} of the detentions."
            )
        table = document.add_table(rows=200, cols=3)
        for row in table.rows:
            for cell in row.cells:
                cell.text = "0"

    extraction = extract_docx(_docx(build))
    assert extraction.text.startswith("A long report\n\nParagraph 0: testimony 0")
    assert extraction.text.count("\n\n") == 5_000 + 200
