"""Paragraphs: where, among a page's lines in reading order, a new paragraph starts.

Rule 5 of the package's docstring: gaps larger than the document's usual gap between lines,
changes of text size, lines that end short on purpose, first-line and hanging indents. Margin
notes become paragraphs of their own, anchored to the paragraph they stand beside.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import defaultdict

from annotator.extractors.pdf.model import (
    HYPHENS,
    REFERENCE_CLOSE,
    REFERENCE_OPEN,
    Line,
    Paragraph,
    Segment,
    is_raised_reference,
    percentile,
    plain,
)

# How close to the column's end, in points, the lines of justified text end.
JUSTIFIED_TOLERANCE = 1.0
# Gap between lines, in text heights, assumed when a document has too few lines to tell.
USUAL_GAP = 0.2
USUAL_GAP_SAMPLES = 8
# Extra gap, in text heights, that sets a paragraph apart.
PARAGRAPH_GAP = 0.4
_SENTENCE_END = re.compile(r"[.!?\u2026\u061f\u06d4][\"'\u2019\u201d\u00bb)\]]*$")


def merge_same_line(lines: list[Line]) -> list[Line]:
    """Consecutive pieces of one printed line (a superscript, a change of font) as one.

    A note reference set apart from its word (a raised "8" drawn as a piece of its own) is
    marked as a reference and does not make the line taller.
    """
    merged: list[Line] = []
    for line in lines:
        if merged and merged[-1].column == line.column:
            previous = merged[-1].segment
            current = line.segment
            middle = (current.bottom + current.top) / 2
            if is_raised_reference(current, previous) and current.bottom < previous.top:
                previous.text = (
                    previous.text.rstrip() + REFERENCE_OPEN + current.text.strip() + REFERENCE_CLOSE
                )
                previous.left = min(previous.left, current.left)
                previous.right = max(previous.right, current.right)
                continue
            if is_raised_reference(previous, current) and previous.bottom < current.top:
                # A note's number before its text, the first piece of the line.
                reference = REFERENCE_OPEN + previous.text.strip() + REFERENCE_CLOSE
                current.text = reference + current.text.lstrip()
                current.left = min(previous.left, current.left)
                current.right = max(previous.right, current.right)
                merged[-1] = line
                continue
            if previous.bottom <= middle <= previous.top:
                if previous.rtl:
                    gap = previous.left - current.right
                else:
                    gap = current.left - previous.right
                joiner = " " if gap > 0.15 * previous.height else ""
                previous.text = previous.text + joiner + current.text
                previous.left = min(previous.left, current.left)
                previous.right = max(previous.right, current.right)
                previous.bottom = min(previous.bottom, current.bottom)
                previous.top = max(previous.top, current.top)
                previous.height = max(previous.height, current.height)
                continue
        merged.append(line)
    return merged


def line_gap_ratios(pages_lines: list[list[Line]]) -> float:
    """The usual gap between consecutive lines of one column, in text heights."""
    ratios: list[float] = []
    for lines in pages_lines:
        for before, after in itertools.pairwise(lines):
            a, b = before.segment, after.segment
            if before.column != after.column or abs(a.height - b.height) > 0.1 * a.height:
                continue
            gap = a.bottom - b.top
            if -0.5 * a.height < gap < 2 * a.height:
                ratios.append(gap / a.height)
    if len(ratios) < USUAL_GAP_SAMPLES:
        return USUAL_GAP
    return min(statistics.median(ratios), 1.0)


def _column_ends(lines: list[Line]) -> dict[int, tuple[float, bool]]:
    """Where each column's lines end, and whether the column is justified.

    The end is the 85th percentile of the lines' ends, so that it is the text width whether
    the text is justified or ragged; the column is justified when most lines end there. A
    column of one or two lines (a title beside a date) takes the page's width instead.
    """
    ends: defaultdict[int, list[float]] = defaultdict(list)
    page: list[float] = []
    for line in lines:
        segment = line.segment
        end = -segment.left if segment.rtl else segment.right
        ends[line.column].append(end)
        if not line.marginal:
            page.append(end)
    marginal = {line.column for line in lines if line.marginal}
    page_end = percentile(page, 0.85) if page else 0.0
    result: dict[int, tuple[float, bool]] = {}
    for column, values in ends.items():
        if len(values) < 3 and column not in marginal:
            result[column] = (max(page_end, *values), False)
            continue
        column_end = percentile(values, 0.85)
        flush = sum(abs(value - column_end) <= JUSTIFIED_TOLERANCE for value in values)
        result[column] = (column_end, flush * 2 > len(values))
    return result


def page_paragraphs(lines: list[Line], usual_gap: float) -> tuple[list[Paragraph], list[Paragraph]]:
    """The page's main paragraphs in order, and its margin notes (anchored to main ones)."""
    ends = _column_ends(lines)
    main = [line for line in lines if not line.marginal]
    notes = [line for line in lines if line.marginal]
    paragraphs = _flow(main, ends, usual_gap)
    note_paragraphs = _flow(notes, ends, usual_gap)
    return paragraphs, note_paragraphs


