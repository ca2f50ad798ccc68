"""HTML files: the main content of a saved web page as paragraphs, faithful to the source.

Trafilatura decides *which* parts of the page are the main content (it is good at dropping
navigation, teasers and footers), but its text is not used as is: it folds non-breaking
spaces into spaces, deletes format characters such as the zero-width non-joiner (part of
Persian and Kurdish spelling), the joiner inside emoji sequences and the directional marks
of right-to-left text, and on pages made of several ``<article>`` elements it can return
paragraphs out of order. So the page is first read into blocks of its own text (a
paragraph, heading, list item or table row each), and a block is kept when trafilatura's
output covers it. The text is therefore always the page's own characters in the page's
order, with one blank line between paragraphs.

Nothing in a document is executed or fetched: the bytes are parsed here, and trafilatura
and htmldate only ever receive the parsed tree (htmldate downloads a *string* that looks
like a URL).
"""

from __future__ import annotations

import codecs
import ipaddress
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import lxml
import lxml.html
import trafilatura
from lxml import etree

from annotator.extractors.base import Extraction, ExtractionError
from annotator.extractors.text import MAX_CONTROL_CHARACTER_SHARE, decode_text

CONTENT_TYPE = "text/html"

# A block counts as main content when trafilatura's output covers at least this share of
# its visible characters (trafilatura sometimes drops an inline part, such as a "share"
# link inside a paragraph; the paragraph is then kept whole).
MIN_COVERED_SHARE = 0.5
# Trafilatura's text units at least this long (in visible characters) are placed in the
# page wherever they are found; shorter ones ("Home", "Share") only between the long ones
# around them, so that a word in the menu is not mistaken for the same word in the text.
MIN_ANCHOR_LENGTH = 25
# The HTML standard looks for a character-set declaration in the first 1024 bytes;
# pages saved by editors sometimes carry long comments first, so look a little further.
CHARSET_PRESCAN_BYTES = 4096
MAX_URL_LENGTH = 2000
MAX_LANGUAGE_LENGTH = 35

# Elements whose content is never text a reader sees.
_INVISIBLE_TAGS = frozenset(
    {
        "applet", "area", "audio", "base", "button", "canvas", "datalist", "embed", "frame",
        "frameset", "head", "iframe", "input", "link", "map", "math", "meta", "noembed",
        "noframes", "noscript", "object", "option", "param", "picture", "rp", "rt",
        "script", "select", "source", "style", "svg", "template", "textarea", "title",
        "track", "video",
    }
)  # fmt: skip
# Elements that start and end a block of text (HTML's block-level and table elements).
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd",
        "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure",
        "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html",
        "legend", "li", "listing", "main", "menu", "nav", "ol", "p", "plaintext", "pre",
        "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "xmp",
    }
)  # fmt: skip
_HEADING_LEVELS = {f"h{level}": level for level in range(1, 7)}
_PREFORMATTED_TAGS = frozenset({"pre", "listing", "plaintext", "xmp"})
# Navigation and the page's footer: never the text, whatever trafilatura decides.
_FRAME_TAGS = frozenset({"nav", "footer"})
_FRAME_ROLES = frozenset({"navigation", "contentinfo", "search"})

TABLE_CELL_SEPARATOR = " | "

# Only the whitespace HTML itself collapses; no-break and other Unicode spaces are text.
_HTML_WHITESPACE = re.compile(r"[ \t\n\r\f]+")
# A run of spaces of any kind is layout (word processors indent with runs of no-break
# spaces); a single no-break space is typography ("10 km", "« texte »") and stays.
_SPACE_RUN = re.compile(r"[^\S\n]{2,}")
_BLANK_LINES = re.compile(r"\n{2,}")
_DROP_CONTROL_CHARACTERS = {code: None for code in range(32) if chr(code) not in "\t\n\r\f"}
_CHARSET_DECLARATION = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9._:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([a-zA-Z0-9._:-]+)""",
    re.IGNORECASE,
)
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*$")
# A host name as Django's URL validator accepts it: labels of letters, digits and inner
# hyphens, and a top-level domain of letters (or an IDNA one).
_HOST_NAME = re.compile(
    r"^(?:[^\W_](?:(?:[^\W_]|-){0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]+)\.?$"
)

# Declared encodings that browsers read as a superset (WHATWG Encoding Standard), by the
# name Python's codecs give them.
_BROWSER_ENCODING = {
    "ascii": "cp1252",
    "iso8859-1": "cp1252",
    "iso8859-9": "cp1254",
    "iso8859-11": "cp874",
    "tis-620": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
    # A page that declares UTF-16 or UTF-32 in bytes that could be read that far is not.
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
    "utf-32": "utf-8",
    "utf-32-le": "utf-8",
    "utf-32-be": "utf-8",
}


@dataclass
class _Block:
    """A run of the page's own text between block boundaries, in document order."""

    text: str
    heading_level: int = 0
    in_frame: bool = False
    preformatted: bool = False
    table_row: bool = False
    selected: bool = False
    key: str = field(init=False)  # its visible characters

    def __post_init__(self) -> None:
        self.key = _visible(self.text)


