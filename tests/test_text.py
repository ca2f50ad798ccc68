import hashlib
import unicodedata

from annotator.text import (
    STEP_NEWLINES,
    STEP_NFC,
    STEP_REMOVE_NUL,
    STEP_STRIP_BOM,
    canonical_offsets,
    canonicalize,
    check_span_bounds,
    check_span_quote,
    lines,
    text_sha256,
)


def test_windows_and_old_mac_line_endings_become_lf():
    canonical = canonicalize("one\r\ntwo\rthree\nfour\r\n")
    assert canonical.text == "one\ntwo\nthree\nfour\n"
    assert canonical.steps == (STEP_NEWLINES,)


def test_decomposed_accents_are_composed_to_nfc():
    decomposed = unicodedata.normalize("NFD", "Ürümqi café")
    assert len(decomposed) == 14
    canonical = canonicalize(decomposed)
    assert canonical.text == "Ürümqi café"
    assert canonical.length == 11
    assert canonical.steps == (STEP_NFC,)


def test_text_already_canonical_records_no_step():
    canonical = canonicalize("already canonical\n")
    assert canonical.text == "already canonical\n"
    assert canonical.steps == ()


def test_byte_order_mark_and_nul_are_removed_in_order():
    canonical = canonicalize("\ufeffa\x00b\r\n")
    assert canonical.text == "ab\n"
    assert canonical.steps == (STEP_STRIP_BOM, STEP_NEWLINES, STEP_REMOVE_NUL)


def test_other_unicode_line_separators_are_text_and_stay():
    text = "a\u2028b\x85c\x0cd"
    assert canonicalize(text).text == text
    assert [line.text for line in lines(text)] == [text]


def test_hash_is_sha256_of_the_utf8_canonical_text():
    canonical = canonicalize("detained\r\n")
    assert canonical.sha256 == hashlib.sha256(b"detained\n").hexdigest()
    assert canonical.sha256 == text_sha256("detained\n")


def test_same_visible_text_has_one_hash_whatever_its_form():
    windows_nfd = unicodedata.normalize("NFD", "Ürümqi\r\n")
    unix_nfc = "Ürümqi\n"
    assert canonicalize(windows_nfd).sha256 == canonicalize(unix_nfc).sha256


def test_line_offsets_count_code_points_beyond_the_bmp():
    text = "💩 detained in a camp\n𠮷 Wei\n\nلاگېر"
    result = lines(text)
    assert [(line.start, line.text) for line in result] == [
        (0, "💩 detained in a camp"),
        (21, "𠮷 Wei"),
        (27, ""),
        (28, "لاگېر"),
    ]
    # Slicing the canonical text by any line's offsets gives that line back.
    for line in result:
        assert text[line.start : line.end] == line.text
    assert text[2:10] == "detained"


def check_span(text: str, start: int, end: int, quote: str) -> None:
    """A span checked against its text as saving one checks it: offsets, then quote."""
    check_span_bounds(len(text), start, end)
    check_span_quote(text[start:end], start, end, quote)


def test_check_span_accepts_code_point_offsets_and_refuses_utf16_ones():
    import pytest

    from annotator.text import SpanError

    text = "💩 detained in a camp"
    check_span(text, 2, 10, "detained")
    with pytest.raises(SpanError, match=r"text there is 'etained '"):
        check_span(text, 3, 11, "detained")
    with pytest.raises(SpanError, match="must not be empty"):
        check_span(text, 4, 4, "")
    with pytest.raises(SpanError, match="cannot be negative"):
        check_span(text, -1, 4, "x")
    with pytest.raises(SpanError, match="which has 20 characters"):
        check_span(text, 0, 21, "x")


def test_arabic_presentation_forms_become_letters_and_the_step_is_recorded():
    # "ﺋﯘﻳﻐﯘﺭ" written with presentation forms (as legacy PDFs emit it) is "ئۇيغۇر".
    legacy = "\ufe8b\ufbd8\ufef3\ufed0\ufbd8\ufead"
    result = canonicalize(f"Uyghur: {legacy}")
    assert result.text == "Uyghur: ئۇيغۇر"
    assert "arabic-presentation-forms-nfkc" in result.steps


def test_only_presentation_forms_are_folded_not_other_compatibility_characters():
    text = "ﬁ ① ｶ ½ x²"  # a Latin ligature, circled digit, half-width kana, fraction, superscript
    result = canonicalize(text)
    assert result.text == text, "NFKC must not touch what a quotation contains"
    assert "arabic-presentation-forms-nfkc" not in result.steps


def test_lam_alef_ligature_expands_to_two_letters():
    assert canonicalize("\ufefb").text == "لا"


def test_canonical_offsets_follow_the_normalisation():
    raw = "\ufeffone\r\ntwo\r\n\r\nthree e\u0301\r\nfour"
    canonical = canonicalize(raw).text
    assert canonical == "one\ntwo\n\nthree é\nfour"
    starts = [1, raw.index("two"), raw.index("three"), raw.index("four")]
    mapped = canonical_offsets(raw, starts)
    assert [canonical[m:].split("\n")[0] for m in mapped] == ["one", "two", "three é", "four"]
    assert canonical_offsets(raw, [0, len(raw)]) == [0, len(canonical)]
