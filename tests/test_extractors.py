import codecs
import random

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


# --- UTF-16 without a byte-order mark ------------------------------------------------------

LATIN = "The detainee was held without charge for 14 days.\nWitnesses said he was beaten.\n"
UYGHUR = "ئاكام تۇتقۇن قىلىندى. ئۇ لاگېرغا ئەۋەتىلدى، ئائىلىسىگە خەۋەر قىلىنمىدى.\n"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize(
    "text", [LATIN, UYGHUR, LATIN + UYGHUR, "Hi"], ids=["latin", "uyghur", "mixed", "short"]
)
def test_utf16_without_a_byte_order_mark_is_text(text, encoding):
    extraction = extract("testimony.txt", text.encode(encoding))
    assert extraction.text == text
    assert extraction.metadata["encoding"] in {encoding, encoding.replace("-", "_")}
    assert extraction.steps[0].startswith("decode:utf")


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_long_utf16_without_a_byte_order_mark_is_recognised_by_its_zero_bytes(encoding):
    text = (LATIN + UYGHUR) * 200
    assert decode_text(text.encode(encoding)) == (text, encoding)


def test_chinese_utf16_without_a_byte_order_mark_is_text():
    text = "他被拘留了十四天，没有受到任何指控。证人说他遭到殴打。\n" * 5
    for encoding in ("utf-16-le", "utf-16-be"):
        assert extract("testimony.txt", text.encode(encoding)).text == text


def png_bytes() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    image = Image.new("RGB", (64, 48), "white")
    for x in range(0, 64, 3):
        image.putpixel((x, x % 48), (x * 4, 0, 255 - x))
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        png_bytes(),
        random.Random(12).randbytes(4096),  # noqa: S311 (fixed, not secret)
        random.Random(13).randbytes(4097),  # noqa: S311
        bytes(range(256)) * 8,
        bytes(4096),
        b"\x01\x00" * 2048,
    ],
    ids=["png", "random", "random, odd length", "every byte", "zeros", "control characters"],
)
def test_binary_is_still_refused(data):
    with pytest.raises(ExtractionError, match="binary"):
        extract("photo.txt", data)
