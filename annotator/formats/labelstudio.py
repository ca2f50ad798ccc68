"""Label Studio's JSON exports of a text project: every task, with each annotator's spans.

Two shapes are read (https://labelstud.io/guide/export.html):

- **JSON**: a list of tasks, ``{"id", "data": {"text": …}, "annotations": [{"id",
  "completed_by", "result": [{"id", "type": "labels", "value": {"start", "end", "text",
  "labels": [...]}}, …]}, …], "predictions": [...]}``. The text is ``data.text``, or the
  first string of ``data``. Each annotation is one layer, named after its annotator
  (``annotator 3``, from ``completed_by``), each prediction one too (``prediction
  <model_version>``); cancelled annotations are left out and counted.
- **JSON-MIN**: a flat list of ``{"text", "label": [{"start", "end", "text", "labels"}],
  "annotator", "id", …}``, one row per annotation; the key of the spans is the labelling
  control's name, so any key holding such a list is read.

A region with several labels becomes one span per label. A region's ``id`` is kept, and
what refers to it comes along in its spans' attributes: per-region ``textarea`` text as the
note, per-region ``choices``, and ``relation`` results (``from_id``, ``to_id``,
``direction``, ``labels``), for when the product has relations. Other results (whole-task
choices, ratings) are counted in the task's notes.

Offsets. Label Studio's editor has counted JavaScript string indices (UTF-16 units) in some
versions and code points in others (label-studio issues 1008, 1347 and pull request 1559),
so the region's ``text`` decides (``reading.anchor``). A region without ``text`` on a text
with characters outside the BMP needs the unit said at import.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from annotator.formats.reading import (
    CODE_POINTS,
    LONE_SURROGATE,
    AnchorError,
    CorpusLine,
    SourceSpan,
    anchor,
    anchoring_notes,
    plural,
)
from annotator.text import has_astral

# Keys of a JSON-MIN row that are about the annotation, not the task's data.
_MIN_ANNOTATION_KEYS = (
    "id",
    "annotator",
    "annotation_id",
    "created_at",
    "updated_at",
    "lead_time",
)


class LabelStudioError(ValueError):
    """The file as a whole is not a Label Studio export; the message says why."""


def label_studio_shape(value: Any) -> str:
    """``"json"``, ``"json-min"`` or "" for parsed JSON: which Label Studio export it is."""
    if not isinstance(value, list) or not value or not all(isinstance(i, dict) for i in value):
        return ""
    if all(
        isinstance(task.get("data"), dict)
        and any(key in task for key in ("annotations", "predictions", "completions"))
        for task in value
    ):
        return "json"
    if all(_min_regions(row) is not None for row in value):
        return "json-min"
    return ""


def read_label_studio(value: list[Any], *, offset_unit: str = "") -> Iterator[CorpusLine]:
    """Every task of a parsed Label Studio export as a document (or why not), in order."""
    shape = label_studio_shape(value)
    if not shape:
        raise LabelStudioError("It is not a Label Studio JSON or JSON-MIN export.")
    numbers: dict[str, int] = {}  # JSON-MIN annotators that are no number, numbered
    for number, item in enumerate(value, start=1):
        place = f"task {number}" + (f" (id {item['id']})" if "id" in item else "")
        try:
            raw = json.dumps(item, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:  # JSON's escapes can make a lone surrogate, not text
            yield CorpusLine(
                number=number,
                raw=json.dumps(item).encode("ascii"),
                place=place,
                error=f"{place[:1].upper()}{place[1:]}: it contains {LONE_SURROGATE}.",
            )
            continue
        try:
            if shape == "json":
                yield _task(number, raw, item, place, offset_unit)
            else:
                yield _min_row(number, raw, item, place, offset_unit, numbers)
        except (AnchorError, ValueError) as error:
            yield CorpusLine(
                number=number,
                raw=raw,
                place=place,
                error=f"{place[:1].upper()}{place[1:]}: {error}",
            )


def _text_of(data: dict[str, Any]) -> str:
    text = data.get("text")
    if not isinstance(text, str):
        text = next((value for value in data.values() if isinstance(value, str)), None)
    if not isinstance(text, str) or not text.strip():
        raise ValueError('it has no text ("data.text", or another string in "data").')
    return text


def _annotator(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id", value.get("email", ""))
    return str(value) if value not in (None, "") else ""


def _task(number: int, raw: bytes, task: dict[str, Any], place: str, unit: str) -> CorpusLine:
    data = task["data"]
    text = _text_of(data)
    spans: list[SourceSpan] = []
    notes: list[str] = []
    cancelled = others = 0
    annotations = task.get("annotations", task.get("completions")) or []
    if not isinstance(annotations, list):
        raise ValueError('"annotations" is not a list.')
    for annotation in annotations:
        if not isinstance(annotation, dict):
            raise ValueError("an annotation is not an object.")
        if annotation.get("was_cancelled"):
            cancelled += 1
            continue
        who = _annotator(annotation.get("completed_by"))
        layer = f"annotator {who}" if who else f"annotation {annotation.get('id', '?')}"
        provenance = {
            key: annotation[key]
            for key in ("id", "created_at", "updated_at", "lead_time")
            if annotation.get(key) not in (None, "")
        }
        provenance = {"annotation_" + key: value for key, value in provenance.items()}
        if who:
            provenance["completed_by"] = who
        found, skipped = _results(annotation.get("result"), layer, provenance)
        spans += found
        others += skipped
    for prediction in task.get("predictions") or []:
        if not isinstance(prediction, dict):
            raise ValueError("a prediction is not an object.")
        model = str(prediction.get("model_version") or prediction.get("id") or "")
        layer = f"prediction {model}".strip()
        provenance = {"prediction": model} if model else {}
        if prediction.get("score") is not None:
            provenance["score"] = prediction["score"]
        found, skipped = _results(prediction.get("result"), layer, provenance)
        spans += found
        others += skipped
    if cancelled:
        notes.append(f"{plural(cancelled, 'cancelled annotation')} left out")
    if others:
        notes.append(f"{plural(others, 'result')} of other types (choices, ratings…) not imported")
    metadata = {
        key: value for key, value in data.items() if isinstance(value, str | int | float | bool)
    }
    metadata.pop("text", None)
    if isinstance(task.get("meta"), dict):
        metadata.update(task["meta"])
    if "id" in task:
        metadata["source_id"] = task["id"]
    return _line(number, raw, text, spans, metadata, place, unit, notes)


def _results(results: Any, layer: str, provenance: dict[str, Any]) -> tuple[list[SourceSpan], int]:
    """The spans of one annotation's results, and how many results were of other kinds."""
    if results is None:
        return [], 0
    if not isinstance(results, list):
        raise ValueError('"result" is not a list.')
    regions: dict[str, dict[str, Any]] = {}
    relations: list[dict[str, Any]] = []
    others = 0
    for result in results:
        if not isinstance(result, dict):
            raise ValueError("a result is not an object.")
        kind = result.get("type")
        value: dict[str, Any] = result["value"] if isinstance(result.get("value"), dict) else {}
        region = str(result.get("id", ""))
        if kind == "relation":
            relations.append(
                {
                    key: result[key]
                    for key in ("from_id", "to_id", "direction", "labels")
                    if key in result
                }
            )
        elif kind == "labels" and "start" in value:
            regions.setdefault(region, {}).setdefault("labels", []).append(value)
        elif region and kind in ("textarea", "choices") and "start" in value:
            regions.setdefault(region, {})[kind] = value.get("text" if kind == "textarea" else kind)
        else:
            others += 1
    spans = []
    for region, parts in regions.items():
        for value in parts.get("labels", []):
            attributes = dict(provenance)
            if region:
                attributes["region_id"] = region
            if "choices" in parts:
                attributes["choices"] = parts["choices"]
            linked = [
                r for r in relations if region and region in (r.get("from_id"), r.get("to_id"))
            ]
            if linked:
                attributes["relations"] = linked
            note = parts.get("textarea")
            spans += _region_spans(value, layer, attributes, note)
    return spans, others


