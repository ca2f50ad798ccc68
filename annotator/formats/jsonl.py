"""Reading JSONL corpora: one document a line, with the spans another tool (or this one) made.

Each line is a JSON object with at least ``text``. Spans come in any of three forms:

- doccano's sequence-labelling export: ``"label": [[start, end, "category"], …]``;
- doccano's newer form: ``"entities": [{"start_offset": …, "end_offset": …, "label": …}]``;
- this product's own export: ``"spans": [{"start": …, "end": …, "category": …, "quote": …,
  "note": …, …}]``, written beside doccano's ``label`` for the same spans.

Offsets are half-open. This product's spans count Unicode code points and carry their
quote, which decides (``annotator.formats.reading.anchor``). doccano's carry no quote, and
its editor counts UTF-16 code units (JavaScript string indices; only spans made through its
API count code points): they are read as UTF-16 units unless the person importing says
otherwise (``offset_unit``), which matters only for texts with characters outside the BMP.
The unit used is recorded with the document.

Round trips. A file exported here, edited in doccano and exported again holds both
``spans`` (kept by doccano as metadata, stale) and the edited ``label``. When ``label`` is
not what the export wrote (the spans of the whole export, or of one layer), doccano's edit
wins: the spans are read from ``label``, each keeping the note and attributes of the
exported span it still equals, and the line's notes say how many were added, removed and
moved. A ``label`` entry equal to an exported span is read in code points, as written.

A span is checked here against the line's own text; a line with any bad span is refused as
a whole rather than imported with spans missing. Other keys are metadata: ``metadata`` or
``meta`` objects are merged in, ``id`` is kept as ``source_id`` (unless the metadata already
has one, from an earlier import: then it stays, and ``id`` is kept as ``exported_id``).

Relations. A line's ``relations`` (doccano's, or this product's export's), each
``{"id", "from_id", "to_id", "type"}``, link two of its spans by their ``id``: the ids of
``entities`` where the line has them (doccano), else those of ``spans`` (this product's
export; a ``label`` entry has no id). They become the line's ``relations``, imported with
its spans, their ``id`` (and ``note`` or any other key) kept in their attributes. One whose
end is no span of the line, or a span doccano's edit removed or moved, or whose two ends
are one span, is left out, and the line's notes say which and why; its spans are imported.

Writing is ``annotator.formats.jsonl_writer`` (``jsonl_lines``, importable from here too).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from annotator.formats.jsonl_writer import jsonl_lines
from annotator.formats.reading import (
    CODE_POINTS,
    LONE_SURROGATE,
    UTF16,
    AnchorError,
    CorpusLine,
    CorpusRelation,
    CorpusSpan,
    SourceSpan,
    anchor,
    anchoring_notes,
    plural,
)
from annotator.text import has_astral

__all__ = ["CorpusLine", "CorpusSpan", "json_lines", "jsonl_lines", "read_jsonl"]

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
    "created",
    "modified",
)


class _LineError(ValueError):
    pass


def json_lines(data: bytes) -> Iterator[tuple[int, bytes]]:
    """The lines of a JSON Lines file with their numbers, split at "\\n" only ("\\r\\n" too).

    Not ``str.splitlines``: it also breaks at U+2028, U+2029, U+0085, form feeds and other
    separators that a JSON string holds as they are, which would cut a record in two.
    """
    for number, line, _ in json_lines_at(data):
        yield number, line


def json_lines_at(data: bytes, start: int = 0) -> Iterator[tuple[int, bytes, int]]:
    """``json_lines`` with the byte offset of each line in ``data`` (plus ``start``)."""
    for number, line in enumerate(data.split(b"\n"), start=1):
        yield number, line.rstrip(b"\r"), start
        start += len(line) + 1


def read_jsonl(data: bytes, *, offset_unit: str = "") -> Iterator[CorpusLine]:
    """Every non-blank line of a JSONL corpus, parsed and checked, in order.

    ``offset_unit`` (``"code-points"`` or ``"utf-16"``) is the unit doccano's spans were
    counted in, when the person importing knows it; "" reads them as UTF-16 units.
    """
    skipped = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    for number, raw, at in json_lines_at(data[skipped:] if skipped else data, skipped):
        if not raw.strip():
            continue
        try:
            yield _line(number, raw, offset_unit, (at, at + len(raw)))
        except _LineError as error:
            yield CorpusLine(number=number, raw=raw, error=f"Line {number}: {error}")


def _line(number: int, raw: bytes, offset_unit: str, at: tuple[int, int]) -> CorpusLine:
    try:
        record = _decode(raw.decode("utf-8"))
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
    spans, unit, unit_source, notes, ends = _spans(record, text, offset_unit)
    metadata: dict[str, Any] = {}
    for key in ("metadata", "meta"):
        if isinstance(record.get(key), dict):
            metadata.update(record[key])
    for key, value in record.items():
        if key in ("text", "metadata", "meta", "text_sha256", "source_sha256", *SPAN_KEYS):
            continue
        if key in ("relations", "incidents"):  # not imported: neither metadata nor refused
            continue
        if key == "id":
            metadata["exported_id" if "source_id" in metadata else "source_id"] = value
        else:
            metadata[key] = value
    text_hash = record.get("text_sha256")
    relations, left_out = _relations(record.get("relations"), ends)
    notes = (*notes, *left_out)
    incidents = record.get("incidents")
    if isinstance(incidents, list) and incidents:
        notes = (*notes, f"{plural(len(incidents), 'incident')} not imported (spans only)")
    return CorpusLine(
        number=number,
        raw=raw,
        text=text,
        metadata=metadata,
        spans=spans,
        relations=relations,
        text_sha256=text_hash if isinstance(text_hash, str) else "",
        offset_unit=unit,
        offset_unit_source=unit_source,
        notes=notes,
        bytes_at=at,
    )


def _refuse_constant(name: str) -> None:
    raise _LineError(f"it contains {name}, which is not a number JSON allows.")


# ``json.loads`` with a keyword builds a decoder for every call; one serves every line.
_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)


def _decode(text: str) -> Any:
    """``json.loads(text, parse_constant=_refuse_constant)``, with its one decoder."""
    if text.startswith("\ufeff"):  # as json.loads refuses it
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
    return _DECODER.decode(text)


def _check_values(value: Any, where: str) -> None:
    """Refuse what JSON parses but text and databases cannot hold.

    Lone surrogates (``"\\ud800"``) are not characters, U+0000 outside the text cannot be
    stored by PostgreSQL, and numbers too large for a float (``1e400``) become infinity.
    The text's own NUL characters are removed by canonicalisation, like any file's.
    """
    if isinstance(value, str):
        if _has_surrogate(value):
            raise _LineError(f"{where} contains {LONE_SURROGATE}.")
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


Triple = tuple[int, int, str]
# What a relation's end id names: the index of a span of the line, or None for a span the
# line had but that is not imported (doccano's edit removed or moved it).
Ends = dict[int | str, int | None]


def _spans(
    record: dict[str, Any], text: str, offset_unit: str
) -> tuple[tuple[CorpusSpan, ...], str, str, tuple[str, ...], Ends]:
    """The line's spans in code points, the unit read and why, notes for the report, and
    the spans its relations may name, by id (see the module)."""
    own_items = _list(record, "spans") if "spans" in record else None
    own = (
        [_own_span(item, index) for index, item in enumerate(own_items, start=1)]
        if own_items is not None
        else None
    )
    doccano: list[SourceSpan] | None = None
    entities: list | None = None
    if "entities" in record and (own is None or record["entities"]):
        entities = items = _list(record, "entities")
        doccano = [_entity(item, index) for index, item in enumerate(items, start=1)]
    elif "label" in record:
        items = _list(record, "label")
        doccano = [_doccano_span(item, index) for index, item in enumerate(items, start=1)]
    if own is not None and own_items is not None and (doccano is None or _unedited(own, doccano)):
        if entities and doccano is not None:  # doccano wrote the line: its ids name the ends
            by_triple: dict[Triple, int] = {}
            for index, span in enumerate(own):
                by_triple.setdefault(_triple(span), index)
            ends = _ids(entities, [by_triple.get(_triple(span)) for span in doccano])
        else:
            ends = _ids(own_items, list(range(len(own))))
        return (*_anchored(text, own, offset_unit, CODE_POINTS), ends)
    if doccano is None:
        return (), "", "", (), {}
    if own is None or own_items is None:
        ends = _ids(entities, list(range(len(doccano)))) if entities else {}
        return (*_anchored(text, doccano, offset_unit, UTF16), ends)
    edited, unit, unit_source, notes, origin = _edited(text, own, doccano, offset_unit)
    if entities:
        position = {source: index for index, source in enumerate(origin)}
        ends = _ids(entities, [position.get(source) for source in range(len(doccano))])
    else:  # the exported spans' ids: each names the span still equal to it, if any
        now: dict[Triple, int] = {}
        for index, placed in enumerate(edited):
            now.setdefault((placed.start, placed.end, placed.category), index)
        ends = _ids(own_items, [now.get(_triple(span)) for span in own])
    return edited, unit, unit_source, notes, ends


def _ids(items: list, indexes: list[int | None]) -> Ends:
    """Each item's ``id`` (a whole number or text), with the index of the span it became."""
    ends: Ends = {}
    for item, index in zip(items, indexes, strict=True):
        identifier = _identifier(item.get("id") if isinstance(item, dict) else None)
        if identifier is not None:
            ends.setdefault(identifier, index)
    return ends


