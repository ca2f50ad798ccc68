"""The page's own text, as blocks: a paragraph, heading, list item or table row each.

The tree is walked once, its text cut at block-level elements; whitespace is collapsed as
HTML collapses it (no-break and other Unicode spaces are text and stay), invisible elements
are skipped, navigation and footers are marked, and a simple table row is one line of cells.
Each block keeps its *visible* characters (``visible``), the key on which the page and
trafilatura's output are compared.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import lxml.html

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


@dataclass
class Block:
    """A run of the page's own text between block boundaries, in document order."""

    text: str
    heading_level: int = 0
    in_frame: bool = False
    preformatted: bool = False
    table_row: bool = False
    selected: bool = False
    key: str = field(init=False)  # its visible characters

    def __post_init__(self) -> None:
        self.key = visible(self.text)


def page_blocks(root: lxml.html.HtmlElement) -> list[Block]:
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
        self.blocks: list[Block] = []
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
                Block(
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
    cells: list[str] = []
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


def block_paragraphs(block: Block) -> list[str]:
    """A block's paragraphs: two ``<br>`` in a row separate paragraphs, as they look."""
    if block.preformatted:
        return [block.text] if visible(block.text) else []
    return [part for part in _BLANK_LINES.split(block.text) if visible(part)]


def visible(text: str) -> str:
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