def _region_spans(
    value: dict[str, Any], layer: str, attributes: dict[str, Any], note: Any
) -> list[SourceSpan]:
    start, end = value.get("start"), value.get("end")
    for offset in (start, end):
        if isinstance(offset, bool) or not isinstance(offset, int):
            raise ValueError(f"a region has an offset that is not a whole number: {offset!r}.")
    quote = value.get("text")
    labels = value.get("labels")
    if not isinstance(labels, list) or not labels:
        raise ValueError(f"the region at {start}-{end} has no labels.")
    if isinstance(note, list):
        note = "\n".join(str(part) for part in note)
    return [
        SourceSpan(
            start,
            end,
            str(label).strip(),
            quote=quote if isinstance(quote, str) else None,
            note=str(note or ""),
            attributes=attributes,
            layer=layer,
            label=f"the region {start}-{end} ({label})",
        )
        for label in labels
        if str(label).strip()
    ]


def _min_regions(row: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]] | None:
    """The keys of a JSON-MIN row that hold regions with labels; None if there are none."""
    found = [
        (key, value)
        for key, value in row.items()
        if isinstance(value, list)
        and value
        and all(
            isinstance(item, dict) and "start" in item and isinstance(item.get("labels"), list)
            for item in value
        )
    ]
    return found or None


