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


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode bytes of unknown encoding; return the text and the encoding used.

    A byte-order mark decides first, then strict UTF-8 (the overwhelmingly common case,
    and never a false positive on non-UTF-8 text of any length), then charset-normalizer's
    detection for legacy encodings such as Windows-1252 or GB18030.
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
