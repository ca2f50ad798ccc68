"""A table of contents: each entry one line, "Introduction — 3", its dot leaders collapsed.

A line whose text ends in a page number (digits or a roman numeral) after a leader (four or
more dots, spaced or not, two or more ellipses, middle dots or underscores) is an entry,
when a page has at least ``MIN_ENTRIES`` of them. Up to ``MAX_WRAPPED`` lines just above an
entry that carry no leader, set in the same size, close above it, at least as far out and
long enough to have wrapped, are the start of its title ("… counter-terrorism and" over
"the rights of minorities …… 4"). The pieces of an entry (its number, title, leader and
page, often drawn apart) become one segment marked ``contents``: the title and the page
number joined by " — " (``pdf:table-of-contents``), which ``paragraphs`` keeps a paragraph
of its own and ``assembly`` puts on a line of its own.
"""

from __future__ import annotations

import re

from annotator.extractors.pdf.model import STEP_TABLE_OF_CONTENTS, Page, Segment, Steps, group_lines

MIN_ENTRIES = 3
MAX_WRAPPED = 2
# A wrapped line's box lies at most this many text heights above its entry's.
WRAP_GAP = 0.6
# A wrapped line reaches at least this share of its entry's width.
WRAP_WIDTH = 0.6
CONTENTS_JOINER = " \u2014 "

_LEADER = r"(?:\.\s*){4,}|(?:\u2026\s*){2,}|(?:\u00b7\s*){4,}|(?:_\s*){4,}"
_ENTRY = re.compile(
    rf"\s*(?P<title>\S.*?)\s*(?:{_LEADER})\s*(?P<page>\d{{1,4}}|[ivxlcdm]{{1,7}})\s*",
    re.IGNORECASE,
)


def collapse_contents(pages: list[Page], steps: Steps) -> None:
    """Make each table-of-contents entry on the pages one segment, its leaders collapsed."""
    for page in pages:
        kept = [
            s
            for s in page.segments
            if not s.dropped and not s.rotated and not s.note and s.text.strip()
        ]
        lines = [sorted(line, key=lambda s: s.left) for line in group_lines(kept)]
        matches = [_ENTRY.fullmatch(_line_text(line)) for line in lines]
        if sum(match is not None for match in matches) < MIN_ENTRIES:
            continue
        used: set[int] = set()
        entries: list[Segment] = []
        for index, match in enumerate(matches):
            if match is None:
                continue
            first = index
            while (
                index - first < MAX_WRAPPED
                and first > 0
                and matches[first - 1] is None
                and first - 1 not in used
                and _wraps_into(lines[first - 1], lines[first], lines[index])
            ):
                first -= 1
            title = " ".join(_line_text(line) for line in lines[first:index])
            title = f"{title} {match['title']}" if title else match["title"]
            pieces = [segment for line in lines[first : index + 1] for segment in line]
            entries.append(_entry(pieces, f"{title}{CONTENTS_JOINER}{match['page']}"))
            used.update(range(first, index + 1))
            steps.add(STEP_TABLE_OF_CONTENTS)
        gone = {id(segment) for number in used for segment in lines[number]}
        page.segments = [s for s in page.segments if id(s) not in gone] + entries


def _line_text(line: list[Segment]) -> str:
    return " ".join(segment.text.strip() for segment in line)


def _wraps_into(above: list[Segment], below: list[Segment], entry: list[Segment]) -> bool:
    """Whether the line ``above`` is the start of a title that wraps into ``below``."""
    height = max(s.height for s in entry)
    above_height = max(s.height for s in above)
    if abs(above_height - height) > 0.15 * height:
        return False
    if min(s.bottom for s in above) - max(s.top for s in below) > WRAP_GAP * height:
        return False
    left, right = min(s.left for s in above), max(s.right for s in above)
    entry_left, entry_right = min(s.left for s in entry), max(s.right for s in entry)
    return left <= min(s.left for s in below) + 0.5 * height and right - left >= WRAP_WIDTH * (
        entry_right - entry_left
    )


def _entry(pieces: list[Segment], text: str) -> Segment:
    first = min(pieces, key=lambda s: (-s.top, s.left))
    return Segment(
        text=text,
        left=min(s.left for s in pieces),
        bottom=min(s.bottom for s in pieces),
        right=max(s.right for s in pieces),
        top=max(s.top for s in pieces),
        height=max(s.height for s in pieces),
        first_word=first.first_word,
        size=max(s.size for s in pieces),
        contents=True,
    )
