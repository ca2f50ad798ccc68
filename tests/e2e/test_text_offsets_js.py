"""The editor's offset arithmetic and quote excerpts (static/annotator/editor/text.js), run in
Chromium itself: the conversions between code points and UTF-16 units that peers get wrong."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.conftest import log_in
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e


@pytest.fixture
def text_js(page: Page) -> Page:
    UserFactory(username="someone")
    log_in(page, "someone")
    return page


def run(page: Page, body: str):
    return page.evaluate(
        f"""async () => {{
          const {{ TextIndex, graphemeBoundaries, snapToBoundary, trimSpan, overlapIntervals,
                   excerpt, isolated }} = await import('/static/annotator/editor/text.js');
          {body}
        }}"""
    )


def test_code_points_and_utf16_units_convert_both_ways(text_js: Page):
    result = run(
        text_js,
        """
        const index = new TextIndex("💩 detained in a camp\\n𠮷 Wei");
        return {
          length: index.length,
          unitOf2: index.unit(2), unitOf10: index.unit(10), unitOfWei: index.unit(23),
          cpOfUnit3: index.codePoint(3), insidePairDown: index.codePoint(1, true),
          insidePairUp: index.codePoint(1, false), slice: index.slice(2, 10),
          astralName: index.slice(21, 22),
        };""",
    )
    assert result == {
        "length": len("💩 detained in a camp\n𠮷 Wei"),
        "unitOf2": 3,
        "unitOf10": 11,
        "unitOfWei": 25,
        "cpOfUnit3": 2,
        "insidePairDown": 0,
        "insidePairUp": 1,
        "slice": "detained",
        "astralName": "𠮷",
    }


def test_plain_bmp_text_maps_one_to_one(text_js: Page):
    result = run(
        text_js,
        """
        const index = new TextIndex("ئاكام تۇتقۇن قىلىندى");
        return [index.length, index.unit(6), index.codePoint(6), index.slice(6, 12)];""",
    )
    assert result == [20, 6, 6, "تۇتقۇن"]


def test_grapheme_boundaries_keep_flags_emoji_sequences_and_accents_whole(text_js: Page):
    result = run(
        text_js,
        """
        const text = "a🇨🇳b👩🏽‍⚕️ce\\u0301";  // flag, emoji ZWJ sequence, e + combining acute
        const boundaries = graphemeBoundaries(text);
        return {
          boundaries,
          insideFlagDown: snapToBoundary(boundaries, 2, "down"),
          insideFlagUp: snapToBoundary(boundaries, 2, "up"),
          insideAccentUp: snapToBoundary(boundaries, text.length - 1, "up"),
        };""",
    )
    flag_end = 1 + 4
    assert result["boundaries"][:3] == [0, 1, flag_end]
    assert result["insideFlagDown"] == 1
    assert result["insideFlagUp"] == flag_end
    assert result["insideAccentUp"] == len("a🇨🇳b👩🏽‍⚕️ce\u0301".encode("utf-16-le")) // 2


def test_trim_and_overlaps(text_js: Page):
    result = run(
        text_js,
        """
        const index = new TextIndex("  detained \\n");
        return {
          trimmed: trimSpan(index, 0, 12),
          overlaps: overlapIntervals([{start: 0, end: 10}, {start: 5, end: 20},
                                      {start: 8, end: 9}, {start: 30, end: 40}]),
        };""",
    )
    assert result == {"trimmed": [2, 10], "overlaps": [[5, 10]]}


def test_excerpts_are_one_line_and_never_split_a_surrogate_pair(text_js: Page):
    result = run(
        text_js,
        """
        return {
          short: excerpt("detained\\n\\tin  a camp"),
          cut: excerpt("detained in a camp", 10),
          // The cut would fall between the two units of 𠮷: it falls before it instead.
          astral: excerpt("abcdefgh𠮷 Wei", 10),
          isolated: isolated("تۇتقۇن"),
        };""",
    )
    assert result == {
        "short": "detained in a camp",
        "cut": "detained …",
        "astral": "abcdefgh…",
        "isolated": "\u2068تۇتقۇن\u2069",
    }
