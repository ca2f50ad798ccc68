import codecs

import pytest

from annotator.extractors import ExtractionError, decode_text, extract, title_from_text


def test_utf8_is_decoded_and_recorded():
    extraction = extract("note.txt", "Ürümqi — 𠮷".encode())
    assert extraction.text == "Ürümqi — 𠮷"
    assert extraction.extractor == "plain-text"
    assert extraction.content_type == "text/plain"
    assert extraction.steps == ("decode:utf-8",)
    assert extraction.metadata["encoding"] == "utf-8"


def test_utf16_with_byte_order_mark():
    data = codecs.BOM_UTF16_LE + "ئاكام تۇتقۇن قىلىندى".encode("utf-16-le")
    text, encoding = decode_text(data)
    assert text == "ئاكام تۇتقۇن قىلىندى"
    assert encoding == "utf-16"


def test_legacy_windows_1252_is_detected():
    data = (
        "The witness said: “They took my brother to the camp.” "
        "He was held for eighteen months without charge or trial, and his family was "
        "never told where he was. Café owners in the town were questioned too."
    ).encode("cp1252")
    text, encoding = decode_text(data)
    assert "“They took my brother to the camp.”" in text
    assert "Café" in text
    # cp1250 and cp1252 agree on every byte of this text; either decodes it faithfully.
    assert encoding.replace("_", "").lower() in {"cp1250", "cp1252", "windows1252"}


def test_binary_file_is_refused_with_a_reason():
    with pytest.raises(ExtractionError, match="binary"):
        extract("photo.txt", bytes(range(256)) * 8)
    with pytest.raises(ExtractionError, match="looks binary"):
        extract("data.txt", b"\x01\x02\x03\x04 valid UTF-8 but mostly control characters")


def test_empty_file_is_refused():
    with pytest.raises(ExtractionError, match="empty"):
        extract("empty.txt", b"")


def test_unsupported_suffix_names_the_supported_ones():
    with pytest.raises(ExtractionError, match=r"'\.exe'.*\.txt"):
        extract("tool.exe", b"MZ")


def test_markdown_title_is_taken_from_the_first_heading():
    extraction = extract("report.md", b"# Detention in Ghulja\n\nBody text.\n")
    assert extraction.extractor == "markdown"
    assert extraction.metadata["title"] == "Detention in Ghulja"


def test_title_from_text_uses_a_short_first_line_or_the_fallback():
    assert title_from_text("\n\n  A   short title \nbody", fallback="x") == "A short title"
    assert title_from_text("x" * 300, fallback="file") == "file"
    assert title_from_text("   \n", fallback="file") == "file"