def extract_html(data: bytes) -> Extraction:
    """The main content of an HTML page: headings and paragraphs separated by blank lines.

    Metadata, where the page declares it: ``title``, ``author``, ``description``,
    ``published_on`` (ISO date), ``source_url`` (the canonical http(s) URL), ``publisher``,
    ``language`` (the ``lang`` attribute) and ``direction`` (``dir="rtl"`` or ``"ltr"``).
    """
    html, encoding, how = _decode_html(data)
    if _looks_binary(html):
        raise ExtractionError("The file looks binary, not like an HTML page.")
    if not html.strip():
        raise ExtractionError("The page contains no text.")
    steps = [f"decode:{encoding}" + (f" ({how})" if how else "")]
    if "\x00" in html:
        # The parser would show each as U+FFFD; it is never text (see annotator.text).
        html = html.replace("\x00", "")
        steps.append("remove-nul")
    root = _parse(html)
    steps.append("html-parse:lxml")
    body = root.find("body")
    blocks = _blocks(body if body is not None else root)
    if not any(block.key for block in blocks):
        raise ExtractionError("The page contains no text.")

    document = _run_trafilatura(root)
    covered = _select_covered(blocks, document.body if document is not None else None)
    if covered:
        steps.append("main-content:trafilatura")
        restored = _restore_headings(blocks, _title(root, document))
        if restored:
            steps.append(f"headings-restored:{restored}")
    else:
        for block in blocks:
            block.selected = not block.in_frame
        steps.append("main-content:whole-page (trafilatura found none)")
    paragraphs = [
        paragraph for block in blocks if block.selected for paragraph in _paragraphs(block)
    ]
    if not paragraphs:
        raise ExtractionError("The page contains no text.")
    steps.append("paragraphs:blank-line")
    if any(block.selected and block.table_row for block in blocks):
        steps.append(f"table-cells:{TABLE_CELL_SEPARATOR!r}")

    metadata = _metadata(root, document)
    metadata["encoding"] = encoding
    return Extraction(
        text="\n\n".join(paragraphs),
        extractor="html (trafilatura)",
        extractor_version=f"trafilatura {trafilatura.__version__}; lxml {lxml.__version__}",
        content_type=CONTENT_TYPE,
        steps=tuple(steps),
        metadata=metadata,
    )


# Decoding and parsing


def _decode_html(data: bytes) -> tuple[str, str, str]:
    """The page's text, the encoding used and how it was chosen ("" for detection).

    A byte-order mark wins, then a ``<meta charset>`` (or XML) declaration, as in a browser;
    a declaration the bytes contradict is ignored and the encoding detected instead.
    """
    if data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = decode_text(data)
        return text, encoding, "byte-order mark"
    declared = _declared_encoding(data[:CHARSET_PRESCAN_BYTES])
    if declared is not None:
        try:
            return data.decode(declared), declared, "declared"
        except UnicodeDecodeError:
            text, encoding = decode_text(data)
            return text, encoding, f"declared {declared} does not fit the bytes"
    text, encoding = decode_text(data)
    return text, encoding, ""


def _looks_binary(text: str) -> bool:
    controls = len(text) - len(text.translate(_DROP_CONTROL_CHARACTERS))
    return controls > MAX_CONTROL_CHARACTER_SHARE * len(text)


def _declared_encoding(head: bytes) -> str | None:
    match = _CHARSET_DECLARATION.search(head)
    if match is None:
        return None
    label = (match.group(1) or match.group(2)).decode("ascii")
    try:
        name = codecs.lookup(label).name
    except LookupError:
        return None
    return _BROWSER_ENCODING.get(name, name)