def _identifier(value: Any) -> int | str | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    return value


def _relations(value: Any, ends: Ends) -> tuple[tuple[CorpusRelation, ...], tuple[str, ...]]:
    """The line's relations between its spans, and a note for each one left out."""
    if value is None or value == []:
        return (), ()
    if not isinstance(value, list):
        return (), ('"relations" is not a list: no relation imported',)
    relations: list[CorpusRelation] = []
    notes: list[str] = []
    for number, item in enumerate(value, start=1):
        identifier = _identifier(item.get("id")) if isinstance(item, dict) else None
        name = f"relation {number}" if identifier is None else f"relation {identifier!r}"
        why = ""
        found: list[int] = []
        if not isinstance(item, dict):
            why = "it is not an object"
        elif not isinstance(item.get("type"), str) or not item["type"].strip():
            why = "it has no type"
        else:
            for key in ("from_id", "to_id"):
                end = _identifier(item.get(key))
                index = ends.get(end) if end is not None else None
                if end is None:
                    why = f"its {key} names no span"
                elif end not in ends:
                    why = f"its {key} is {end!r}, and no span of the line has that id"
                elif index is None:
                    why = (
                        f"its {key} is {end!r}, a span not imported (doccano's edit removed "
                        "or moved it)"
                    )
                if why or index is None:
                    break
                found.append(index)
            if not why and found[0] == found[1]:
                why = "both its ends are the one span"
        if why:
            notes.append(f"{name} not imported: {why}")
            continue
        attributes = {k: v for k, v in item.items() if k not in ("from_id", "to_id", "type")}
        relations.append(CorpusRelation(found[0], found[1], item["type"].strip(), attributes))
    return tuple(relations), tuple(notes)


