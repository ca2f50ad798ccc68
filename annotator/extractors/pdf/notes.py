"""Footnotes: found at the foot of their page, kept out of the running text.

A page's footnotes are the lines at its foot set smaller than the document's body text
(``SMALL_TEXT``), below every body line, the first of them starting with a note's number:
raised ("⁸ OHCHR …", "⁸OHCHR …"), or on the line ("8 OHCHR …", "8. OHCHR …"). A number on
the line starts a note only when it follows the previous note's (a line of a note may start
with a number too), and the page's notes count as notes only when something shows they are:
a raised number, a short rule drawn above them, or a reference to them in the body. Where a
rule is drawn, what stands above it (a chart's source) is the body's. A page's small lines
before its first note carry on the last note of the page before, if that page had one and
they are under the rule or set as tightly as notes are. A page without a line of body text
above its small print (a page of endnotes under their heading) keeps it. The notes'
segments are marked ``note``; ``assembly`` collects them after the body, each one paragraph
starting with its number (rules 3 and 7 of the package's docstring).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from annotator.extractors.pdf.model import (
    REFERENCE,
    REFERENCE_OPEN,
    SMALL_TEXT,
    STEP_FOOTNOTES_TO_END,
    Page,
    Segment,
    Steps,
    body_height,
    group_lines,
    is_raised_reference,
    is_reference_text,
)

# A number on the line starts the next note when it is at most this much past the last.
NOTE_NUMBER_STEP = 3
# The rule above a page's footnotes: at most this tall, at least this wide (points).
RULE_THICKNESS = 3.0
RULE_MIN_WIDTH = 30.0
# A page has footnotes only under at least so many lines of body text (a heading is none).
MIN_BODY_LINES = 1
# Lines of a note follow each other closer than this many text heights.
NOTE_GAP = 0.6

_NUMBER_ON_LINE = re.compile(r"(\d{1,4})(?:[.)]\s*|\s+)(?=\S)")
_NUMBER = re.compile(r"\d{1,4}")


@dataclass(slots=True)
class Note:
    """A footnote: its number as printed, the page it starts on (from 0) and its lines."""

    number: str
    page: int
    lines: list[list[Segment]] = field(default_factory=list)
    raised: bool = False


def split_notes(pages: list[Page], steps: Steps) -> list[Note]:
    """Find every page's footnotes, mark their segments ``note``, and return them in order."""
    height = body_height(pages)
    if not height:
        return []
    references = body_references(pages, height)
    notes: list[Note] = []
    for number, page in enumerate(pages):
        lines = group_lines(
            [s for s in page.segments if not s.dropped and not s.rotated and s.text.strip()]
        )
        block: list[list[Segment]] = []
        for line in reversed(lines):
            if any(s.height > SMALL_TEXT * height for s in line):
                break
            block.append(line)
        body = lines[: len(lines) - len(block)]
        # Footnotes stand under a page's text: a page of notes under a heading (a report's
        # endnotes), or all in small print, stays as it is.
        if not block or sum(_is_body_line(line, height) for line in body) < MIN_BODY_LINES:
            continue
        block.reverse()
        rule = _rule(page, body, block, height)
        if rule is not None:  # what stands above the rule is the body's
            block = [line for line in block if max(s.top for s in line) <= rule + height]
        found = _page_notes(block, number, notes, references, rule is not None)
        for note in found:
            if note is not (notes[-1] if notes else None):
                notes.append(note)
                steps.add(STEP_FOOTNOTES_TO_END)
    return notes


def _is_body_line(line: list[Segment], height: float) -> bool:
    return any(abs(s.height - height) <= 0.15 * height for s in line)


