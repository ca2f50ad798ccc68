"""Extractors: the original bytes of a source file in, its raw text and metadata out.

Pure functions, no Django. An extractor does not normalise: ``annotator.text.canonicalize``
does that for every format alike. Each extraction names its extractor and version, and the
steps it took, so that a document's provenance says exactly how its text was derived.

One module per family of formats (``text``, ``html``, ``pdf``, ``docx``); each registers its
file-name suffixes in ``EXTRACTORS``. An extractor raises ``ExtractionError`` with a message
for the person importing (never a traceback) when a file cannot become text.

Corpora and archives are no single document, so the importer opens them itself; their
suffixes are registered here beside the extractors' (``CORPUS_SUFFIXES``,
``ARCHIVE_SUFFIXES``) so that ``importable_suffixes`` names everything an import takes,
and a format added anywhere shows in every message and form that lists them.

A document that declares no language gets one detected from its text (``detect_language``,
with the Lingua detector), recorded as ``metadata["language"]`` with
``metadata["language_detected"]`` saying so and how sure the detector was; when the text is
too short, the detector unsure, or the text in a language it does not know (Uyghur among
them), nothing is recorded rather than a wrong language.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from annotator.extractors.base import Extraction, ExtractionError
from annotator.extractors.docx import extract_docx
from annotator.extractors.html import extract_html
from annotator.extractors.pdf import extract_pdf
from annotator.extractors.text import decode_text, extract_plain_text

if TYPE_CHECKING:
    from lingua import LanguageDetector

__all__ = [
    "ARCHIVE_SUFFIXES",
    "COMPANION_FILE_NAMES",
    "CORPUS_SUFFIXES",
    "EXTRACTORS",
    "Extraction",
    "ExtractionError",
    "decode_text",
    "detect_language",
    "extract",
    "importable_suffixes",
    "supported_suffixes",
    "title_from_text",
]


def _markdown(data: bytes) -> Extraction:
    return extract_plain_text(data, markdown=True)


EXTRACTORS: dict[str, Callable[[bytes], Extraction]] = {
    ".txt": extract_plain_text,
    ".text": extract_plain_text,
    ".md": _markdown,
    ".markdown": _markdown,
    ".html": extract_html,
    ".htm": extract_html,
    ".xhtml": extract_html,
    ".pdf": extract_pdf,
    ".docx": extract_docx,
}


# Corpora with their spans, which the importer reads itself (annotator.formats' readers):
# JSON Lines (doccano, this product), JSON (Label Studio, W3C Web Annotation, by content),
# CoNLL / IOB, WebAnno TSV 3, brat's .ann (with its .txt), UIMA XMI (with TypeSystem.xml).
# A .txt whose lines are tokens and IOB tags is read as CoNLL too.
CORPUS_SUFFIXES = (
    ".jsonl",
    ".ndjson",
    ".json",
    ".jsonld",
    ".conll",
    ".conll03",
    ".iob",
    ".bio",
    ".tsv",
    ".ann",
    ".xmi",
)
# Files read with the corpus files beside them, by name: brat's configuration, UIMA's types.
COMPANION_FILE_NAMES = (
    "annotation.conf",
    "visual.conf",
    "tools.conf",
    "kb_shortcuts.conf",
    "typesystem.xml",
)
ARCHIVE_SUFFIXES = (".zip",)


def supported_suffixes() -> list[str]:
    """The suffixes an extractor turns into one document's text."""
    return sorted(EXTRACTORS)


def importable_suffixes() -> list[str]:
    """Every suffix an import takes: the extractors', the corpora's and the archives'."""
    return sorted({*EXTRACTORS, *CORPUS_SUFFIXES, *ARCHIVE_SUFFIXES})


def extract(filename: str, data: bytes) -> Extraction:
    """Choose the extractor by the file name's suffix and run it."""
    suffix = PurePath(filename).suffix.lower()
    extractor = EXTRACTORS.get(suffix)
    if extractor is None:
        raise ExtractionError(
            f"Files of type {suffix or '(no suffix)'!r} cannot be imported; "
            f"supported: {', '.join(importable_suffixes())}."
        )
    if not data:
        raise ExtractionError("The file is empty.")
    extraction = extractor(data)
    if extraction.metadata.get("language"):
        return extraction
    detected = detect_language(extraction.text)
    if detected is None:
        return extraction
    metadata = {**extraction.metadata, "language": detected["code"], "language_detected": detected}
    return dataclasses.replace(extraction, metadata=metadata)


# Language detection. A text shorter than this many letters tells too little; a detection
# less sure than this is not recorded. Long texts are sampled: so many stretches of so many
# characters, spread over the text (a report's cover page alone may be in another language).
MIN_LANGUAGE_LETTERS = 50
MIN_LANGUAGE_CONFIDENCE = 0.8
LANGUAGE_SAMPLES = 4
LANGUAGE_SAMPLE_CHARACTERS = 1500

