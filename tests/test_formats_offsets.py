"""Offsets in other units: UTF-16 conversion, and placing spans by their quote (reading.anchor)."""

from __future__ import annotations

import pytest

from annotator.formats.reading import (
    CODE_POINTS,
    UNIT_CHOSEN,
    UNIT_FORMAT_DEFAULT,
    UNIT_FROM_QUOTES,
    UNIT_IRRELEVANT,
    UTF16,
    AnchorError,
    SourceSpan,
    anchor,
    find_quote,
)
from annotator.text import (
    SpanError,
    code_points_to_utf16,
    has_astral,
    utf16_length,
    utf16_to_code_points,
)

# An emoji and a CJK Extension B character (two UTF-16 units each), then Uyghur (right to left).
TEXT = "💩 Tursun 𠀋 was detained. ئۇ لاگېرغا ئېلىپ كېتىلدى."


def utf16(text: str, start: int, end: int) -> tuple[int, int]:
    """The UTF-16 offsets of a code-point span, as JavaScript would count them."""
    return len(text[:start].encode("utf-16-le")) // 2, len(text[:end].encode("utf-16-le")) // 2


def test_utf16_offsets_become_code_points_and_back():
    start = TEXT.index("was detained")
    end = start + len("was detained")
    units = utf16(TEXT, start, end)
    assert units == (start + 2, end + 2), "one extra unit for each of 💩 and 𠀋"
    assert utf16_to_code_points(TEXT, list(units)) == [start, end]
    assert code_points_to_utf16(TEXT, [start, end]) == list(units)
    assert utf16_length(TEXT) == len(TEXT.encode("utf-16-le")) // 2
    assert has_astral(TEXT)
    assert not has_astral("ئۇ لاگېرغا")


def test_an_offset_inside_a_surrogate_pair_or_past_the_end_is_refused():
    with pytest.raises(SpanError, match="falls inside the character '💩'"):
        utf16_to_code_points(TEXT, [1])
    with pytest.raises(SpanError, match="outside the text"):
        utf16_to_code_points(TEXT, [utf16_length(TEXT) + 1])


def test_quotes_say_the_unit_the_offsets_count():
    start = TEXT.index("was detained")
    end = start + len("was detained")
    as_utf16 = SourceSpan(*utf16(TEXT, start, end), "detention", quote="was detained")
    anchored = anchor(TEXT, [as_utf16])
    assert (anchored.unit, anchored.unit_source, anchored.reanchored) == (
        UTF16,
        UNIT_FROM_QUOTES,
        0,
    )
    assert [(s.start, s.end, s.quote) for s in anchored.spans] == [(start, end, "was detained")]
    as_code_points = SourceSpan(start, end, "detention", quote="was detained")
    assert anchor(TEXT, [as_code_points], default=UTF16).unit == CODE_POINTS


def test_without_quotes_the_unit_chosen_or_the_formats_default_is_used():
    start = TEXT.index("was detained")
    end = start + len("was detained")
    span = SourceSpan(*utf16(TEXT, start, end), "detention")
    chosen = anchor(TEXT, [span], unit=UTF16)
    assert (chosen.unit, chosen.unit_source) == (UTF16, UNIT_CHOSEN)
    assert TEXT[chosen.spans[0].start : chosen.spans[0].end] == "was detained"
    default = anchor(TEXT, [span], default=UTF16)
    assert default.unit_source == UNIT_FORMAT_DEFAULT
    # Read as code points, the same numbers cover other text: the person said so.
    wrong = anchor(TEXT, [span], unit=CODE_POINTS)
    assert TEXT[wrong.spans[0].start : wrong.spans[0].end] == "s detained. "
    plain = anchor("no astral here", [SourceSpan(3, 9, "x")], default=UTF16)
    assert (plain.unit, plain.unit_source) == (CODE_POINTS, UNIT_IRRELEVANT)


def test_a_span_whose_offsets_match_neither_unit_is_reanchored_by_its_quote():
    start = TEXT.index("لاگېرغا")
    spans = [
        SourceSpan(2, 8, "person", quote="Tursun"),
        SourceSpan(start + 7, start + 14, "place", quote="لاگېرغا"),  # off by seven
    ]
    anchored = anchor(TEXT, spans)
    assert anchored.reanchored == 1
    assert [s.quote for s in anchored.spans] == ["Tursun", "لاگېرغا"]
    assert anchored.spans[1].start == start


def test_a_quote_found_nowhere_refuses_the_document_naming_the_span():
    with pytest.raises(AnchorError, match=r"span 1 \(2-8\) quotes 'Tursum' but the text there"):
        anchor(TEXT, [SourceSpan(2, 8, "person", quote="Tursum")])


def test_prefix_and_suffix_choose_between_occurrences():
    text = "held, then held again, then held"
    assert find_quote(text, "held", "then ", " again") == (11, 15)
    assert find_quote(text, "held", "then ", "") in ((11, 15), (28, 32))
    assert find_quote(text, "held", near=30) == (28, 32)
    assert find_quote(text, "missing") is None


def test_overlapping_spans_are_placed_each_on_its_own():
    spans = [
        SourceSpan(2, 8, "person", quote="Tursun"),
        SourceSpan(2, 24, "detention", quote="Tursun 𠀋 was detained."),
        SourceSpan(11, 23, "detention", quote="was detained"),
    ]
    anchored = anchor(TEXT, spans)
    assert anchored.reanchored == 0
    assert [(s.start, s.end) for s in anchored.spans] == [(2, 8), (2, 24), (11, 23)]
    for span in anchored.spans:
        assert TEXT[span.start : span.end] == span.quote
