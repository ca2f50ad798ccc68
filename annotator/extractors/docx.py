"""Word (.docx) files: the body's paragraphs and tables in reading order.

python-docx opens the package (and refuses what is not a Word document), resolves styles
and reads the core properties. The text of a paragraph is read from its XML here rather
than from ``Paragraph.text``, which leaves out runs inside tracked insertions
(``w:ins``), content controls (``w:sdt``), smart tags and simple fields: all text the
reader of the document sees. Deleted text, field codes and text boxes are left out, and
so are headers, footers, footnotes and comments, which are not the body of the document.
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

import docx
import lxml
from docx.document import Document as WordDocument
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from lxml import etree

from annotator.extractors.base import Extraction, ExtractionError
from annotator.formats.archive import (
    DOCUMENT_PACKAGE_LIMITS,
    ArchiveError,
    PackageLimits,
    PackageTooLarge,
    package_parts,
    stored_package,
)

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TABLE_CELL_SEPARATOR = " | "
MAIN_PART = "word/document.xml"

# Compound File Binary (OLE2): Word 97-2003 .doc files, and every password-protected
# Office file, whose encrypted package is wrapped in one.
_OLE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06")
_RTF_SIGNATURE = b"{\\rtf"

_MC_NAMESPACE = "http://schemas.openxmlformats.org/markup-compatibility/2006"
_HEADING_STYLE = re.compile(r"^heading\s*([1-9])$", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n{2,}")
_SPACE_BEFORE_LINE_BREAK = re.compile(r"[^\S\n]+\n")
_SPACE_AFTER_LINE_BREAK = re.compile(r"\n[^\S\n]+")

# What a run shows for each of these.
_CHARACTERS = {
    qn("w:tab"): "\t",
    qn("w:ptab"): "\t",
    qn("w:cr"): "\n",
    qn("w:noBreakHyphen"): "\u2011",
    qn("w:softHyphen"): "\u00ad",
}
# Inside a paragraph, never text the reader sees as part of it: properties, deleted and
# moved-away text, field codes, and drawings (whose text boxes hold paragraphs of their own).
_SKIPPED = frozenset(
    {
        qn("w:pPr"),
        qn("w:rPr"),
        qn("w:del"),
        qn("w:moveFrom"),
        qn("w:delText"),
        qn("w:instrText"),
        qn("w:delInstrText"),
        qn("w:fldData"),
        qn("w:sdtPr"),
        qn("w:sdtEndPr"),
        qn("w:rt"),  # ruby: the reading aid above the text, not the text
        qn("w:drawing"),
        qn("w:pict"),
        qn("w:object"),
    }
)
_ALTERNATE_CONTENT = f"{{{_MC_NAMESPACE}}}AlternateContent"
_CHOICE = f"{{{_MC_NAMESPACE}}}Choice"


def extract_docx(data: bytes, *, limits: PackageLimits = DOCUMENT_PACKAGE_LIMITS) -> Extraction:
    """The text of a Word document: paragraphs and table rows separated by blank lines.

    Headings (styles "Title" and "Heading 1" to "Heading 9") are paragraphs of their own
    and listed in ``metadata["headings"]`` as ``[level, text]`` (0 for "Title"); a line
    break inside a paragraph is ``"\\n"``; a table row whose cells hold one paragraph each
    is one line with its cells separated by ``" | "``, any other row gives each cell's
    paragraphs in turn. Metadata from the core properties: ``title``, ``author``,
    ``created`` (when the file was created, which is not when it was published),
    ``language``, and ``direction`` "rtl" when most paragraphs are right to left.

    The package is held to ``limits`` before anything is parsed (a few hundred kilobytes
    of repeated XML inflate to hundreds of megabytes), and python-docx reads the parts as
    they were counted.
    """
    document = _open(data, limits)
    reader = _Reader(document)
    paragraphs = [
        paragraph
        for block in reader.blocks(document.element.body)
        for paragraph in _paragraphs(block)
    ]
    if not paragraphs:
        raise ExtractionError("The document contains no text.")
    steps = ["docx-body:paragraphs-and-tables", "paragraphs:blank-line"]
    if reader.tables:
        steps.append(f"table-cells:{TABLE_CELL_SEPARATOR!r}")
    return Extraction(
        text="\n\n".join(paragraphs),
        extractor="docx (python-docx)",
        extractor_version=f"python-docx {docx.__version__}; lxml {lxml.__version__}",
        content_type=CONTENT_TYPE,
        steps=tuple(steps),
        metadata=_metadata(document, reader),
    )


def _open(data: bytes, limits: PackageLimits) -> WordDocument:
    """The document in ``data``, or an ExtractionError that says what the file is instead."""
    if data.startswith(_OLE_SIGNATURE):
        raise ExtractionError(
            "This is an old Word .doc file or a password-protected document; open it in "
            "Word and save it as .docx without a password."
        )
    if data.startswith(_RTF_SIGNATURE):
        raise ExtractionError(
            "This is an RTF file, not .docx; open it in Word and save it as .docx."
        )
    if not data.startswith(_ZIP_SIGNATURES):
        raise ExtractionError(
            "The file is not a readable Word (.docx) document: a .docx file is a ZIP "
            "package, and this is not one."
        )
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError) as error:
        raise _unreadable(f"the ZIP package is damaged ({error})") from error
    with package:
        main = next((i for i in package.infolist() if i.filename == MAIN_PART), None)
        if main is None:
            raise _unreadable("it has no Word document part (it may be another kind of ZIP file)")
        if any(info.flag_bits & 0x1 for info in package.infolist()):
            raise ExtractionError(
                "This document is password-protected; save it as .docx without a password."
            )
        try:
            parts = package_parts(package, package_size=len(data), limits=limits)
        except PackageTooLarge as error:
            raise ExtractionError(
                f"This Word document was not opened, to keep the server available: {error}."
            ) from None
        except ArchiveError as error:
            raise _unreadable(str(error)) from None
    try:
        return docx.Document(io.BytesIO(stored_package(parts)))
    except PackageNotFoundError as error:
        raise _unreadable("it is not an Office package") from error
    except etree.XMLSyntaxError as error:
        raise _unreadable(f"its XML is damaged ({error})") from error
    except (zipfile.BadZipFile, zlib.error, EOFError) as error:
        raise _unreadable(f"the ZIP package is damaged ({error})") from error
    except KeyError as error:
        raise _unreadable(f"a part it needs is missing ({error})") from error
    except ValueError as error:
        # python-docx's words for a package whose main part is a workbook, a deck...
        raise _unreadable("its main part is not a Word document") from error
    except Exception as error:
        raise _unreadable(f"python-docx could not read it ({type(error).__name__})") from error


def _unreadable(reason: str) -> ExtractionError:
    return ExtractionError(f"The file is not a readable Word (.docx) document: {reason}.")


class _Block:
    """A paragraph of the output: its text and, for a heading, its level."""

    __slots__ = ("heading_level", "text")

    def __init__(self, text: str, heading_level: int | None = None) -> None:
        self.text = text
        self.heading_level = heading_level


class _Reader:
    """Reads block-level content in document order, resolving paragraph styles once each."""

    def __init__(self, document: WordDocument) -> None:
        self._document = document
        self._styles: dict[str | None, tuple[int | None, bool]] = {}
        self.headings: list[list[Any]] = []
        self.tables = 0
        self.paragraphs = 0
        self.right_to_left = 0

    def blocks(self, container: Any) -> Iterator[_Block]:
        """Paragraphs and tables of a body, cell or content control, in order."""
        for child in container.iterchildren():
            if child.tag == qn("w:p"):
                block = self._paragraph(child)
                if block is not None:
                    yield block
            elif child.tag == qn("w:tbl"):
                self.tables += 1
                yield from self._table(child)
            elif child.tag == qn("w:sdt"):
                content = child.find(qn("w:sdtContent"))
                if content is not None:
                    yield from self.blocks(content)
            elif child.tag == qn("w:customXml"):
                yield from self.blocks(child)

    def _paragraph(self, p: Any) -> _Block | None:
        text = _clean(_paragraph_text(p))
        if not _has_text(text):
            return None
        heading_level, style_rtl = self._style(p)
        self.paragraphs += 1
        if _is_on(p.find(f"{qn('w:pPr')}/{qn('w:bidi')}"), default=style_rtl):
            self.right_to_left += 1
        if heading_level is not None:
            self.headings.append([heading_level, text])
        return _Block(text, heading_level)

    def _style(self, p: Any) -> tuple[int | None, bool]:
        """The heading level of a paragraph (None if not a heading) and its style's direction."""
        style_id = p.style
        outline = p.find(f"{qn('w:pPr')}/{qn('w:outlineLvl')}")
        if style_id not in self._styles:
            self._styles[style_id] = _style_facts(Paragraph(p, self._document).style)
        level, rtl = self._styles[style_id]
        if outline is not None:
            level = _outline_level(outline)
        return level, rtl

    def _table(self, table: Any) -> Iterator[_Block]:
        for row in table.iterchildren(qn("w:tr")):
            cells = [cell for cell in row.iterchildren(qn("w:tc")) if not _continues_merge(cell)]
            contents = [list(self.blocks(cell)) for cell in cells]
            simple = all(
                not blocks or (len(blocks) == 1 and "\n" not in blocks[0].text)
                for blocks in contents
            ) and all(cell.find(qn("w:tbl")) is None for cell in cells)
            if simple:
                line = TABLE_CELL_SEPARATOR.join(blocks[0].text for blocks in contents if blocks)
                if line:
                    yield _Block(line)
            else:
                for blocks in contents:
                    yield from blocks


