"""Reading WebAnno TSV 3 (INCEpTION's and WebAnno's tab-separated export).

The format (WebAnno's user guide, "WebAnno TSV 3.3 File format"): a header
``#FORMAT=WebAnno TSV 3.x`` and one line per layer (``#T_SP=`` span layers, ``#T_CH=``
chains, ``#T_RL=`` relations, each with its features after ``|``), then sentences: one or
more ``#Text=`` lines (a sentence's text, split at its line breaks, with ``\\t``, ``\\n``,
``\\r``, ``\\f``, ``\\b``, ``\\\\`` and a backslash before other control characters escaped),
then a line per token and sub-token: ``1-2<TAB>4-8<TAB>Haag<TAB>`` and a column per feature.

Text and offsets. The document's text is made as WebAnno makes it: each sentence at the
offset of its first token, after the previous one and a line break, gaps filled with spaces.
Offsets count UTF-16 code units (WebAnno is Java; the guide says so and its example gives
😊 two), so they are converted to code points; each token's own text is its quote, and
decides: a file whose tokens match only when counted in code points is read so.

Spans. The span layers read are named entities (``…ner.type.NamedEntity``, its ``value``)
and custom layers (``webanno.custom.*``, their first feature that is not a slot, or the one
called ``label``/``value``): each annotation one span, its category that feature's value
(the layer's short name when empty), its other features and the layer in its attributes.
``_`` is no annotation and ``*`` one without a value; ``[n]`` joins the tokens of one
multi-token annotation and tells stacked ones apart (``PER[1]|PERpart[2]``). Linguistic
layers (tokens, POS, lemmas, dependencies…) are not spans of this product and are skipped,
counted in the notes, and so are chains and relations (which the product does not have yet).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from annotator.formats.reading import (
    CODE_POINTS,
    UNIT_FROM_QUOTES,
    UNIT_IRRELEVANT,
    UTF16,
    CorpusLine,
    CorpusSpan,
    plural,
)
from annotator.text import SpanError, has_astral, utf16_length, utf16_to_code_points

NAMED_ENTITY = "de.tudarmstadt.ukp.dkpro.core.api.ner.type.NamedEntity"
CUSTOM_PREFIX = "webanno.custom."
_FORMAT = re.compile(r"^#FORMAT=WebAnno TSV 3(?:\.(\d+))?\s*$")
_TOKEN = re.compile(r"^(\d+)-(\d+)(?:\.(\d+))?$")
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_TEXT_ESCAPE = re.compile(r"\\(t|n|r|f|b|\\|[\x00-\x07\x0e-\x1f])")
_TEXT_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f", "b": "\b", "\\": "\\"}
_VALUE_ESCAPE = re.compile(r"\\(\\|\[|\]|\||_|->|;|t|n|\*)")
_VALUE_ESCAPES = {"t": "\t", "n": "\n"}
_ID = re.compile(r"^(.*?)(?:\[(\d+)(?:_\d+)?\])?$", re.DOTALL)


class WebAnnoError(ValueError):
    """A file that is not WebAnno TSV 3; the message says why."""


def is_webanno_tsv(data: bytes) -> bool:
    """Whether ``data`` begins with WebAnno TSV 3's format line."""
    first = data.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip().decode("utf-8", "replace")
    return bool(_FORMAT.match(first))


