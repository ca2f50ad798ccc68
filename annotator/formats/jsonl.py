"""Reading JSONL corpora: one document a line, with the spans another tool (or this one) made.

Each line is a JSON object with at least ``text``. Spans come in any of three forms:

- doccano's sequence-labelling export: ``"label": [[start, end, "category"], …]``;
- doccano's newer form: ``"entities": [{"start_offset": …, "end_offset": …, "label": …}]``;
- this product's own export: ``"spans": [{"start": …, "end": …, "category": …, "quote": …,
  "note": …, …}]`` (when present it wins over ``label``, which the export also writes).

Offsets are half-open Unicode code points into ``text``, as doccano and this product count
them. A span is checked here against the line's own text (in range, not empty, and its
``quote`` equal to the text it covers when a quote is given); a line with any bad span is
refused as a whole rather than imported with spans missing. Other keys are metadata:
``metadata`` or ``meta`` objects are merged in, ``id`` is kept as ``source_id``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from annotator.formats.corpus import ExportDocument, ExportSpan

SPAN_KEYS = ("spans", "label", "entities")
# What the product's own export writes about a span besides offsets, category and quote.
_SPAN_ATTRIBUTES = (
    "layer",
    "reviewer",
    "evidence_status",
    "source_type",
    "origin",
    "proposed_by",
    "decided_by",
    "page",
)


@dataclass(frozen=True)
class CorpusSpan:
    start: int
    end: int
    category: str
    quote: str | None = None
    note: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class CorpusLine:
    """One line of a corpus: a document to import, or why it cannot be."""

    number: int
    raw: bytes
    text: str = ""
    metadata: dict[str, Any] = field(default_factory=dict)
    spans: tuple[CorpusSpan, ...] = ()
    text_sha256: str = ""
    error: str = ""


class _LineError(ValueError):
    pass


def json_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """The lines of a JSON Lines file with their numbers, split at "\\n" only ("\\r\\n" too).

    Not ``str.splitlines``: it also breaks at U+2028, U+2029, U+0085, form feeds and other
    separators that a JSON string holds as they are, which would cut a record in two.
    """
    for number, line in enumerate(data.split(b"\n"), start=1):
        yield number, line.rstrip(b"\r")


def read_jsonl(data: bytes) -> Iterator[CorpusLine]:
    """Every non-blank line of a JSONL corpus, parsed and checked, in order."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    for number, raw in json_lines(data):
        if not raw.strip():
            continue
        try:
            yield _line(number, raw)
        except _LineError as error:
            yield CorpusLine(number=number, raw=raw, error=f"Line {number}: {error}")


def _line(number: int, raw: bytes) -> CorpusLine:
    try:
        record = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as error:
        raise _LineError(f"it is not UTF-8 (byte {error.start}).") from None
    except json.JSONDecodeError as error:
        raise _LineError(f"it is not valid JSON ({error.msg} at column {error.colno}).") from None
    if not isinstance(record, dict):
        raise _LineError("it is not a JSON object.")
    _check_values(record, "the line")
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        raise _LineError('it has no "text", or the text is empty.')
    spans = _spans(record, text)
    metadata: dict[str, Any] = {}
    for key in ("metadata", "meta"):
        if isinstance(record.get(key), dict):
            metadata.update(record[key])
    for key, value in record.items():
        if key in ("text", "metadata", "meta", "text_sha256", "source_sha256", *SPAN_KEYS):
            continue
        metadata["source_id" if key == "id" else key] = value
    text_hash = record.get("text_sha256")
    return CorpusLine(
        number=number,
        raw=raw,
        text=text,
        metadata=metadata,
        spans=tuple(spans),
        text_sha256=text_hash if isinstance(text_hash, str) else "",
    )


def _refuse_constant(name: str) -> None:
    raise _LineError(f"it contains {name}, which is not a number JSON allows.")


