"""Main content: which of the page's blocks trafilatura's output covers.

Trafilatura decides which parts of the page are the main content; its text is not used, only
matched against the page's blocks by their visible characters, so that the text keeps the
page's own characters and order. Headings of the kept text, which trafilatura tends to drop,
are restored.
"""

from __future__ import annotations

from typing import Any

import lxml.html
import trafilatura

from annotator.extractors.html.blocks import Block, visible

# A block counts as main content when trafilatura's output covers at least this share of
# its visible characters (trafilatura sometimes drops an inline part, such as a "share"
# link inside a paragraph; the paragraph is then kept whole).
MIN_COVERED_SHARE = 0.5
# Trafilatura's text units at least this long (in visible characters) are placed in the
# page wherever they are found; shorter ones ("Home", "Share") only between the long ones
# around them, so that a word in the menu is not mistaken for the same word in the text.
MIN_ANCHOR_LENGTH = 25


def run_trafilatura(root: lxml.html.HtmlElement) -> Any:
    """Trafilatura's main content and metadata of the page, or ``None`` when it found none."""
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
        units.append(visible(element.text or ""))
        for child in element:
            visit(child)
            units.append(visible(child.tail or ""))

    visit(body)
    return [unit for unit in units if unit]


def select_covered(blocks: list[Block], body: Any) -> bool:
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


def restore_headings(blocks: list[Block], title: str | None) -> int:
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
    title_key = visible(title or "")
    if first_kept is not None and title_key:
        for block in blocks[:first_kept]:
            if block.heading_level and not block.in_frame and block.key == title_key:
                block.selected = True
                restored += 1
                break
    return restored
