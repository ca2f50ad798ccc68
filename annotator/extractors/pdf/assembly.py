"""The text: paragraphs' lines joined, hyphenation decided, pages joined, page starts kept,
footnotes collected after the body and linked to their references.

Rules 6 and 7 of the package's docstring. A line-end hyphen is dropped when the next line
starts in lower case, unless the document spells the word with its hyphen at least as often
as without, or the halves make a compound (``_Joiner.is_hyphenation``); a page whose last
paragraph runs on is joined to the next with a single ``\n``; the footnotes follow the body
under "Notes", and each reference mark becomes a bracketed number.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from annotator.extractors.lexicon import two_words
from annotator.extractors.pdf.layout import reading_order
from annotator.extractors.pdf.model import (
    CJK,
    HYPHENS,
    REFERENCE,
    REFERENCE_CLOSE,
    REFERENCE_OPEN,
    STEP_DEHYPHENATE,
    STEP_HYPHEN_MARKERS,
    STEP_NOTE_REFERENCES,
    Line,
    Page,
    Paragraph,
    Segment,
    Steps,
    plain,
)
from annotator.extractors.pdf.notes import Note
from annotator.extractors.pdf.paragraphs import (
    anchor_notes,
    line_gap_ratios,
    merge_same_line,
    page_paragraphs,
    paragraph_runs_on,
    text_runs_on,
)

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_TRAILING_WORD = re.compile(r"([^\W\d_]+(?:-[^\W\d_]+)*)-$")
_LEADING_LETTERS = re.compile(r"[^\W\d_]+")
# The heading over the footnotes collected after the body.
NOTES_HEADING = "Notes"

# Second halves that make a compound with whatever comes before ("provincial-level",
# "community-led"), and first halves that do with whatever follows ("self-", "non-").
COMPOUND_SECOND_HALVES = frozenset(
    {
        "level", "based", "related", "led", "owned", "run", "wide", "scale", "term",
        "sponsored", "backed", "affiliated", "linked", "driven", "oriented", "specific",
        "sensitive", "friendly", "free", "style", "making", "building", "funded",
        "controlled", "operated", "imposed", "mandated", "induced", "motivated",
        "generated", "designated", "appointed", "organised", "organized", "centred",
        "centered", "focused", "dominated", "affected", "speaking", "language",
    }
)  # fmt: skip
COMPOUND_FIRST_HALVES = frozenset({"self", "non", "quasi"})
# What a word-processor's hyphenation leaves on the next line: never a compound's half.
_SUFFIXES = frozenset(
    {
        "ing", "ings", "ed", "er", "ers", "es", "s", "ly", "tion", "tions", "sion", "sions",
        "ment", "ments", "ness", "ity", "ities", "al", "ally", "ous", "ive", "ives", "able",
        "ible", "ance", "ence", "ist", "ists", "ism", "ure", "ures", "ty", "ties", "ry",
    }
)  # fmt: skip
# A first or second half seen in another compound of the document counts from this length.
LEARNED_HALF = 3


class _Joiner:
    """Joins lines, deciding at each line-end hyphen whether it is hyphenation."""

    def __init__(self, segments: list[Segment], steps: Steps) -> None:
        words: Counter[str] = Counter()
        for segment in segments:
            words.update(word.casefold() for word in _WORD.findall(plain(segment.text)))
        self.words = words
        self.steps = steps
        compounds = [word.split("-") for word in words if "-" in word]
        self.first_halves = {parts[0] for parts in compounds if len(parts[0]) > LEARNED_HALF}
        self.second_halves = {parts[-1] for parts in compounds if len(parts[-1]) >= LEARNED_HALF}
        self._segments = segments
        self._language: str | bool | None = False  # not detected yet

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
        """Whether ``head-`` at a line's end and ``tail`` on the next are one word broken.

        The document's own spelling decides first: the hyphenated form at least as often as
        the joined one keeps the hyphen, the joined one more often drops it. A word the
        document spells neither way keeps its hyphen when the halves make a compound: the
        second half is one of ``COMPOUND_SECOND_HALVES`` or ends another compound of the
        document ("county-level" elsewhere keeps "provincial-" "level"); or the halves are
        two words of the document's language and their join is none (``lexicon``:
        "Uyghur-" "majority", "forced-" "labour"); or the first half is one of
        ``COMPOUND_FIRST_HALVES`` or starts another compound of the document and the second
        is no suffix ("re-" of "re-education" does not keep "re-" "ported").
        """
        joined = self.words[(head + tail).casefold()]
        hyphenated = self.words[f"{head}-{tail}".casefold()]
        if joined or hyphenated:
            return hyphenated <= joined
        first, second = head.split("-")[-1].casefold(), tail.casefold()
        if second in COMPOUND_SECOND_HALVES or second in self.second_halves:
            return False
        if second not in _SUFFIXES and two_words(first, second, self.language()):
            return False
        if first in COMPOUND_FIRST_HALVES:
            return False
        return not (first in self.first_halves and second not in _SUFFIXES)

    def language(self) -> str | None:
        """The document's language, detected from its text the first time a hyphen needs
        it (the extractor's caller detects it again from the assembled text)."""
        if self._language is False:
            from annotator.extractors import detect_language  # the package imports this one

            detected = detect_language("\n".join(plain(s.text) for s in self._segments))
            self._language = detected["code"] if detected else None
        return self._language if isinstance(self._language, str) else None

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


@dataclass(slots=True)
class Assembled:
    """The document's text, where each page starts in it, and its notes' links."""

    text: str
    page_starts: list[int]
    notes: list[dict[str, Any]] = field(default_factory=list)


def assemble(pages: list[Page], steps: Steps, notes: list[Note] | None = None) -> Assembled:
    """The document's text from its pages' kept segments, where each page starts in it,
    and the footnotes after the body, each linked to its reference."""
    notes = notes or []
    pages_lines: list[list[Line]] = []
    for page in pages:
        kept = [
            s
            for s in page.segments
            if not s.dropped and not s.rotated and not s.note and s.text.strip()
        ]
        pages_lines.append(merge_same_line(reading_order(kept)))
    usual_gap = line_gap_ratios(pages_lines)
    note_segments = [s for note in notes for line in note.lines for s in line]
    joiner = _Joiner(
        [line.segment for lines in pages_lines for line in lines] + note_segments, steps
    )

    pages_paragraphs: list[list[Paragraph]] = []
    for page, lines in zip(pages, pages_lines, strict=True):
        paragraphs, margin_notes = page_paragraphs(lines, usual_gap)
        leftover = anchor_notes(paragraphs, margin_notes)
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
        if text_runs_on(last.text.replace("\x02", "-"), first.text) or paragraph_runs_on(
            before, after, pages_lines[number]
        ):
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
        blocks = [
            (block, paragraph.lines[0].contents)
            for paragraph in paragraphs
            if (block := _paragraph_block(paragraph, paragraph is carried_on, joiner))
        ]
        body = _join_blocks(blocks)
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
    text, links = _with_notes(text, page_starts, notes, joiner)
    references = text.count(REFERENCE_OPEN)
    steps.add(STEP_NOTE_REFERENCES, references)
    text = text.translate({ord(REFERENCE_OPEN): "[", ord(REFERENCE_CLOSE): "]"})
    return Assembled(text=text, page_starts=page_starts, notes=links)


def _join_blocks(blocks: list[tuple[str, bool]]) -> str:
    """A page's paragraphs, a blank line between them; a table of contents' entries, one
    to a line."""
    parts: list[str] = []
    for index, (block, contents) in enumerate(blocks):
        if index:
            parts.append("\n" if contents and blocks[index - 1][1] else "\n\n")
        parts.append(block)
    return "".join(parts)


def _note_text(note: Note, joiner: _Joiner) -> str:
    """A footnote as one paragraph, starting with its number ("8 OHCHR, …")."""
    pieces = [
        Line(segment, 0, False)
        for line in note.lines
        for segment in sorted(line, key=lambda s: -s.start if s.rtl else s.start)
    ]
    lines = [line.segment for line in merge_same_line(pieces) if line.segment.text.strip()]
    text = _paragraph_text(lines, joiner)
    match = REFERENCE.match(text)
    if match:  # the raised number the note starts with, as a number before its text
        text = f"{match[1]} {text[match.end() :].lstrip()}"
    return text


def _reference_numbers(reference: str) -> list[str]:
    """The note numbers a reference names: "8" is 8; "8,9" 8 and 9; "8-10" 8, 9 and 10."""
    numbers: list[str] = []
    for part in reference.split(","):
        low, dash, high = part.replace("\u2013", "-").partition("-")
        if dash and low.isdigit() and high.isdigit() and 0 <= int(high) - int(low) <= 20:
            numbers.extend(str(n) for n in range(int(low), int(high) + 1))
        elif part:
            numbers.append(part)
    return numbers


def _with_notes(
    text: str, page_starts: list[int], notes: list[Note], joiner: _Joiner
) -> tuple[str, list[dict[str, Any]]]:
    """The text with its footnotes after it, and each note's link to its reference.

    A note is linked to a reference naming its number on the note's own page, else on the
    nearest page before, else after; references left over are listed without a note.
    Offsets are into the returned text (reference marks count one character each, as the
    brackets that replace them do).
    """
    if not notes:
        return text, []
    found = [
        (match.start(), match.end(), _reference_numbers(match[1]))
        for match in REFERENCE.finditer(text)
    ]
    pages_of = [bisect.bisect_right(page_starts, start) - 1 for start, _end, _n in found]
    separator = "\n" if text.endswith("\n") else "\n\n"
    parts = [text, separator, NOTES_HEADING]
    length = len(text) + len(separator) + len(NOTES_HEADING)
    links: list[dict[str, Any]] = []
    used: set[int] = set()
    for note in notes:
        note_text = _note_text(note, joiner)
        parts.append("\n\n")
        length += 2
        candidates = [
            index
            for index, (_start, _end, numbers) in enumerate(found)
            if note.number in numbers and index not in used
        ]
        candidates.sort(
            key=lambda index: (
                pages_of[index] != note.page,
                pages_of[index] > note.page,
                abs(pages_of[index] - note.page),
            )
        )
        reference = None
        if candidates:
            chosen = candidates[0]
            if len(found[chosen][2]) == 1 or found[chosen][2][-1] == note.number:
                used.add(chosen)
            reference = [found[chosen][0], found[chosen][1]]
        links.append(
            {
                "number": note.number,
                "page": note.page + 1,
                "reference": reference,
                "note": [length, length + len(note_text)],
            }
        )
        parts.append(note_text)
        length += len(note_text)
    for index, (start, end, _numbers) in enumerate(found):
        if index not in used and not any(link["reference"] == [start, end] for link in links):
            page = pages_of[index] + 1
            links.append(
                {
                    "number": text[start + 1 : end - 1],
                    "page": page,
                    "reference": [start, end],
                    "note": None,
                }
            )
    return "".join(parts), links


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
