"""Plain text and Markdown in any common encoding."""

from __future__ import annotations

import codecs
from typing import Any

import charset_normalizer

from annotator import __version__
from annotator.extractors.base import Extraction, ExtractionError

# A decoded text in which more than this share of characters are control characters
# (other than tab and newlines) is a binary file that happened to decode.
MAX_CONTROL_CHARACTER_SHARE = 0.01

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


# How much of a file the UTF-16 test looks at, and what it asks of it: in UTF-16 text every
# character below U+0100 (Latin letters, digits, spaces, punctuation, line breaks) has a
# zero byte, always on the same side of the pair (odd offsets in little-endian, even ones in
# big-endian), while the other side of the pair is almost never zero. Mostly Latin text has
# a zero in nearly every pair; Arabic or Uyghur in every space and line break. Random bytes
# have a zero in about one pair of 128 on each side, a PNG zeros on both sides.
UTF16_SAMPLE_BYTES = 4096
UTF16_MIN_ZERO_SHARE = 0.05
UTF16_MAX_OTHER_SIDE_SHARE = 0.05


def _utf16_without_bom(data: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when ``data`` has the pattern of zero bytes of UTF-16
    text (see above), decodes strictly and round-trips, and holds no NUL character."""
    if len(data) < 2 or len(data) % 2:
        return None
    sample = data[:UTF16_SAMPLE_BYTES]
    pairs = len(sample) // 2
    zeros_at_even, zeros_at_odd = sample[0::2].count(0), sample[1::2].count(0)
    for encoding, high, low in (
        ("utf-16-le", zeros_at_odd, zeros_at_even),
        ("utf-16-be", zeros_at_even, zeros_at_odd),
    ):
        if high < pairs * UTF16_MIN_ZERO_SHARE or low > high * UTF16_MAX_OTHER_SIDE_SHARE:
            continue
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            return None
        if "\x00" in text or text.encode(encoding) != data or _looks_binary(text):
            return None
        return encoding
    return None


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding; return the text and the encoding used.

    A byte-order mark decides first; then UTF-16 without one, recognised by where its zero
    bytes fall (mostly Latin UTF-16 is also valid UTF-8, every other byte a NUL, and was
    refused as binary); then strict UTF-8 (the overwhelmingly common case, and never a
    false positive on non-UTF-8 text of any length); then charset-normalizer's detection
    for legacy encodings such as Windows-1252 or GB18030 (and UTF-16 with few zero bytes,
    such as Chinese).
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise ExtractionError(
                    f"The file starts with a {encoding} byte-order mark but is not valid "
                    f"{encoding} (byte {error.start})."
                ) from error
    utf16 = _utf16_without_bom(data)
    if utf16 is not None:
        return data.decode(utf16), utf16
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data).best()
    if best is None or best.encoding is None:
        raise ExtractionError(
            "The file is not text in any encoding that could be recognised (it may be "
            "binary); save it as UTF-8 text and try again."
        )
    return str(best), best.encoding


_DROP_CONTROL_CHARACTERS = {code: None for code in range(32) if chr(code) not in "\t\n\r\f"}


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    controls = len(text) - len(text.translate(_DROP_CONTROL_CHARACTERS))
    return controls / len(text) > MAX_CONTROL_CHARACTER_SHARE


def extract_plain_text(data: bytes, *, markdown: bool = False) -> Extraction:
    """Plain text or Markdown, in any common encoding; Markdown is kept as written."""
    text, encoding = decode_text(data)
    if _looks_binary(text):
        raise ExtractionError("The file looks binary, not text.")
    metadata: dict[str, Any] = {"encoding": encoding}
    title = _markdown_title(text) if markdown else None
    if title:
        metadata["title"] = title
    return Extraction(
        text=text,
        extractor="markdown" if markdown else "plain-text",
        extractor_version=f"annotator {__version__}; charset-normalizer "
        f"{charset_normalizer.__version__}",
        content_type="text/markdown" if markdown else "text/plain",
        steps=(f"decode:{encoding}",),
        metadata=metadata,
    )


def _markdown_title(text: str) -> str | None:
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("# "):
            return stripped[2:].strip() or None
        if stripped:
            return None
    return None