def _style_facts(style: Any) -> tuple[int | None, bool]:
    """Heading level and right-to-left direction of a paragraph style, through its bases."""
    level: int | None = None
    rtl: bool | None = None
    seen: set[int] = set()
    while style is not None and id(style) not in seen:
        seen.add(id(style))
        properties = style.element.find(qn("w:pPr"))
        name = style.name or ""
        if level is None:
            match = _HEADING_STYLE.match(name)
            if match:
                level = int(match.group(1))
            elif name.lower() == "title":
                level = 0
            elif properties is not None and properties.find(qn("w:outlineLvl")) is not None:
                level = _outline_level(properties.find(qn("w:outlineLvl")))
        if rtl is None and properties is not None and properties.find(qn("w:bidi")) is not None:
            rtl = _is_on(properties.find(qn("w:bidi")), default=False)
        style = style.base_style
    return level, bool(rtl)


def _outline_level(element: Any) -> int | None:
    """Word's outline level 0-8 is heading 1-9; 9 is body text."""
    try:
        value = int(element.get(qn("w:val"), "9"))
    except ValueError:
        return None
    return value + 1 if 0 <= value <= 8 else None


def _is_on(element: Any, *, default: bool) -> bool:
    """An OOXML on/off property: present means on unless its value says otherwise."""
    if element is None:
        return default
    return element.get(qn("w:val"), "true").lower() not in ("0", "false", "off")