def _parse(html: str) -> lxml.html.HtmlElement:
    # Parsed from UTF-8 bytes with the encoding fixed: the page is decoded already, and
    # lxml refuses a str that still carries an XML encoding declaration.
    parser = lxml.html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
    )
    try:
        root = lxml.html.document_fromstring(html.encode("utf-8"), parser)
    except (etree.ParserError, ValueError) as error:
        raise ExtractionError(f"The page could not be read as HTML: {error}") from error
    return root


# The page's own text, as blocks


def _blocks(root: lxml.html.HtmlElement) -> list[_Block]:
    """The page's visible text as blocks, in document order."""
    builder = _BlockBuilder()
    builder.walk(root, _Context())
    builder.flush()
    return builder.blocks


@dataclass(frozen=True)
class _Context:
    in_frame: bool = False
    heading_level: int = 0


class _BlockBuilder:
    """Walks the tree once, cutting its text into blocks at block-level elements."""

    def __init__(self) -> None:
        self.blocks: list[_Block] = []
        self._pieces: list[str] = []
        self._context = _Context()

    def flush(self) -> None:
        # Whitespace HTML collapses became single spaces piece by piece; runs across
        # pieces ("word <b> bold</b>") collapse here. "\n" only comes from <br>.
        text = _clean_block_text(_SPACE_RUN.sub(" ", "".join(self._pieces)))
        self._pieces = []
        if text:
            self._add(text)

    def walk(self, element: Any, context: _Context) -> None:
        tag = element.tag.lower() if isinstance(element.tag, str) else ""
        if not tag or tag in _INVISIBLE_TAGS or _is_hidden(element):
            self._text(element.tail)
            return
        if tag in _FRAME_TAGS or element.get("role", "") in _FRAME_ROLES:
            context = _Context(in_frame=True, heading_level=context.heading_level)
        if tag == "br":
            self._pieces.append("\n")
        elif tag in _PREFORMATTED_TAGS:
            self._block(context, lambda: self._add(_preformatted_text(element), preformatted=True))
        elif tag == "tr" and _is_simple_row(element):
            self._block(context, lambda: self._add(_row_text(element), table_row=True))
        elif tag in _BLOCK_TAGS:
            level = _HEADING_LEVELS.get(tag, context.heading_level)
            inner = _Context(in_frame=context.in_frame, heading_level=level)
            self._block(inner, lambda: self._children(element, inner), then=context)
        else:
            self._children(element, context)
        self._text(element.tail)

    def _block(
        self, inner: _Context, build: Callable[[], None], then: _Context | None = None
    ) -> None:
        self.flush()
        self._context = inner
        build()
        self.flush()
        self._context = then or inner

    def _children(self, element: Any, context: _Context) -> None:
        self._text(element.text)
        for child in element:
            self.walk(child, context)

    def _add(self, text: str, *, preformatted: bool = False, table_row: bool = False) -> None:
        if text:
            self.blocks.append(
                _Block(
                    text,
                    heading_level=self._context.heading_level,
                    in_frame=self._context.in_frame,
                    preformatted=preformatted,
                    table_row=table_row,
                )
            )

    def _text(self, text: str | None) -> None:
        if text:
            self._pieces.append(_HTML_WHITESPACE.sub(" ", text))


def _is_hidden(element: Any) -> bool:
    if element.get("hidden") is not None or element.get("aria-hidden") == "true":
        return True
    style = element.get("style", "").replace(" ", "").lower()
    return "display:none" in style or "visibility:hidden" in style


def _is_simple_row(row: Any) -> bool:
    """A table row whose cells hold only inline text: one line, cells side by side.

    Rows of layout tables, whose cells hold whole paragraphs, lists or tables, are read
    cell by cell like any other container instead.
    """
    for cell in row:
        if not isinstance(cell.tag, str) or cell.tag.lower() not in ("td", "th"):
            continue
        for descendant in cell.iterdescendants():
            tag = descendant.tag.lower() if isinstance(descendant.tag, str) else ""
            if tag in _BLOCK_TAGS or tag == "br":
                return False
    return True


