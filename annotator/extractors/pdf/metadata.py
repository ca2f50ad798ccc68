"""Metadata: the title (the metadata's, else the largest text on page 1), author, the
file's own dates, pages.

``is_placeholder_title`` tells a metadata title that is a placeholder or a file name; then
the title is the largest text on page 1 (``title_from_largest_text``); failing that, the
document takes its first line. ``metadata["title_source"]`` says which.

The dates in a PDF's information dictionary are when the file was made and changed, not
when the document was published (a report is often exported again years later), so they
are kept as ``pdf_created`` and ``pdf_modified`` and the publication date is left to what
the document itself says.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

from annotator.extractors.pdf.model import (
    CJK,
    HYPHENS,
    MIN_CHARACTERS_PER_PAGE,
    Page,
    Segment,
    group_lines,
    percentile,
    plain,
)

# Text on page 1 is a heading, and may be the title, when its font size is at least this
# many times the size of most of the page's text; lines within this ratio of the largest
# size count as that size. A title is at most so many lines and characters.
TITLE_SIZE_RATIO = 1.2
TITLE_SIZE_TOLERANCE = 1.05
TITLE_MAX_LINES = 4
TITLE_MAX_CHARACTERS = 300
# A metadata title shorter than this is a placeholder (Chinese and Japanese aside).
MIN_TITLE_LENGTH = 4
# Where the title came from, as ``metadata["title_source"]`` says.
TITLE_FROM_METADATA = "metadata"
TITLE_FROM_LARGEST_TEXT = "largest text on page 1"
TITLE_FROM_FIRST_LINE = "first line"

_PDF_DATE = re.compile(r"(?:D:)?(\d{4})(\d{2})(\d{2})")
_APPLICATION_PREFIX = re.compile(
    r"(?:microsoft\s+)?(?:word|powerpoint|excel|publisher|visio)\s+-\s.*", re.IGNORECASE
)
_FILE_SUFFIX = re.compile(
    r".*\.(?:pdf|docx?|dotx?|docm|rtf|odt|ott|odp|ods|pptx?|xlsx?|pages|key|wpd|wps|pub|ps|"
    r"eps|ai|indd|indt|idml|qxd|qxp|p65|pm[4-7]|fm|tex|dvi|txt|html?|xml|sxw|tiff?|jpe?g|png)",
    re.IGNORECASE,
)
_PLACEHOLDER_WORDS = re.compile(
    r"(?:untitled(?:[\s_-]*document)?|(?:no\s+)?title|none|null|unknown|n/?a|tbd|"
    r"(?:new\s+|blank\s+)?(?:document|doc)|(?:powerpoint\s+)?presentation|slide|page|"
    r"(?:microsoft\s+)?(?:word|powerpoint|excel|office)(?:\s+(?:document|presentation))?)"
    r"[\s_-]*\d*",
    re.IGNORECASE,
)
# Not the Arabic tatweel (U+0640), which stretches a word by repeating.
_LETTER_RUN = re.compile(r"([^\W\d_\u0640])\1{3,}", re.IGNORECASE)


def is_placeholder_title(title: str) -> bool:
    """Whether a PDF's metadata title is a placeholder or a file name rather than a title.

    Word processors and typesetting tools fill the title with whatever they have. Taken for
    a placeholder, whitespace collapsed, is a title that

    - is shorter than four characters ("AB"; Chinese and Japanese excepted, where a word is
      one or two characters), or has no letter at all ("2022", "12345");
    - has a letter four or more times in a row ("xxxxxx", "Report on XXXX") or only one
      letter or digit repeated ("x x x x");
    - is a tool's name for "no title": "untitled", "Untitled-1", "title", "No title",
      "none", "null", "unknown", "n/a", "Document1", "Doc1", "New document 3",
      "Presentation1", "PowerPoint Presentation", "Microsoft Word Document", "Slide 1";
    - starts with an application's name and a dash ("Microsoft Word - report.docx",
      "Word - minutes");
    - ends in a file suffix (".doc", ".docx", ".pdf", ".indd", ".rtf", ".odt", ".qxd",
      ".ps" …: "PUBL078.PS"), is a path with backslashes, or is one word joined by
      underscores ("report_final_v2").
    """
    text = " ".join(title.split())
    too_short = len(text) < MIN_TITLE_LENGTH and not CJK.search(text)
    if too_short or not any(c.isalpha() for c in text):
        return True
    if _LETTER_RUN.search(text) or len({c.casefold() for c in text if c.isalnum()}) <= 1:
        return True
    if "\\" in text or (" " not in text and "_" in text):
        return True
    return any(
        pattern.fullmatch(text)
        for pattern in (_PLACEHOLDER_WORDS, _APPLICATION_PREFIX, _FILE_SUFFIX)
    )


def title_from_largest_text(page: Page) -> str | None:
    """The text set largest on the page, when it stands out from the rest: the title.

    Segments with fewer than two letters (page numbers, a chapter numeral, an ornament, a
    drop cap) and the running heads and page numbers already dropped do not count. The
    largest size must be ``TITLE_SIZE_RATIO`` times the size most of the page's letters
    have. The title is the topmost line of that size and the lines after it that continue
    it (``_continues_title``), at most ``TITLE_MAX_LINES``; ``None`` when nothing stands
    out, or when what does is too long to be a title.
    """
    candidates = [
        segment
        for segment in page.segments
        if segment.size > 0
        and not segment.dropped
        and not segment.rotated
        and sum(c.isalpha() for c in segment.text) >= 2
    ]
    if not candidates:
        return None
    largest = max(segment.size for segment in candidates)
    if largest < TITLE_SIZE_RATIO * _usual_size(candidates):
        return None
    heading = [s for s in candidates if s.size * TITLE_SIZE_TOLERANCE >= largest]
    lines = [_joined_line(line) for line in group_lines(heading)]
    widest = max(line.right - line.left for line in lines)
    column = max(percentile([s.right - s.left for s in candidates], 0.85), widest)
    title = [lines[0]]
    for line in lines[1:]:
        if not _continues_title(title[-1], line, column=column, centred=widest, size=largest):
            break
        title.append(line)
    if len(title) > TITLE_MAX_LINES:
        return None
    text = ""
    for line in title:
        words = " ".join(plain(line.text).replace("\x02", "-").split())
        # A hyphen at a line's end after a letter joins ("Self-" "determination").
        text += words if not text or re.search(r"[^\W\d_]-$", text) else " " + words
    return text if len(text) <= TITLE_MAX_CHARACTERS else None


def _usual_size(segments: list[Segment]) -> float:
    """The font size of most of the letters: the median, weighted by their number."""
    weighted = sorted((s.size, sum(c.isalpha() for c in s.text)) for s in segments)
    half = sum(count for _size, count in weighted) / 2
    seen = 0
    for size, count in weighted:
        seen += count
        if seen >= half:
            return size
    return weighted[-1][0]


def _joined_line(segments: list[Segment]) -> Segment:
    """The segments of one printed line as one, in reading order."""
    ordered = sorted(segments, key=lambda s: -s.start if s.rtl else s.start)
    first = ordered[0]
    return Segment(
        text=" ".join(s.text.strip() for s in ordered),
        left=min(s.left for s in ordered),
        bottom=min(s.bottom for s in ordered),
        right=max(s.right for s in ordered),
        top=max(s.top for s in ordered),
        height=max(s.height for s in ordered),
        first_word=first.first_word,
        rtl=first.rtl,
        size=first.size,
    )


def _continues_title(
    above: Segment, line: Segment, *, column: float, centred: float, size: float
) -> bool:
    """Whether ``line`` carries on the title from the line ``above`` it.

    It does when it follows closely (no blank line between), is aligned with it, and the
    title wraps there: ``line``'s first word would not have fitted on the line above, or the
    line above ends in a comma, colon, semicolon or dash, or ``line`` starts in lower case.
    Lines that share their left or right edge are measured against the page's text
    ``column``; lines centred on each other against the widest of them (``centred``), since
    a centred title is often set narrower than the text below it.
    """
    tolerance = 0.5 * size
    if above.bottom - line.top > 0.8 * size:
        return False
    if abs(above.left - line.left) <= tolerance or abs(above.right - line.right) <= tolerance:
        measure = column
    elif abs((above.left + above.right) / 2 - (line.left + line.right) / 2) <= tolerance:
        measure = centred
    else:
        return False
    room = measure - (above.right - above.left)
    before, after = above.text.rstrip(), line.text.lstrip()
    return (
        room < line.first_word + 0.3 * size
        or before.endswith((",", ":", ";", "\x02", "\u2013", "\u2014", *HYPHENS))
        or after[:1].islower()
    )


def document_metadata(
    info: dict[str, str], pages: list[Page], heading: str | None
) -> dict[str, Any]:
    """Pages, title and its source, author, the file's dates and pages without text."""
    metadata: dict[str, Any] = {"pages": len(pages)}
    title = " ".join(info.get("Title", "").split())
    if not is_placeholder_title(title):
        metadata["title"], metadata["title_source"] = title, TITLE_FROM_METADATA
    elif heading is not None:
        metadata["title"], metadata["title_source"] = heading, TITLE_FROM_LARGEST_TEXT
    else:
        # The document takes its first line as its title (``title_from_text``).
        metadata["title_source"] = TITLE_FROM_FIRST_LINE
    author = " ".join(info.get("Author", "").split())
    if author:
        metadata["author"] = author
    for key, name in (("CreationDate", "pdf_created"), ("ModDate", "pdf_modified")):
        date = _pdf_date(info.get(key, ""))
        if date:
            metadata[name] = date
    without_text = [
        number
        for number, page in enumerate(pages, start=1)
        if page.visible_characters < MIN_CHARACTERS_PER_PAGE
    ]
    if without_text:
        metadata["pages_without_text"] = without_text
    return metadata


def _pdf_date(value: str) -> str | None:
    """The date of a PDF date string ("D:20211229081127-05'00'") as YYYY-MM-DD."""
    match = _PDF_DATE.match(value.strip())
    if not match:
        return None
    try:
        return datetime.date(*(int(part) for part in match.groups())).isoformat()
    except ValueError:
        return None