def _continues_merge(cell: Any) -> bool:
    """Whether a cell continues a vertical merge: it shows the text of the cell above."""
    merge = cell.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
    return merge is not None and merge.get(qn("w:val"), "continue") == "continue"


def _paragraph_text(element: Any) -> str:
    """The text a paragraph shows, its line breaks as "\\n" and its tabs as "\\t"."""
    pieces: list[str] = []
    for child in element.iterchildren():
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag == qn("w:t"):
            pieces.append(child.text or "")
        elif tag == qn("w:br"):
            # Page and column breaks, as much as line breaks, end a line.
            pieces.append("\n")
        elif tag in _CHARACTERS:
            pieces.append(_CHARACTERS[tag])
        elif tag == qn("w:p"):
            continue  # a paragraph nested in a run belongs to a text box, not to this one
        elif tag == _ALTERNATE_CONTENT:
            # The same content twice, for newer and older Word: the first choice only.
            choice = child.find(_CHOICE)
            if choice is not None:
                pieces.append(_paragraph_text(choice))
        else:
            pieces.append(_paragraph_text(child))
    return "".join(pieces)


def _clean(text: str) -> str:
    """A paragraph without the spaces at the edges of its lines, which are layout."""
    text = _SPACE_BEFORE_LINE_BREAK.sub("\n", text)
    text = _SPACE_AFTER_LINE_BREAK.sub("\n", text)
    return text.strip()


def _has_text(text: str) -> bool:
    return any(not character.isspace() for character in text)


def _paragraphs(block: _Block) -> list[str]:
    """Two line breaks in a row look like, and are taken as, a paragraph break."""
    return [part.strip() for part in _BLANK_LINES.split(block.text) if _has_text(part)]


def _metadata(document: WordDocument, reader: _Reader) -> dict[str, Any]:
    properties = _core_properties(document)
    metadata: dict[str, Any] = {}
    title = " ".join((getattr(properties, "title", "") or "").split())
    if not title:
        first = next((text for level, text in reader.headings if level in (0, 1)), "")
        title = " ".join(first.split())
    if title:
        metadata["title"] = title
    author = " ".join((getattr(properties, "author", "") or "").split())
    if author:
        metadata["author"] = author
    created = getattr(properties, "created", None)
    if created is not None:
        metadata["created"] = created.isoformat()
    language = (getattr(properties, "language", "") or "").strip()
    if language:
        metadata["language"] = language
    if reader.paragraphs and reader.right_to_left * 2 > reader.paragraphs:
        metadata["direction"] = "rtl"
    if reader.headings:
        metadata["headings"] = reader.headings
    return metadata


def _core_properties(document: WordDocument) -> Any:
    """The document's core properties, or None if it has none.

    python-docx makes up a default set (titled "Word Document", modified now) for a
    package without them, which would be taken for the document's own.
    """
    try:
        document.part.package.part_related_by(RT.CORE_PROPERTIES)
    except (KeyError, ValueError):
        return None
    return document.core_properties