def _page_notes(
    block: list[list[Segment]],
    page_number: int,
    earlier: list[Note],
    references: set[str],
    ruled: bool,
) -> list[Note]:
    """The notes in a page's block of small lines at its foot (the last earlier note first,
    when the block carries it on); marks their segments."""
    last = earlier[-1] if earlier else None
    previous = _as_number(last.number) if last else None
    notes: list[Note] = []
    carried: list[list[Segment]] = []
    for line in block:
        start = note_start(line)
        if start is not None:
            number, raised = start
            value = _as_number(number)
            if raised or _follows(value, previous):
                notes.append(Note(number=number, page=page_number, raised=raised))
                previous = value
        if notes:
            notes[-1].lines.append(line)
        else:
            carried.append(line)
    if not notes:
        return []
    evidence = (
        ruled
        or any(note.raised for note in notes)
        or any(note.number in references for note in notes)
    )
    if not evidence:
        return []
    result: list[Note] = []
    # Lines before the first note carry on the last note of the page before: under the
    # rule, or set as tightly as the notes are.
    if (
        carried
        and last is not None
        and last.page == page_number - 1
        and (ruled or _tight(carried[-1], notes[0].lines[0]))
    ):
        last.lines.extend(carried)
        result.append(last)
    else:
        carried = []  # small print before the first note stays in the body
    for line in [*carried, *(line for note in notes for line in note.lines)]:
        for segment in line:
            segment.note = True
    return [*result, *notes]


def _tight(above: list[Segment], below: list[Segment]) -> bool:
    height = max(s.height for s in below)
    return min(s.bottom for s in above) - max(s.top for s in below) <= NOTE_GAP * height


def note_start(line: list[Segment]) -> tuple[str, bool] | None:
    """The number a line starts with as a note's, and whether it is raised; or ``None``."""
    ordered = sorted(line, key=lambda s: -s.start if s.rtl else s.start)
    first = ordered[0]
    text = first.text.strip()
    if text.startswith(REFERENCE_OPEN):
        match = REFERENCE.match(text)
        if (
            match
            and _NUMBER.fullmatch(match[1])
            and (text[match.end() :].strip() or len(ordered) > 1)
        ):
            return match[1], True
        return None
    if len(ordered) > 1 and is_reference_text(text) and _NUMBER.fullmatch(text):
        if is_raised_reference(first, ordered[1]):
            return text, True
        return text, False
    match = _NUMBER_ON_LINE.match(text)
    if match and any(c.isalpha() for c in text[match.end() :][:3]):
        return match[1], False
    return None


def _as_number(number: str) -> int:
    return int(number) if number.isdigit() else 0


def _follows(value: int, previous: int | None) -> bool:
    """Whether a note numbered ``value`` can follow one numbered ``previous``."""
    if previous is None:
        return 0 < value <= NOTE_NUMBER_STEP
    return value == 1 or previous < value <= previous + NOTE_NUMBER_STEP


def body_references(pages: list[Page], height: float) -> set[str]:
    """The numbers that raised references in the body text carry ("8,9" gives 8 and 9):
    marked within a line of body text, or set apart beside one."""
    numbers: set[str] = set()
    for page in pages:
        kept = [s for s in page.segments if not s.dropped and not s.rotated]
        for line in group_lines(kept):
            body = [s for s in line if s.height > SMALL_TEXT * height]
            for segment in body:
                for reference in REFERENCE.findall(segment.text):
                    numbers.update(_NUMBER.findall(reference))
            for segment in line:
                if all(segment is not b for b in body) and any(
                    is_raised_reference(segment, b) for b in body
                ):
                    numbers.update(_NUMBER.findall(segment.text))
    return numbers


def _rule(
    page: Page, body: list[list[Segment]], block: list[list[Segment]], height: float
) -> float | None:
    """Where a short horizontal rule is drawn between a page's body and its small print at
    the foot (the highest, if several), or ``None``."""
    floor = min(s.bottom for s in body[-1])
    ground = min(s.bottom for s in block[-1])
    found = [
        bottom
        for left, bottom, right, top in page.graphics
        if top - bottom <= RULE_THICKNESS
        and right - left >= RULE_MIN_WIDTH
        and ground <= bottom <= floor + 0.5 * height
    ]
    return max(found) if found else None