def _anchored(
    text: str, spans: list[SourceSpan], unit: str, default: str
) -> tuple[tuple[CorpusSpan, ...], str, str, tuple[str, ...]]:
    try:
        anchored = anchor(text, spans, unit=unit, default=default)
    except AnchorError as error:
        raise _LineError(str(error)) from None
    return (
        anchored.spans,
        anchored.unit if spans else "",
        anchored.unit_source if spans else "",
        anchoring_notes(anchored, has_astral(text)),
    )


def _triple(span: SourceSpan) -> Triple:
    return (span.start or 0, span.end or 0, span.category)


def _layers(own: list[SourceSpan]) -> list[list[Triple]]:
    """What the export may have written as ``label``: every span, or one layer's (the gold
    layer's, which may be empty, unless the export was of reviewers' layers only)."""
    groups: dict[Any, list[Triple]] = {}
    for span in own:
        groups.setdefault(span.attributes.get("layer"), []).append(_triple(span))
    empty: list[list[Triple]] = [] if "gold" in groups else [[]]
    return [[_triple(span) for span in own], *groups.values(), *empty]


def _unedited(own: list[SourceSpan], doccano: list[SourceSpan]) -> bool:
    label = sorted(_triple(span) for span in doccano)
    return any(sorted(group) == label for group in _layers(own))