def _check_values(value: Any, where: str) -> None:
    """Refuse what JSON parses but text and databases cannot hold.

    Lone surrogates (``"\\ud800"``) are not characters, U+0000 outside the text cannot be
    stored by PostgreSQL, and numbers too large for a float (``1e400``) become infinity.
    The text's own NUL characters are removed by canonicalisation, like any file's.
    """
    if isinstance(value, str):
        if _has_surrogate(value):
            raise _LineError(f"{where} contains a lone surrogate (\\ud800–\\udfff), not text.")
        if "\x00" in value:
            raise _LineError(f"{where} contains a NUL character (U+0000).")
    elif isinstance(value, float):
        if math.isinf(value) or math.isnan(value):
            raise _LineError(f"{where} contains a number too large to store.")
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key or _has_surrogate(key):
                raise _LineError(f"{where} has a key that is not valid text.")
            if key == "text" and isinstance(item, str):
                if _has_surrogate(item):
                    raise _LineError('"text" contains a lone surrogate (\\ud800–\\udfff).')
                continue  # its NUL characters are removed like any file's
            _check_values(item, f'"{key}"')
    elif isinstance(value, list):
        for item in value:
            _check_values(item, where)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _spans(record: dict[str, Any], text: str) -> list[CorpusSpan]:
    if "spans" in record:
        items = _list(record, "spans")
        spans = [_own_span(item, index) for index, item in enumerate(items, start=1)]
    elif "entities" in record:
        items = _list(record, "entities")
        spans = [_entity(item, index) for index, item in enumerate(items, start=1)]
    elif "label" in record:
        items = _list(record, "label")
        spans = [_doccano_span(item, index) for index, item in enumerate(items, start=1)]
    else:
        spans = []
    for index, span in enumerate(spans, start=1):
        if not 0 <= span.start < span.end:
            raise _LineError(
                f"span {index} ({span.start}-{span.end}) is empty or has a negative offset."
            )
        if span.end > len(text):
            raise _LineError(
                f"span {index} ({span.start}-{span.end}) ends beyond the text, which has "
                f"{len(text)} characters (Unicode code points)."
            )
        if span.quote is not None and text[span.start : span.end] != span.quote:
            raise _LineError(
                f"span {index} ({span.start}-{span.end}) quotes {span.quote[:40]!r} but the text "
                f"there is {text[span.start : span.end][:40]!r}."
            )
    return spans


def _list(record: dict[str, Any], key: str) -> list:
    value = record[key]
    if not isinstance(value, list):
        raise _LineError(f'"{key}" is not a list.')
    return value


def _offset(value: Any, what: str, index: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _LineError(f"span {index} has a {what} that is not a whole number: {value!r}.")
    return value


def _category(value: Any, index: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _LineError(f"span {index} has no category.")
    return value.strip()


def _doccano_span(item: Any, index: int) -> CorpusSpan:
    if not isinstance(item, list) or len(item) != 3:
        raise _LineError(f'label {index} is not [start, end, "category"].')
    start, end, category = item
    return CorpusSpan(
        _offset(start, "start", index), _offset(end, "end", index), _category(category, index)
    )


def _entity(item: Any, index: int) -> CorpusSpan:
    if not isinstance(item, dict):
        raise _LineError(f"entity {index} is not an object.")
    return CorpusSpan(
        _offset(item.get("start_offset"), "start", index),
        _offset(item.get("end_offset"), "end", index),
        _category(item.get("label"), index),
    )


def _own_span(item: Any, index: int) -> CorpusSpan:
    if not isinstance(item, dict):
        raise _LineError(f"span {index} is not an object.")
    quote = item.get("quote")
    note = item.get("note") or ""
    if quote is not None and not isinstance(quote, str):
        raise _LineError(f"span {index} has a quote that is not text.")
    return CorpusSpan(
        start=_offset(item.get("start"), "start", index),
        end=_offset(item.get("end"), "end", index),
        category=_category(item.get("category"), index),
        quote=quote,
        note=note if isinstance(note, str) else str(note),
        attributes={key: item[key] for key in _SPAN_ATTRIBUTES if item.get(key) not in (None, "")},
    )


# Writing ------------------------------------------------------------------------------------


def jsonl_lines(documents: Iterable[ExportDocument], *, label_layer: str = "") -> Iterator[str]:
    """One JSON line a document, with every span, and doccano's ``label`` for one layer.

    ``label`` holds the spans of ``label_layer`` (all spans when it is empty) as
    ``[start, end, category]``, so the file imports straight into doccano; ``spans`` holds
    every span with its quote, layer, reviewer, note and attributes, which is what this
    product reads back (``read_jsonl``).
    """
    for document in documents:
        record = {
            "id": document.id,
            "title": document.title,
            "text": document.text,
            "text_sha256": document.text_sha256,
            "source_sha256": document.source_sha256,
            "language": document.language,
            "direction": document.direction,
            "metadata": document.metadata,
            "spans": [_span_record(span) for span in document.spans],
            "label": [
                [span.start, span.end, span.category]
                for span in document.spans
                if not label_layer or span.layer == label_layer
            ],
        }
        yield json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def _span_record(span: ExportSpan) -> dict[str, Any]:
    record: dict[str, Any] = {
        "start": span.start,
        "end": span.end,
        "category": span.category,
        "quote": span.quote,
        "layer": span.layer,
    }
    if span.reviewer:
        record["reviewer"] = span.reviewer
    if span.note:
        record["note"] = span.note
    record.update(span.attributes)
    if span.created:
        record["created"] = span.created
    if span.modified:
        record["modified"] = span.modified
    return record