@dataclass
class _Layer:
    kind: str  # "SP", "CH" or "RL"
    name: str
    features: list[str]
    columns: list[tuple[str, str]] = field(default_factory=list)
    """(feature, role) per column: role "value", "slot", "target", "governor"."""

    @property
    def short(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    @property
    def read(self) -> bool:
        return self.kind == "SP" and (
            self.name == NAMED_ENTITY or self.name.startswith(CUSTOM_PREFIX)
        )

    @property
    def label_feature(self) -> str:
        values = [feature for feature, role in self.columns if role == "value"]
        for preferred in ("label", "value"):
            if preferred in values:
                return preferred
        return values[0] if values else ""


def _layer(line: str) -> _Layer:
    kind, _, spec = line[3:].partition("=")
    name, *features = spec.split("|")
    layer = _Layer(kind, name, features)
    index = 0
    while index < len(features):
        feature = features[index]
        if feature.startswith("ROLE_"):
            layer.columns += [(feature, "slot"), (feature, "target")]
            index += 2
            continue
        if feature.startswith("BT_"):
            layer.columns.append((feature, "governor"))
        else:
            layer.columns.append((feature, "value"))
        index += 1
    return layer


def _unescape_text(value: str) -> str:
    return _TEXT_ESCAPE.sub(lambda m: _TEXT_ESCAPES.get(m.group(1), m.group(1)), value)


def _unescape_value(value: str) -> str:
    return _VALUE_ESCAPE.sub(lambda m: _VALUE_ESCAPES.get(m.group(1), m.group(1)), value)


def _stacked(cell: str) -> list[str]:
    """A cell's stacked values, split at ``|`` that is not escaped."""
    return re.split(r"(?<!\\)\|", cell)


@dataclass
class _Annotation:
    layer: _Layer
    values: dict[str, str]
    start: int  # UTF-16
    end: int


def read_webanno_tsv(data: bytes, *, name: str, offset_unit: str = "") -> CorpusLine:
    """The document of a WebAnno TSV 3 file, or why it cannot be read (``error``)."""
    try:
        return _read(data, name, offset_unit)
    except WebAnnoError as error:
        return CorpusLine(0, data, error=str(error))


def _read(data: bytes, name: str, offset_unit: str) -> CorpusLine:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise WebAnnoError(f"It is not UTF-8 (byte {error.start}).") from None
    lines = re.split(r"\r\n|\n", content)
    if not lines or not _FORMAT.match(lines[0].strip()):
        raise WebAnnoError(
            'It is not WebAnno TSV 3: its first line is not "#FORMAT=WebAnno TSV 3.x".'
        )
    layers: list[_Layer] = []
    text = ""
    length16 = 0  # the text's length in UTF-16 units, as WebAnno counts
    sentence: list[str] = []
    first_token = True
    annotations: dict[tuple[str, str], _Annotation] = {}
    plain: list[_Annotation] = []
    tokens: list[tuple[int, int, str, int]] = []  # start, end (UTF-16), form, line
    skipped: dict[str, int] = {}
    columns: list[tuple[_Layer, str, str]] = []
    for number, line in enumerate(lines[1:], start=2):
        if line.startswith(("#T_SP=", "#T_CH=", "#T_RL=")):
            layer = _layer(line)
            layers.append(layer)
            columns += [(layer, feature, role) for feature, role in layer.columns]
            continue
        if line.startswith("#Text="):
            if not sentence:
                first_token = True
            sentence.append(_unescape_text(line[len("#Text=") :]))
            continue
        if line.startswith("#") or not line.strip():
            continue
        fields = line.split("\t")
        token_id = _TOKEN.match(fields[0])
        offsets = _RANGE.match(fields[1]) if len(fields) > 1 else None
        if token_id is None or offsets is None or len(fields) < 3:
            raise WebAnnoError(
                f"{name}, line {number}: {line[:60]!r} is not a token line "
                '("1-1<TAB>0-5<TAB>word<TAB>…").'
            )
        begin, end = int(offsets.group(1)), int(offsets.group(2))
        if first_token and token_id.group(3) is None:
            if sentence:
                if length16 > begin:  # no gap: the previous sentence's line break goes
                    text, length16 = text[:-1], length16 - 1
                if length16 < begin:
                    text += " " * (begin - length16)
                    length16 = begin
                body = "\n".join(sentence)
                text += body + "\n"
                length16 += utf16_length(body) + 1
                sentence = []
            first_token = False
        form = _unescape_value(fields[2])
        tokens.append((begin, end, form, number))
        cells = fields[3:]
        if len(cells) > len(columns):
            cells = cells[: len(columns)]
        values_by_layer: dict[int, list[list[str]]] = {}
        for (layer, feature, role), cell in zip(columns, cells, strict=False):
            if cell in ("_", ""):
                continue
            if not layer.read:
                skipped[layer.short] = skipped.get(layer.short, 0) + 1
                continue
            values_by_layer.setdefault(id(layer), [])
            values_by_layer[id(layer)].append([feature, role, cell])
        for layer in layers:
            entries = values_by_layer.get(id(layer))
            if entries:
                _annotate(layer, entries, begin, end, annotations, plain)
    if not tokens:
        raise WebAnnoError(f"{name}: it has no tokens.")
    if text.endswith("\n"):
        text = text[:-1]
    unit = _unit(text, tokens, offset_unit, name)
    spans = []
    for annotation in [*annotations.values(), *plain]:
        layer = annotation.layer
        label = annotation.values.get(layer.label_feature, "")
        attributes: dict[str, Any] = {"webanno_layer": layer.name}
        attributes.update(
            {
                feature: value
                for feature, value in annotation.values.items()
                if feature != layer.label_feature and value
            }
        )
        start, stop = _converted(text, unit, [annotation.start, annotation.end])
        spans.append(
            CorpusSpan(start, stop, label or layer.short, text[start:stop], attributes=attributes)
        )
    spans.sort(key=lambda span: (span.start, span.end))
    notes = [f"{plural(len(spans), 'span')} from {_layers(layers)}"]
    if skipped:
        notes.append(
            "not imported: "
            + ", ".join(f"{layer} ({plural(count, 'cell')})" for layer, count in skipped.items())
        )
    astral = has_astral(text)
    if astral and spans:
        notes.append(
            "offsets counted in "
            + ("UTF-16 code units" if unit == UTF16 else "Unicode code points")
            + " (the tokens' texts)"
        )
    return CorpusLine(
        number=0,
        raw=data,
        text=text,
        metadata={"webanno_format": lines[0].strip()[len("#FORMAT=") :]},
        spans=tuple(spans),
        offset_unit=unit if spans else "",
        offset_unit_source=(UNIT_FROM_QUOTES if astral else UNIT_IRRELEVANT) if spans else "",
        notes=tuple(notes),
        extractor="webanno-tsv",
        content_type="text/tab-separated-values",
    )


def _converted(text: str, unit: str, offsets: list[int]) -> list[int]:
    return utf16_to_code_points(text, offsets) if unit == UTF16 else offsets


def _unit(text: str, tokens: list[tuple[int, int, str, int]], chosen: str, name: str) -> str:
    """The unit under which every token's offsets cover its own text (UTF-16 first, as
    WebAnno writes them); ``WebAnnoError`` naming the first token that fits neither."""
    first_bad: tuple[int, int, str, int] = (0, 0, "", 0)
    for unit in dict.fromkeys((chosen or UTF16, UTF16, CODE_POINTS)):
        bad = None
        for start, end, form, number in tokens:
            try:
                begin, stop = _converted(text, unit, [start, end])
            except SpanError:
                bad = (start, end, form, number)
                break
            if text[begin:stop] != form:
                bad = (start, end, form, number)
                break
        if bad is None:
            return unit
        if not first_bad[3]:
            first_bad = bad
    start, end, form, number = first_bad
    raise WebAnnoError(
        f"{name}, line {number}: the token {form[:40]!r} at {start}-{end} is not what the "
        "sentences' text holds there, counted in UTF-16 units or in code points."
    )


def _layers(layers: list[_Layer]) -> str:
    read = [layer.short for layer in layers if layer.read]
    return ", ".join(read) if read else "no span layer that is read (named entities, custom)"


def _annotate(
    layer: _Layer,
    entries: list[list[str]],
    begin: int,
    end: int,
    annotations: dict[tuple[str, str], _Annotation],
    plain: list[_Annotation],
) -> None:
    """Add one token's cells of a layer to the annotations they belong to."""
    value_cells = [(feature, cell) for feature, role, cell in entries if role == "value"]
    if not value_cells:
        return
    stacks = [(feature, _stacked(cell)) for feature, cell in value_cells]
    depth = max(len(values) for _, values in stacks)
    for position in range(depth):
        values: dict[str, str] = {}
        identifier = ""
        for feature, stacked in stacks:
            raw = stacked[position] if position < len(stacked) else "*"
            match = _ID.match(raw)
            value = match.group(1) if match else raw
            identifier = identifier or (match.group(2) or "" if match else "")
            values[feature] = "" if value in ("*", "_") else _unescape_value(value)
        key = (layer.name, identifier)
        if identifier and key in annotations:
            annotation = annotations[key]
            annotation.start = min(annotation.start, begin)
            annotation.end = max(annotation.end, end)
            continue
        annotation = _Annotation(layer, values, begin, end)
        if identifier:
            annotations[key] = annotation
        else:
            plain.append(annotation)