def _flow(
    lines: list[Line], ends: dict[int, tuple[float, bool]], usual_gap: float
) -> list[Paragraph]:
    paragraphs: list[Paragraph] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else None
        if paragraphs and not _starts_paragraph(paragraphs[-1], line, following, ends, usual_gap):
            paragraphs[-1].lines.append(line.segment)
            paragraphs[-1].column = line.column
        else:
            paragraphs.append(Paragraph(lines=[line.segment], column=line.column))
    return paragraphs


def _starts_paragraph(
    paragraph: Paragraph,
    line: Line,
    following: Line | None,
    ends: dict[int, tuple[float, bool]],
    usual_gap: float,
) -> bool:
    a, b = paragraph.lines[-1], line.segment
    if a.contents or b.contents:  # each entry of a table of contents is a paragraph
        return True
    if _centred_line_wraps(a, b):
        return False
    if line.column != paragraph.column:
        # From one column or block to the next on a page, a paragraph runs on only before
        # lower case: a table's last cell is followed by the text under it, a capital or
        # not. Before a capital, only across a page break (``paragraph_runs_on``).
        return not text_runs_on(a.text, b.text)
    edge = ends[line.column]
    if _set_apart(a, b, edge, usual_gap):
        return True
    a_text = plain(a.text).rstrip()
    tolerance = 0.5 * min(a.height, b.height)
    # The line after this one, if it carries on this one's paragraph.
    c = following.segment if following and following.column == line.column else None
    if c is not None and _set_apart(b, c, edge, usual_gap):
        c = None
    indent = _further_in(b, a)
    if indent > tolerance:
        # Indented under a line that ends mid-phrase: the hanging indent of a heading.
        if a_text[-1:].isalnum():
            return False
        # A first-line indent, or a one-line paragraph; not a hanging indent.
        return c is None or abs(_further_in(c, b)) > tolerance
    if indent < -tolerance:
        # Further out than a line that was itself a continuation: the next hanging item.
        return len(paragraph.lines) > 1
    # Level with the line above, but the line below is further out than any line of this
    # paragraph: this line is the indented first line of a new paragraph.
    return (
        c is not None
        and not a_text.endswith(("\x02", *HYPHENS))
        and _further_in(c, b) < -tolerance
        and _further_in(c, paragraph.lines[0]) < -tolerance
    )


def _set_apart(a: Segment, b: Segment, edge: tuple[float, bool], usual_gap: float) -> bool:
    """Whether ``b`` is set apart from the line ``a`` above it, indentation aside."""
    if b.top > a.top:  # back up the page: a new block
        return True
    if a.bottom - b.top > (usual_gap + PARAGRAPH_GAP) * min(a.height, b.height):
        return True
    if _other_size(a, b):
        return True
    a_text = plain(a.text).rstrip()
    if a_text.endswith(("\x02", *HYPHENS)):
        return False
    column_end, justified = edge
    room = column_end - (-a.left if a.rtl else a.right)
    # The next line's first word would have fitted: this line ended on purpose.
    if room > b.first_word + 0.5 * b.height:
        return True
    # In justified text only a paragraph's last line stops short of the column's end.
    return justified and room > 2 * JUSTIFIED_TOLERANCE and not a_text[-1:].isalnum()


