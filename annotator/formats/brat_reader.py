"""Reading brat standoff: a ``.txt`` with its ``.ann``, and ``annotation.conf``'s categories.

brat (https://brat.nlplab.org/standoff.html) keeps each document's text unchanged in
``<name>.txt`` (UTF-8) and its annotations in ``<name>.ann``, one per line, tab-separated:

- ``T1<TAB>Type 0 5;7 10<TAB>text``: a text-bound annotation, with one or more fragments.
  Offsets are characters of the ``.txt`` as written: brat's server decodes it as UTF-8 into
  a Python string and indexes that, so they are Unicode code points (a byte-order mark or a
  carriage return counts as one, and canonicalisation maps them away afterwards). The text
  column is the fragments' texts joined by one space (brat's ``DISCONT_SEP``), and, since
  other tools write brat too (some in Java, which counts UTF-16 units), it decides
  (``reading.anchor``).
- ``A1<TAB>Name T1 Value`` (or ``M1``, brat's older modifiers): an attribute, without a value
  for a binary one (then ``true``). ``EvidenceStatus`` and ``SourceType``, as this product
  exports them, become the spans' evidence attributes again.
- ``#1<TAB>AnnotatorNotes T1<TAB>note``: the note of the annotation; other note types are
  kept in its attributes.
- ``R1<TAB>Type Arg1:T1 Arg2:T2``: a relation from ``Arg1`` to ``Arg2``. It becomes a
  relation of the document (``CorpusLine.relations``, with ``brat_id``), imported into the
  layer with its spans. One that cannot link two spans is left out and the document's notes
  say why, naming it and its line: an argument not in the file, an event or relation as an
  argument, an annotation kept as several fragments (which of them would be a guess), or
  the same span at both ends.
- ``E1<TAB>Type:T3 Role:T1 …``, ``*<TAB>Equiv T1 T2`` and ``N1<TAB>Reference T1 db:id<TAB>
  text``: events, equivalences and normalisations, which the product does not import as
  such. Each of them, and each relation too, is kept, structured, in the attributes of
  every span it involves (``relations``, ``events``, ``equivalences``, ``normalizations``,
  with brat's ids), and every span keeps its ``brat_id``: nothing of the file is lost.

Discontinuous annotations. Fragments separated only by whitespace (brat's way of marking a
span across a line break, and this product's brat export's) become the one span that covers
them; otherwise each fragment becomes a span of its own, sharing the annotation's
``brat_id`` with ``fragment`` and ``fragments`` in its attributes: a covering span would
claim the words between them, which nobody marked.

``annotation.conf``: the ``[entities]`` section (and the types of ``[events]``, whose
triggers are text-bound annotations) as categories in a taxonomy file's form, nested by
their tab indentation; ``!Type`` (not to be used) is kept as a grouping parent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from annotator.formats.reading import (
    CODE_POINTS,
    AnchorError,
    CorpusLine,
    CorpusRelation,
    SourceSpan,
    anchor,
    anchoring_notes,
)
from annotator.text import SpanError, has_astral, utf16_to_code_points

DISCONTINUOUS_SEPARATOR = " "
# This product's brat export writes the evidence attributes under these names.
EVIDENCE_ATTRIBUTES = {"EvidenceStatus": "evidence_status", "SourceType": "source_type"}
_OFFSETS = re.compile(r"^\d+ \d+(?:;\d+ \d+)*$")
_LINES = re.compile(r"\r\n|\r|\n")
_STORAGE = re.compile(r"^[A-Za-z0-9_-]+$")


class BratError(ValueError):
    """A ``.ann`` that cannot be read; the message names the line."""


@dataclass
class _Textbound:
    id: str
    type: str
    fragments: list[tuple[int, int]]
    text: str
    line: int


def read_brat(txt: bytes, ann: bytes, *, name: str, offset_unit: str = "") -> CorpusLine:
    """The document of a brat pair: the ``.txt``'s text and the ``.ann``'s annotations.

    ``name`` is the ``.ann``'s, for messages. A document with any line that cannot be read
    is refused whole (``error``), naming the line.
    """
    try:
        text = txt.decode("utf-8")
    except UnicodeDecodeError as error:
        return CorpusLine(
            0, txt, error=f"Its .txt is not UTF-8 (byte {error.start}), as brat needs."
        )
    try:
        lines = _split(ann)
        spans, notes, relations = _annotations(text, lines, name, offset_unit)
    except BratError as error:
        return CorpusLine(0, txt, error=str(error))
    except AnchorError as error:
        return CorpusLine(0, txt, error=f"{name}: {error}")
    return CorpusLine(
        number=0,
        raw=txt,
        text=text,
        spans=spans.spans,
        relations=relations,
        offset_unit=spans.unit if spans.spans else "",
        offset_unit_source=spans.unit_source if spans.spans else "",
        notes=(*notes, *anchoring_notes(spans, has_astral(text))),
        extractor="brat",
        content_type="text/plain",
    )


def _split(ann: bytes) -> list[str]:
    try:
        content = ann.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BratError(f"The .ann is not UTF-8 (byte {error.start}).") from None
    return _LINES.split(content.removeprefix("\ufeff"))


def _annotations(
    text: str, lines: list[str], name: str, unit: str
) -> tuple[Any, list[str], tuple[CorpusRelation, ...]]:
    textbounds: dict[str, _Textbound] = {}
    extras: dict[str, dict[str, Any]] = {}

    def extra(target: str, key: str, value: Any, number: int) -> None:
        if target not in textbounds and not target.startswith(("E", "R")):
            raise BratError(f"{name}, line {number}: it refers to {target}, which is not there.")
        extras.setdefault(target, {}).setdefault(key, []).append(value)

    notes_of: dict[str, list[str]] = {}
    pending: list[tuple[int, str]] = []
    relation_lines: list[tuple[int, dict[str, Any]]] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        if line.startswith("T"):
            textbound = _textbound(line, number, name)
            if textbound.id in textbounds:
                raise BratError(f"{name}, line {number}: {textbound.id} is defined twice.")
            textbounds[textbound.id] = textbound
        else:
            pending.append((number, line))
    events: dict[str, dict[str, Any]] = {}
    for number, line in pending:
        fields = line.split("\t")
        identifier = fields[0]
        body = fields[1].split() if len(fields) > 1 else []
        if identifier.startswith(("A", "M")) and len(body) in (2, 3):
            attribute, target = body[0], body[1]
            value: Any = body[2] if len(body) == 3 else True
            if target.startswith("T"):
                extra(target, "attributes", (attribute, value), number)
            else:
                extras.setdefault(target, {}).setdefault("attributes", []).append(
                    (attribute, value)
                )
        elif identifier.startswith("#") and len(body) == 2:
            note = fields[2] if len(fields) > 2 else ""
            if body[0] == "AnnotatorNotes" and body[1].startswith("T"):
                if body[1] not in textbounds:
                    raise BratError(
                        f"{name}, line {number}: it refers to {body[1]}, which is not there."
                    )
                notes_of.setdefault(body[1], []).append(note)
            else:
                extras.setdefault(body[1], {}).setdefault("notes", []).append(
                    {"id": identifier, "type": body[0], "text": note}
                )
        elif identifier.startswith("R") and len(body) >= 1:
            arguments = _arguments(body[1:])
            relation = {"id": identifier, "type": body[0], "arguments": arguments}
            for target in arguments.values():
                if target in textbounds or target.startswith(("E", "R")):
                    extra(target, "relations", relation, number)
            relation_lines.append((number, relation))
        elif identifier.startswith("E") and body and ":" in body[0]:
            kind, trigger = body[0].split(":", 1)
            arguments = _arguments(body[1:])
            event: dict[str, Any] = {
                "id": identifier,
                "type": kind,
                "trigger": trigger,
                "arguments": arguments,
            }
            events[identifier] = event
            for target in {trigger, *arguments.values()}:
                extra(target, "events", event, number)
        elif identifier == "*" and body:
            equivalence = {"type": body[0], "members": body[1:]}
            for target in body[1:]:
                extra(target, "equivalences", equivalence, number)
        elif identifier.startswith("N") and len(body) == 3:
            normalization = {
                "id": identifier,
                "type": body[0],
                "reference": body[2],
                "text": fields[2] if len(fields) > 2 else "",
            }
            extra(body[1], "normalizations", normalization, number)
        else:
            raise BratError(
                f"{name}, line {number}: {line[:60]!r} is not a brat annotation "
                "(T, A, M, R, E, N, # or * line)."
            )
    _merge_trigger_twins(textbounds, extras, events)
    # Attributes of events go with them; what refers to an event, with its trigger's span.
    for identifier, event in events.items():
        for key, values in extras.pop(identifier, {}).items():
            if key == "attributes":
                event["attributes"] = dict(values)
            elif event["trigger"] in textbounds:
                extras.setdefault(event["trigger"], {}).setdefault(key, []).extend(values)
    spans: list[SourceSpan] = []
    indexes: dict[str, list[int]] = {}
    for textbound in textbounds.values():
        attributes: dict[str, Any] = {"brat_id": textbound.id}
        for key, values in extras.get(textbound.id, {}).items():
            if key == "attributes":
                for attribute, value in values:
                    if attribute in EVIDENCE_ATTRIBUTES:
                        attributes[EVIDENCE_ATTRIBUTES[attribute]] = value
                    else:
                        attributes.setdefault("brat_attributes", {})[attribute] = value
            else:
                attributes[key] = values
        note = "\n".join(notes_of.get(textbound.id, []))
        first = len(spans)
        spans += _fragments(text, textbound, attributes, note, name)
        indexes[textbound.id] = list(range(first, len(spans)))
    anchored = anchor(text, spans, unit=unit, default=CODE_POINTS)
    relations, notes = _relations(relation_lines, indexes, events)
    split = sum(1 for span in spans if span.attributes.get("fragment") == 1)
    if split:
        notes.append(
            f"{split} discontinuous annotation{'s' if split > 1 else ''} kept as one span per "
            "fragment (brat_id in their attributes)"
        )
    return anchored, notes, relations


def _relations(
    lines: list[tuple[int, dict[str, Any]]],
    indexes: dict[str, list[int]],
    events: dict[str, dict[str, Any]],
) -> tuple[tuple[CorpusRelation, ...], list[str]]:
    """The ``R`` lines that link two spans, as relations between span indexes, and a note
    for each of the others saying why it is left out (see the module)."""
    relations: list[CorpusRelation] = []
    notes: list[str] = []
    for number, relation in lines:
        identifier, arguments = relation["id"], relation["arguments"]
        ends = [arguments[role] for role in ("Arg1", "Arg2") if role in arguments]
        if len(ends) < 2:  # other role names: the first two, in the line's order
            ends = list(arguments.values())[:2]
        why = ""
        if len(ends) < 2:
            why = "it does not name two annotations"
        else:
            for end in ends:
                if end in events or end.startswith(("E", "R")):
                    why = f"{end} is an event or a relation, not a text-bound annotation"
                elif end not in indexes:
                    why = f"it names {end}, which is not in the file"
                elif len(indexes[end]) > 1:
                    why = (
                        f"{end} is discontinuous, kept as {len(indexes[end])} spans, and "
                        "which of them it links would be a guess"
                    )
                if why:
                    break
            else:
                if indexes[ends[0]] == indexes[ends[1]]:
                    why = f"both its ends are {ends[0]}"
        if why:
            notes.append(
                f"relation {identifier} (line {number}) not imported: {why} (it is kept in "
                "the attributes of the spans it names)"
            )
            continue
        attributes: dict[str, Any] = {"brat_id": identifier}
        if set(arguments) != {"Arg1", "Arg2"}:
            attributes["arguments"] = arguments
        relations.append(
            CorpusRelation(indexes[ends[0]][0], indexes[ends[1]][0], relation["type"], attributes)
        )
    return tuple(relations), notes


def _merge_trigger_twins(
    textbounds: dict[str, _Textbound],
    extras: dict[str, dict[str, Any]],
    events: dict[str, dict[str, Any]],
) -> None:
    """Fold an event trigger that only events refer to into the text-bound annotation of
    the same type at the same offsets (brat wants a trigger of its own, which carries no
    attribute or note, so exports write one beside the span): one passage, one span."""
    first: dict[tuple[str, tuple[tuple[int, int], ...]], str] = {}
    for textbound in textbounds.values():
        first.setdefault((textbound.type, tuple(textbound.fragments)), textbound.id)
    triggers = {event["trigger"] for event in events.values()}
    for identifier in sorted(triggers & set(textbounds)):
        textbound = textbounds[identifier]
        twin = first[(textbound.type, tuple(textbound.fragments))]
        if twin == identifier or set(extras.get(identifier, {})) - {"events"}:
            continue
        for event in events.values():
            if event["trigger"] == identifier:
                event["trigger"] = twin
        moved = extras.pop(identifier, {}).get("events", [])
        extras.setdefault(twin, {}).setdefault("events", []).extend(moved)
        del textbounds[identifier]


def _arguments(parts: list[str]) -> dict[str, str]:
    arguments = {}
    for part in parts:
        role, _, target = part.partition(":")
        if target:
            arguments[role] = target
    return arguments


def _textbound(line: str, number: int, name: str) -> _Textbound:
    fields = line.split("\t", 2)
    if len(fields) < 2:
        raise BratError(
            f"{name}, line {number}: a T line needs an id, a type with offsets and its text."
        )
    kind, _, offsets = fields[1].partition(" ")
    if not kind or not _OFFSETS.match(offsets):
        raise BratError(
            f"{name}, line {number}: {fields[1][:60]!r} is not a type followed by offsets "
            '("Type 0 5" or "Type 0 5;7 10").'
        )
    fragments = []
    for pair in offsets.split(";"):
        start, end = (int(part) for part in pair.split(" "))
        if end <= start:
            raise BratError(
                f"{name}, line {number}: the fragment {start}-{end} is empty or reversed."
            )
        fragments.append((start, end))
    return _Textbound(fields[0], kind, fragments, fields[2] if len(fields) > 2 else "", number)


def _fragments(
    text: str, textbound: _Textbound, attributes: dict[str, Any], note: str, name: str
) -> list[SourceSpan]:
    """The spans of one text-bound annotation (see the module on discontinuous ones)."""
    quotes = _quotes(text, textbound)
    if textbound.text and None in quotes:
        raise BratError(
            f"{name}, line {textbound.line}: the text of {textbound.id}, "
            f"{textbound.text[:40]!r}, is not what its fragments "
            f"{_offsets(textbound.fragments)} cover, counted in code points or in UTF-16 units."
        )
    pairs = sorted(zip(textbound.fragments, quotes, strict=True))
    fragments = [fragment for fragment, _ in pairs]
    quoted = [quote for _, quote in pairs]
    label = f"{textbound.id} (line {textbound.line})"
    if len(fragments) == 1:
        start, end = fragments[0]
        return [
            SourceSpan(
                start, end, textbound.type, quoted[0], note=note, attributes=attributes, label=label
            )
        ]
    gaps = [text[end:start] for (_, end), (start, _) in pairwise(fragments)]
    exact = all(quote == text[s:e] for (s, e), quote in pairs)
    if exact and all(gap.strip() == "" for gap in gaps):
        start, end = fragments[0][0], fragments[-1][1]
        return [
            SourceSpan(
                start,
                end,
                textbound.type,
                text[start:end],
                note=note,
                attributes=attributes,
                label=label,
            )
        ]
    return [
        SourceSpan(
            start,
            end,
            textbound.type,
            quote,
            note=note,
            attributes={**attributes, "fragment": index, "fragments": len(fragments)},
            label=f"{label}, fragment {index}",
        )
        for index, ((start, end), quote) in enumerate(pairs, start=1)
    ]


def _offsets(fragments: list[tuple[int, int]]) -> str:
    return ";".join(f"{start} {end}" for start, end in fragments)


def _quotes(text: str, textbound: _Textbound) -> list[str | None]:
    """Each fragment's text, cut from the annotation's text column (the fragments' texts
    joined by one space, in the file's order): by the fragments' lengths in code points, or
    else in UTF-16 units; ``None`` each when the column cannot be cut so."""
    fragments, column = textbound.fragments, textbound.text
    if not column:
        return [None] * len(fragments)
    if len(fragments) == 1:
        return [column]
    candidates = [[end - start for start, end in fragments]]
    try:
        converted = utf16_to_code_points(text, [o for pair in fragments for o in pair])
        candidates.append([converted[2 * i + 1] - converted[2 * i] for i in range(len(fragments))])
    except SpanError:
        pass
    for lengths in candidates:
        quotes, position = [], 0
        for length in lengths:
            quotes.append(column[position : position + length])
            position += length
            if position < len(column) and column[position] == DISCONTINUOUS_SEPARATOR:
                position += len(DISCONTINUOUS_SEPARATOR)
        if position == len(column) and all(quotes):
            return list(quotes)
    return [None] * len(fragments)


def annotation_conf_categories(data: bytes) -> list[dict[str, Any]]:
    """The categories of ``annotation.conf`` (entities, then event types) in a taxonomy
    file's form: ``code`` and ``name`` the type, ``children`` by tab indentation.

    Raises ``BratError`` when the file declares no entity or event type.
    """
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BratError(f"It is not UTF-8 (byte {error.start}).") from None
    section = ""
    roots: list[dict[str, Any]] = []
    stack: list[tuple[int, dict[str, Any]]] = []
    seen: set[str] = set()
    for raw in _LINES.split(content):
        line = raw.split("#", 1)[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        heading = re.match(r"^\[(\w+)\]$", line.strip())
        if heading:
            section, stack = heading.group(1).lower(), []
            continue
        if section not in ("entities", "events") or line.strip().startswith(("<", "-")):
            continue
        depth = len(line) - len(line.lstrip("\t"))
        code = line.strip().split("\t", 1)[0].split(" ", 1)[0].lstrip("!")
        if not _STORAGE.match(code) or code in seen:
            continue
        seen.add(code)
        category: dict[str, Any] = {"code": code, "name": code.replace("_", " ")}
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            stack[-1][1].setdefault("children", []).append(category)
        else:
            roots.append(category)
        stack.append((depth, category))
    if not roots:
        raise BratError("It declares no entity or event type.")
    return roots