def _row_text(row: Any) -> str:
    cells = []
    for cell in row:
        if isinstance(cell.tag, str) and cell.tag.lower() in ("td", "th"):
            builder = _BlockBuilder()
            builder.walk(cell, _Context())
            builder.flush()
            cells.extend(block.text for block in builder.blocks)
    return TABLE_CELL_SEPARATOR.join(cells)


def _preformatted_text(element: Any) -> str:
    """Preformatted text as written: its line breaks and indentation are its layout."""
    text = element.text_content()
    # HTML drops a newline right after <pre>; trailing blank lines show as nothing.
    return text.removeprefix("\r\n").removeprefix("\n").rstrip()


def _clean_block_text(text: str) -> str:
    """Trim every line of a block (a line ends at ``<br>``) and the block itself.

    Spaces at the edges of a line are layout, no-break ones included (``&nbsp;<br>``
    spacers are everywhere in pages exported from word processors); inside it, text.
    """
    if "\n" in text:
        text = "\n".join(line.strip() for line in text.split("\n"))
    return text.strip()


def _paragraphs(block: _Block) -> list[str]:
    """A block's paragraphs: two ``<br>`` in a row separate paragraphs, as they look."""
    if block.preformatted:
        return [block.text] if _visible(block.text) else []
    return [part for part in _BLANK_LINES.split(block.text) if _visible(part)]


def _visible(text: str) -> str:
    """Only the characters that show: the key on which the page and trafilatura are compared."""
    return unicodedata.normalize("NFC", text).translate(_INVISIBLE_CHARACTERS)


class _InvisibleCharacters(dict[int, str | None]):
    """A translation table deleting whitespace and what does not print, filled as it is used.

    Only the Basic Multilingual Plane is remembered, so that a page full of rare characters
    cannot grow it past some 65,000 entries.
    """

    def __missing__(self, code: int) -> str | None:
        character = chr(code)
        value = None if character.isspace() or not character.isprintable() else character
        if code <= 0xFFFF:
            self[code] = value
        return value


_INVISIBLE_CHARACTERS = _InvisibleCharacters()


# Main content


def _run_trafilatura(root: lxml.html.HtmlElement) -> Any:
    try:
        return trafilatura.bare_extraction(
            root,  # trafilatura works on a copy of the tree
            favor_recall=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            include_formatting=False,
            deduplicate=False,
            with_metadata=True,
            date_extraction_params={"original_date": True, "extensive_search": False},
        )
    except Exception:
        # A failure inside trafilatura means no main content was found: the whole page is
        # used instead, which is what a reader of the file sees.
        return None


def _trafilatura_units(body: Any) -> list[str]:
    """Trafilatura's text cut at every element boundary, as visible-character keys."""
    units: list[str] = []

    def visit(element: Any) -> None:
        units.append(_visible(element.text or ""))
        for child in element:
            visit(child)
            units.append(_visible(child.tail or ""))

    visit(body)
    return [unit for unit in units if unit]


def _select_covered(blocks: list[_Block], body: Any) -> bool:
    """Mark the blocks that trafilatura's output covers; whether any was marked.

    Each of trafilatura's text units is looked for in the page's visible characters. Long
    units are placed first, each searched from where the previous one ended (trafilatura
    nearly always keeps the page's order), else from the top. Short ones ("Home", "Share",
    a one-word heading) could be anywhere, so they are only looked for between the long
    units around them, so that the menu's copy of a word is not taken for the text's.
    """
    if body is None:
        return False
    keys = [block.key for block in blocks]
    page = "".join(keys)
    units = _trafilatura_units(body)

    anchors: dict[int, int] = {}
    cursor = 0
    for index, unit in enumerate(units):
        if len(unit) >= MIN_ANCHOR_LENGTH:
            found = page.find(unit, cursor)
            if found < 0:
                found = page.find(unit)
            if found >= 0:
                anchors[index] = found
                cursor = found + len(unit)
    next_anchor, limit = [0] * len(units), len(page)
    for index in reversed(range(len(units))):
        next_anchor[index] = limit
        if index in anchors:
            limit = anchors[index]

    covered = bytearray(len(page))
    cursor = 0
    for index, unit in enumerate(units):
        found = anchors.get(index, -1)
        if found < 0 and len(unit) < MIN_ANCHOR_LENGTH:
            found = page.find(unit, cursor, max(next_anchor[index], cursor))
        if found < 0:
            continue
        covered[found : found + len(unit)] = b"\x01" * len(unit)
        cursor = found + len(unit)

    start = 0
    for block, key in zip(blocks, keys, strict=True):
        share = covered.count(1, start, start + len(key)) / len(key) if key else 0
        start += len(key)
        # Navigation and the page's footer are never the text, even when trafilatura's
        # last resort (the whole page, on short pages) has taken them in.
        block.selected = share >= MIN_COVERED_SHARE and not block.in_frame
    return any(block.selected for block in blocks)


