"""Decoding and parsing: the page's bytes to text, as a browser would read them, then a tree.

A byte-order mark wins, then a ``<meta charset>`` (or XML) declaration, read as browsers read
it (the WHATWG Encoding Standard's supersets); else the encoding is detected. The text is
parsed by lxml with comments and processing instructions removed and no network access.
"""

from __future__ import annotations

import codecs
import re

import lxml.html
from lxml import etree

from annotator.extractors.base import ExtractionError
from annotator.extractors.text import MAX_CONTROL_CHARACTER_SHARE, decode_text

# The HTML standard looks for a character-set declaration in the first 1024 bytes;
# pages saved by editors sometimes carry long comments first, so look a little further.
CHARSET_PRESCAN_BYTES = 4096

_DROP_CONTROL_CHARACTERS = {code: None for code in range(32) if chr(code) not in "\t\n\r\f"}
_CHARSET_DECLARATION = re.compile(
    rb"""<meta[^>]*?charset\s*=\s*["']?\s*([a-zA-Z0-9._:-]+)"""
    rb"""|<\?xml[^>]*?encoding\s*=\s*["']([a-zA-Z0-9._:-]+)""",
    re.IGNORECASE,
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


def decode_html(data: bytes) -> tuple[str, str, str]:
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


def looks_binary(text: str) -> bool:
    """Whether more of the text than ``MAX_CONTROL_CHARACTER_SHARE`` is control characters."""
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


def parse(html: str) -> lxml.html.HtmlElement:
    """The decoded page as an lxml tree, comments and processing instructions removed."""
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