def _edited(
    text: str, own: list[SourceSpan], doccano: list[SourceSpan], offset_unit: str
) -> tuple[tuple[CorpusSpan, ...], str, str, tuple[str, ...], list[int]]:
    """doccano's edited ``label`` over the stale exported ``spans`` (see the module), and
    the index in ``doccano`` each span comes from."""
    exported = {_triple(span): span for span in own}
    written = [index for index, span in enumerate(doccano) if _triple(span) in exported]
    changed = [index for index, span in enumerate(doccano) if _triple(span) not in exported]
    as_written = [doccano[index] for index in written]
    edited = [doccano[index] for index in changed]
    kept, _, _, _ = _anchored(text, as_written, CODE_POINTS, CODE_POINTS)
    new, unit, unit_source, notes = _anchored(text, edited, offset_unit, UTF16)
    spans = []
    for span in (*kept, *new):
        match = exported.get((span.start, span.end, span.category))
        if match is not None:
            span = CorpusSpan(
                span.start,
                span.end,
                span.category,
                quote=text[span.start : span.end],
                note=match.note,
                attributes=match.attributes,
            )
        spans.append(span)
    # Against the group of exported spans the label came from: the one it shares most with.
    now = {(span.start, span.end, span.category) for span in spans}
    before = max(({*group} for group in _layers(own)), key=lambda group: len(group & now))
    added = sorted(now - before)
    removed = sorted(before - now)
    moved = 0
    for old in list(removed):
        partner = next(
            (new for new in added if new[2] == old[2] and new[0] < old[1] and old[0] < new[1]),
            None,
        )
        if partner is not None:
            moved += 1
            removed.remove(old)
            added.remove(partner)
    change = (
        f"edits made in doccano kept over the exported spans: {plural(len(added), 'span')} added, "
        f"{len(removed)} removed, {moved} moved"
    )
    order = sorted(range(len(spans)), key=lambda index: (spans[index].start, spans[index].end))
    origin = [*written, *changed]
    return (
        tuple(spans[index] for index in order),
        unit or (CODE_POINTS if kept else ""),
        unit_source,
        (change, *notes),
        [origin[index] for index in order],
    )


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


def _doccano_span(item: Any, index: int) -> SourceSpan:
    if not isinstance(item, list) or len(item) != 3:
        raise _LineError(f'label {index} is not [start, end, "category"].')
    start, end, category = item
    return SourceSpan(
        _offset(start, "start", index), _offset(end, "end", index), _category(category, index)
    )


def _entity(item: Any, index: int) -> SourceSpan:
    if not isinstance(item, dict):
        raise _LineError(f"entity {index} is not an object.")
    return SourceSpan(
        _offset(item.get("start_offset"), "start", index),
        _offset(item.get("end_offset"), "end", index),
        _category(item.get("label"), index),
    )


def _own_span(item: Any, index: int) -> SourceSpan:
    if not isinstance(item, dict):
        raise _LineError(f"span {index} is not an object.")
    quote = item.get("quote")
    note = item.get("note") or ""
    if quote is not None and not isinstance(quote, str):
        raise _LineError(f"span {index} has a quote that is not text.")
    return SourceSpan(
        start=_offset(item.get("start"), "start", index),
        end=_offset(item.get("end"), "end", index),
        category=_category(item.get("category"), index),
        quote=quote,
        note=note if isinstance(note, str) else str(note),
        attributes={key: item[key] for key in _SPAN_ATTRIBUTES if item.get(key) not in (None, "")},
    )