def _restore_headings(blocks: list[_Block], title: str | None) -> int:
    """Keep the headings of the kept text, which trafilatura tends to drop; how many.

    A heading is kept when the next block that is not itself a heading is kept (headings
    of sections, and a heading that opens the text), and the page's headline, a heading
    with the page's title that comes before the text, is kept as well.
    """
    restored = 0
    next_kept = False
    for block in reversed(blocks):
        if not block.key:
            continue
        if block.heading_level and not block.selected and next_kept and not block.in_frame:
            block.selected = True
            restored += 1
        if not block.heading_level:
            next_kept = block.selected
    first_kept = next((i for i, block in enumerate(blocks) if block.selected), None)
    title_key = _visible(title or "")
    if first_kept is not None and title_key:
        for block in blocks[:first_kept]:
            if block.heading_level and not block.in_frame and block.key == title_key:
                block.selected = True
                restored += 1
                break
    return restored


# Metadata


def _title(root: lxml.html.HtmlElement, document: Any) -> str | None:
    title = getattr(document, "title", None)
    if not title:
        title = " ".join(root.findtext(".//title", default="").split())
    return title or None


def _metadata(root: lxml.html.HtmlElement, document: Any) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    title = _title(root, document)
    if title:
        metadata["title"] = title
    for name in ("author", "description"):
        value = getattr(document, name, None)
        if value:
            metadata[name] = value
    published_on = _iso_date(getattr(document, "date", None))
    if published_on:
        metadata["published_on"] = published_on
    source_url = _canonical_url(root)
    if source_url:
        metadata["source_url"] = source_url
    publisher = getattr(document, "sitename", None)
    if publisher:
        metadata["publisher"] = publisher
    language = _language(root)
    if language:
        metadata["language"] = language
    direction = _direction(root)
    if direction:
        metadata["direction"] = direction
    return metadata


def _iso_date(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        return None


def _canonical_url(root: lxml.html.HtmlElement) -> str | None:
    candidates = [
        link.get("href", "")
        for link in root.iter("link")
        if "canonical" in link.get("rel", "").lower().split()
    ]
    candidates += [
        meta.get("content", "") for meta in root.iter("meta") if meta.get("property") == "og:url"
    ]
    for candidate in candidates:
        url = candidate.strip()
        if _is_web_url(url):
            return url
    return None


def _is_web_url(url: str) -> bool:
    """Whether ``url`` is an absolute http(s) URL that the document's URL field accepts."""
    if not url or len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        return False
    try:
        parts = urlsplit(url)
        hostname = parts.hostname or ""
        _ = parts.port  # a malformed port raises ValueError
    except ValueError:
        return False
    if parts.scheme.lower() not in ("http", "https") or not hostname:
        return False
    if hostname == "localhost" or _HOST_NAME.match(hostname):
        return True
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


def _language(root: lxml.html.HtmlElement) -> str | None:
    body = root.find("body")
    candidates = [
        root.get("lang"),
        root.get("{http://www.w3.org/XML/1998/namespace}lang"),
        root.get("xml:lang"),
        body.get("lang") if body is not None else None,
    ]
    candidates += [
        meta.get("content", "").split(",")[0]
        for meta in root.iter("meta")
        if meta.get("http-equiv", "").lower() == "content-language"
    ]
    for candidate in candidates:
        language = (candidate or "").strip().replace("_", "-")
        if _LANGUAGE_TAG.match(language) and len(language) <= MAX_LANGUAGE_LENGTH:
            return language
    return None


def _direction(root: lxml.html.HtmlElement) -> str | None:
    body = root.find("body")
    for element in (root, body):
        if element is not None:
            direction = element.get("dir", "").strip().lower()
            if direction in ("rtl", "ltr"):
                return direction
    return None