# Letters of languages the detector does not know, in the scripts of languages it does:
# Uyghur (ۆ ۇ ۈ ې ۋ ڭ ە), Kazakh and Kyrgyz in Arabic script, Pashto, Sorani Kurdish and
# Sindhi besides Arabic, Persian and Urdu; Uyghur, Tatar, Bashkir, Tajik and Chuvash in
# Cyrillic besides Russian, Kazakh and the others. The detector would take their texts for
# the nearest language it knows (Uyghur for Arabic, sure of it): where they make a share of
# the script's letters, nothing is recorded.
_FOREIGN_LETTERS = {
    "arabic": frozenset(
        "ۆۇۈېۋڭەٵٶٷٸ"  # Uyghur, Kazakh
        "ټځڅډړږښۍ"  # Pashto
        "ڵڕێ"  # Sorani Kurdish
        "ٺٻٽٿڀڄڊڌڍڎڙڦڱڳ"  # Sindhi
    ),
    "cyrillic": frozenset("җҗҙҘҡҠҫҪӣӢӯӮҳҲҷҶӑӐӗӖҫӳӲ"),
}
_SCRIPT_OF_LANGUAGE = {
    **dict.fromkeys(("ar", "fa", "ur"), "arabic"),
    **dict.fromkeys(("ru", "uk", "be", "bg", "mk", "sr", "kk", "mn"), "cyrillic"),
}
_SCRIPT_RANGES = {"arabic": ("\u0600", "\u06ff"), "cyrillic": ("\u0400", "\u052f")}
FOREIGN_LETTER_SHARE = 0.01
# Letters without which a text is not in the language: every Turkish text of some length
# has ı, ş or ğ, an Azerbaijani one ə, a Kazakh one ә, ғ, қ, ұ, һ or і. Uzbek, Uyghur in Latin
# letters and Kyrgyz, which the detector does not know, have none of them.
_SIGNATURE_LETTERS = {
    "tr": frozenset("ıİşŞğĞ"),
    "az": frozenset("əƏ"),
    "kk": frozenset("әӘғҒқҚұҰһҺіІ"),
}

_DETECTOR: LanguageDetector | None = None
_DETECTOR_LOCK = threading.Lock()


def _language_detector() -> LanguageDetector:
    """The detector, built once, on first use: all the languages it knows.

    Building is quick; each script's language models load the first time a text in that
    script is detected (about 0.4 s for the Latin script's). A detector restricted to a
    few languages loads faster but is sure of wrong answers for the rest (Polish taken for
    Portuguese), so none is left out.
    """
    global _DETECTOR
    with _DETECTOR_LOCK:
        if _DETECTOR is None:
            from lingua import LanguageDetectorBuilder

            _DETECTOR = LanguageDetectorBuilder.from_all_languages().build()
        return _DETECTOR


def _language_sample(text: str) -> str:
    """The text, or stretches of it spread evenly over it when it is long."""
    size = LANGUAGE_SAMPLES * LANGUAGE_SAMPLE_CHARACTERS
    if len(text) <= size:
        return text
    step = len(text) // LANGUAGE_SAMPLES
    return "\n".join(
        text[start : start + LANGUAGE_SAMPLE_CHARACTERS]
        for start in range(0, step * LANGUAGE_SAMPLES, step)
    )


def _plausible(code: str, sample: str) -> bool:
    """Whether the detected language can be the text's, by the letters it uses."""
    script = _SCRIPT_OF_LANGUAGE.get(code)
    if script is not None:
        low, high = _SCRIPT_RANGES[script]
        letters = [c for c in sample if low <= c <= high and c.isalpha()]
        foreign = sum(c in _FOREIGN_LETTERS[script] for c in letters)
        if letters and foreign >= max(2, FOREIGN_LETTER_SHARE * len(letters)):
            return False
    signature = _SIGNATURE_LETTERS.get(code)
    return signature is None or any(c in signature for c in sample)


def detect_language(text: str) -> dict[str, Any] | None:
    """The language of ``text`` as ``{"code": "en", "confidence": 0.97}``, or ``None``.

    The code is ISO 639-1. ``None`` when the text has fewer than ``MIN_LANGUAGE_LETTERS``
    letters, when the detector is less sure than ``MIN_LANGUAGE_CONFIDENCE``, and when the
    text's letters show a language the detector does not know (``_plausible``).
    """
    sample = _language_sample(text)
    if sum(c.isalpha() for c in sample) < MIN_LANGUAGE_LETTERS:
        return None
    values = _language_detector().compute_language_confidence_values(sample)
    if not values or values[0].value < MIN_LANGUAGE_CONFIDENCE:
        return None
    code = values[0].language.iso_code_639_1.name.lower()
    if not _plausible(code, sample):
        return None
    return {"code": code, "confidence": round(values[0].value, 2)}


def title_from_text(text: str, *, fallback: str, max_length: int = 200) -> str:
    """A title for a text that carries none: its first non-blank line if short, else fallback.

    The line's runs of whitespace count as one space. Only the first non-blank line is read,
    and of it only enough words to know it is too long: ``n`` words make at least ``2n - 1``
    characters, so a line with more than ``max_length // 2 + 1`` words is never a title.
    """
    most_words = max_length // 2 + 1
    start = 0
    while start <= len(text):
        end = text.find("\n", start)
        if end == -1:
            end = len(text)
        words = text[start:end].split(None, most_words)
        if words:
            if len(words) > most_words:
                return fallback
            stripped = " ".join(words)
            return stripped if len(stripped) <= max_length else fallback
        start = end + 1
    return fallback