def _centred_line_wraps(a: Segment, b: Segment) -> bool:
    """Whether ``b`` carries on the centred line ``a`` above it (a title or heading broken
    by hand over centred lines): the same size, close below it, centred on it but not
    flush with it, and broken mid-phrase: ``a`` ends in a comma, colon, semicolon or dash,
    or ``b`` starts in lower case."""
    if _other_size(a, b) or b.top > a.top or a.bottom - b.top > 0.8 * max(a.height, b.height):
        return False
    tolerance = 0.5 * min(a.height, b.height)
    if abs(a.left - b.left) <= tolerance or abs(a.right - b.right) <= tolerance:
        return False  # flush on a side: the column's own rules decide
    if abs((a.left + a.right) - (b.left + b.right)) / 2 > tolerance:
        return False
    before, after = plain(a.text).rstrip(), plain(b.text).lstrip()
    return before.endswith((",", ":", ";", "\x02", "\u2013", "\u2014", *HYPHENS)) or (
        after[:1].islower()
    )


def _other_size(a: Segment, b: Segment) -> bool:
    return abs(a.height - b.height) > 0.15 * max(a.height, b.height)


def _further_in(segment: Segment, reference: Segment) -> float:
    """How much further in from the column's start edge ``segment`` starts than ``reference``."""
    if segment.rtl:
        return reference.start - segment.start
    return segment.start - reference.start


def text_runs_on(before: str, after: str) -> bool:
    """Whether text continues from ``before`` (end of a column or page) into ``after``.

    It does when ``before`` does not end a sentence and ``after`` starts in lower case, or
    with a digit after a lower-case word or a comma ("by the end of" / "2019.").
    """
    before, after = plain(before).rstrip(), plain(after).lstrip()
    if not before or not after or _SENTENCE_END.search(before):
        return False
    if after[0].islower():
        return True
    return after[0].isdigit() and (before[-1] == "," or before[-1].islower())


def paragraph_runs_on(before: Paragraph, after: Paragraph, lines: list[Line]) -> bool:
    """Whether the paragraph ``after`` (at the top of the next page) carries on ``before``
    (at the foot of the page whose ``lines`` are given), though it starts in upper case
    (``runs_on_before_capital``). Only where the column has lines enough to tell its end."""
    if sum(line.column == before.column for line in lines) < 3:
        return False
    column_end, _justified = _column_ends(lines).get(before.column, (0.0, False))
    following = after.lines[1] if len(after.lines) > 1 else None
    return runs_on_before_capital(before.lines[-1], after.lines[0], following, column_end)


def runs_on_before_capital(
    last: Segment, first: Segment, following: Segment | None, column_end: float
) -> bool:
    """Whether the line ``first`` (atop a column or page) carries on the line ``last`` (at
    the foot of the one before), though it starts in upper case.

    ``text_runs_on`` decides by case alone; a sentence also runs on before a capital
    ("the Xinjiang" / "Uyghur Autonomous Region"). It does when ``last`` ends in a letter,
    digit, comma or closing quote and runs to its column's end (the next word would not
    have fitted), and ``first`` is set in the same size and not indented from the line
    ``following`` it.
    """
    if last.contents or first.contents or _other_size(last, first):
        return False
    ending = plain(last.text).rstrip()
    if not ending or not (ending[-1].isalnum() or ending[-1] in ",;\u2019\u201d\"')"):
        return False
    if _SENTENCE_END.search(ending):
        return False
    starting = plain(first.text).lstrip()
    if not starting or not (starting[0].isupper() or starting[0].isdigit()):
        return False
    room = column_end - (-last.left if last.rtl else last.right)
    if room > first.first_word + 0.5 * first.height:
        return False
    return following is None or _further_in(first, following) <= 0.5 * first.height


def anchor_notes(paragraphs: list[Paragraph], notes: list[Paragraph]) -> list[Paragraph]:
    """Attach each margin note to the paragraph it stands beside; return notes left over."""
    if not paragraphs:
        return notes
    for note in notes:
        beside = [p for p in paragraphs if p.bottom <= note.top]
        anchor = beside[0] if beside else paragraphs[-1]
        for paragraph in beside:
            if paragraph.top >= note.top >= paragraph.bottom:
                anchor = paragraph
                break
        anchor.notes.append(note)
    return []
