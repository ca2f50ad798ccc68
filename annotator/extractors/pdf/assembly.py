"""The text: paragraphs' lines joined, hyphenation decided, pages joined, page starts kept.

Rules 5 and 6 of the package's docstring. A line-end hyphen is dropped when the next line
starts in lower case, unless the hyphenated form occurs in the document more often than the
joined one; a page whose last paragraph runs on is joined to the next with a single ``\n``.
"""

from __future__ import annotations

import re
from collections import Counter

from annotator.extractors.pdf.layout import reading_order
from annotator.extractors.pdf.model import (
    CJK,
    HYPHENS,
    STEP_DEHYPHENATE,
    STEP_HYPHEN_MARKERS,
    Line,
    Page,
    Paragraph,
    Segment,
    Steps,
)
from annotator.extractors.pdf.paragraphs import (
    anchor_notes,
    line_gap_ratios,
    merge_same_line,
    page_paragraphs,
    text_runs_on,
)

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_TRAILING_WORD = re.compile(r"([^\W\d_]+(?:-[^\W\d_]+)*)-$")
_LEADING_LETTERS = re.compile(r"[^\W\d_]+")


class _Joiner:
    """Joins lines, deciding at each line-end hyphen whether it is hyphenation."""

    def __init__(self, segments: list[Segment], steps: Steps) -> None:
        words: Counter[str] = Counter()
        for segment in segments:
            words.update(word.casefold() for word in _WORD.findall(segment.text))
        self.words = words
        self.steps = steps

    def join(self, before: str, after: str) -> tuple[str, str]:
        """``before`` and ``after`` joined across a line end: the text, and the separator."""
        before = before.rstrip()
        after = after.lstrip()
        if before.endswith(("\x02", *HYPHENS)):
            word = _TRAILING_WORD.search(before.replace("\x02", "-"))
            start = _LEADING_LETTERS.match(after)
            if (
                word
                and start
                and start.group()[0].islower()
                and self._is_hyphenation(word[1], start.group())
            ):
                self.steps.add(STEP_DEHYPHENATE)
                return before[:-1], ""
            if len(before) > 1 and not before[-2].isspace():  # Uyghur-Muslim, 2019-2020
                return self.visible(before), ""
        if CJK.match(before[-1:]) and CJK.match(after[:1]):  # no spaces between words
            return before, ""
        return self.visible(before), " "

    def _is_hyphenation(self, head: str, tail: str) -> bool:
        joined = self.words[(head + tail).casefold()]
        hyphenated = self.words[f"{head}-{tail}".casefold()]
        return hyphenated <= joined

    def visible(self, text: str) -> str:
        if "\x02" not in text:
            return text
        self.steps.add(STEP_HYPHEN_MARKERS, text.count("\x02"))
        return text.replace("\x02", "-")


def _paragraph_text(lines: list[Segment], joiner: _Joiner) -> str:
    parts: list[str] = []
    current = lines[0].text.strip()
    for line in lines[1:]:
        text, separator = joiner.join(current, line.text)
        parts.append(text + separator)
        current = line.text.strip()
    parts.append(joiner.visible(current.rstrip()))
    return "".join(parts)


def assemble(pages: list[Page], steps: Steps) -> tuple[str, list[int]]:
    """The document's text from its pages' kept segments, and where each page starts in it."""
    pages_lines: list[list[Line]] = []
    for page in pages:
        kept = [s for s in page.segments if not s.dropped and not s.rotated and s.text.strip()]
        pages_lines.append(merge_same_line(reading_order(kept)))
    usual_gap = line_gap_ratios(pages_lines)
    joiner = _Joiner([line.segment for lines in pages_lines for line in lines], steps)

    pages_paragraphs: list[list[Paragraph]] = []
    for page, lines in zip(pages, pages_lines, strict=True):
        paragraphs, notes = page_paragraphs(lines, usual_gap)
        leftover = anchor_notes(paragraphs, notes)
        rotated = [s for s in page.segments if s.rotated and not s.dropped and s.text.strip()]
        paragraphs.extend(leftover)
        paragraphs.extend(Paragraph(lines=[s], column=-1) for s in rotated)
        pages_paragraphs.append(paragraphs)

    # Decide page joins, carrying a word hyphenated across a page break back to its page.
    runs_on = [False] * len(pages)
    for number in range(len(pages) - 1):
        before = _last_main(pages_paragraphs[number])
        after = _first_main(pages_paragraphs[number + 1])
        if before is None or after is None:
            continue
        last, first = before.lines[-1], after.lines[0]
        if text_runs_on(last.text.replace("\x02", "-"), first.text):
            runs_on[number] = True
            if last.text.rstrip().endswith(("\x02", *HYPHENS)):
                head, _, rest = first.text.strip().partition(" ")
                text, separator = joiner.join(last.text, head)
                if not separator:
                    last.text = text + head
                    first.text = rest

    text_parts: list[str] = []
    page_starts: list[int] = []
    length = 0
    pending = ""
    for number, paragraphs in enumerate(pages_paragraphs):
        carried_on = _first_main(paragraphs) if number and runs_on[number - 1] else None
        blocks = (_paragraph_block(p, p is carried_on, joiner) for p in paragraphs)
        body = "\n\n".join(block for block in blocks if block)
        if not body:
            page_starts.append(-1)
            continue
        length += len(pending)
        text_parts.append(pending)
        page_starts.append(length)
        text_parts.append(body)
        length += len(body)
        pending = "\n" if runs_on[number] else "\n\n"
    text = "".join(text_parts)
    # An empty page starts where the next page with text begins (or at the very end).
    if page_starts and page_starts[-1] == -1 and text:
        text += "\n"
    following = len(text)
    for number in range(len(page_starts) - 1, -1, -1):
        if page_starts[number] == -1:
            page_starts[number] = following
        following = page_starts[number]
    return text, page_starts


def _paragraph_block(paragraph: Paragraph, carried_on: bool, joiner: _Joiner) -> str:
    """A paragraph's text with its margin notes: before it, unless it carries on from the
    previous page (the notes would cut its sentence in two), then after it."""
    lines = [line for line in paragraph.lines if line.text.strip()]
    blocks = [_paragraph_text(lines, joiner)] if lines else []
    notes = [_paragraph_text(note.lines, joiner) for note in paragraph.notes]
    return "\n\n".join([*blocks, *notes] if carried_on else [*notes, *blocks])


def _first_main(paragraphs: list[Paragraph]) -> Paragraph | None:
    for paragraph in paragraphs:
        if paragraph.column >= 0:
            return paragraph
    return None


def _last_main(paragraphs: list[Paragraph]) -> Paragraph | None:
    for paragraph in reversed(paragraphs):
        if paragraph.column >= 0:
            return paragraph
    return None