def _min_row(
    number: int,
    raw: bytes,
    row: dict[str, Any],
    place: str,
    unit: str,
    numbers: dict[str, int],
) -> CorpusLine:
    regions = _min_regions(row) or []
    keys = {key for key, _ in regions}
    text = row.get("text")
    if not isinstance(text, str):
        text = next(
            (
                value
                for key, value in row.items()
                if isinstance(value, str) and key not in (*_MIN_ANNOTATION_KEYS, *keys)
            ),
            None,
        )
    if not isinstance(text, str) or not text.strip():
        raise ValueError('it has no text ("text", or another string field).')
    who = _annotator(row.get("annotator"))
    if who and not who.isdigit():  # an e-mail address: numbered, not shown in a layer name
        who = str(numbers.setdefault(who, len(numbers) + 1))
    layer = f"annotator {who}" if who else ""
    provenance = {
        key: row[key]
        for key in ("annotator", "annotation_id", "created_at", "updated_at", "lead_time")
        if row.get(key) not in (None, "")
    }
    spans = [
        span
        for _, values in regions
        for value in values
        for span in _region_spans(value, layer, provenance, None)
    ]
    metadata = {
        key: value
        for key, value in row.items()
        if key not in (*keys, *_MIN_ANNOTATION_KEYS, "text") and isinstance(value, str | int)
    }
    if "id" in row:
        metadata["source_id"] = row["id"]
    return _line(number, raw, text, spans, metadata, place, unit, [])


def _line(
    number: int,
    raw: bytes,
    text: str,
    spans: list[SourceSpan],
    metadata: dict[str, Any],
    place: str,
    unit: str,
    notes: list[str],
) -> CorpusLine:
    if spans and all(span.quote is None for span in spans) and has_astral(text) and not unit:
        raise ValueError(
            "its regions carry no text to check them against and its text has characters "
            "outside the Basic Multilingual Plane: say whether the offsets count code points "
            "or UTF-16 units (the import's offsets option)."
        )
    anchored = anchor(text, spans, unit=unit, default=CODE_POINTS)
    return CorpusLine(
        number=number,
        raw=raw,
        text=text,
        metadata=metadata,
        spans=anchored.spans,
        place=place,
        offset_unit=anchored.unit if spans else "",
        offset_unit_source=anchored.unit_source if spans else "",
        notes=(*notes, *anchoring_notes(anchored, has_astral(text))),
        extractor="label-studio",
        content_type="application/json",
    )
