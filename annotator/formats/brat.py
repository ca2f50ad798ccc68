"""brat standoff: a ``.txt`` and an ``.ann`` per document, and the configuration brat needs.

brat (https://brat.nlplab.org/standoff.html) reads ``<stem>.txt`` as UTF-8 and counts the
offsets of ``<stem>.ann`` in characters of that text: its server indexes the decoded text as
a Python string, so an offset is a Unicode code point, the unit of this product's offsets,
and the spans are written unchanged. (The server is Python 2: a "narrow" Python 2 build,
which stores strings as UTF-16, would count 𠀋 and emoji as two; Linux builds and Python 3
ports count code points.) The ``.txt`` is the canonical text itself, without a byte-order
mark, so that every offset lands where it was made.

What is written, and the rules brat's reader imposes:

- ``T1<TAB>Type 0 5<TAB>text``: a text-bound annotation. The ``.ann`` is read line by line
  with Python's universal line splitting, so no fragment may contain a line break: not only
  ``\\n`` but also ``\\r``, U+000B, U+000C, U+001C–U+001E, U+0085, U+2028 and U+2029. A span
  that crosses one is written as brat's discontinuous annotation, its fragments separated by
  ``;`` (``T1<TAB>Type 0 5;6 10<TAB>text``), each fragment a run of the span without line
  breaks, and the text field is the fragments' texts joined with one space, as brat expects
  (its ``DISCONT_SEP``). A span of line breaks alone cannot be written and is counted.
- ``#1<TAB>AnnotatorNotes T1<TAB>note``: the span's note, line breaks replaced by spaces.
- ``A1<TAB>EvidenceStatus T1 confirmed``: one per attribute asked for that the span has.
- ``R1<TAB>denies Arg1:T3 Arg2:T1``: a relation between two spans of one reviewer's layer,
  from ``Arg1`` (its source) to ``Arg2`` (its target), with ``#2<TAB>AnnotatorNotes R1``
  for its note. A relation one of whose spans could not be written is left out and
  counted. Relation types are named like categories, in the same namespace.
- ``E1<TAB>detention:T10 Victims:T4 Victims2:T5 Perpetrators:T3``: a reviewer's incident,
  as brat's event: its type the act's category and its trigger the act's span, then one
  argument per span filling a role, named after the role's code in CamelCase
  (``victims`` → ``Victims``); a role's second span is ``Victims2``, its third
  ``Victims3``, as brat numbers repeated arguments (its checks strip trailing digits,
  which is why no role name ends with one). ``A1<TAB>EvidenceStatus E1 likely`` carries the
  incident's evidence status, ``#3<TAB>AnnotatorNotes E1<TAB>…`` its note and the slots'
  involvements (``involvement: Perpetrators=direct``), which brat has no place for. brat
  refuses an attribute, a note or a relation on a trigger, and the act's span may have
  all three, so the trigger is a ``T`` line of its own (``T10<TAB>detention 18 26<TAB>
  detained``, after the spans' lines, one per act span whatever its incidents), at the
  span's offsets: the span keeps its line and its id. brat's checker then warns that the
  span's line, of an event type, is a trigger of no event with the same offsets as
  another (harmless duplication, it says). An incident whose act could not be written is
  left out and counted; a slot whose span could not be written is left out of its event.
- Type and attribute names must match ``^[A-Za-z0-9_-]+$`` (brat's storage form). A category
  code outside that (``torture / detention``, a code in Arabic script) is mapped: accents
  removed, runs of other characters replaced by ``_``, a fallback ``Category`` when nothing
  is left, and a number appended when two codes would meet (``torture_detention_2``).
  Attribute names are the keys in CamelCase (``evidence_status`` → ``EvidenceStatus``),
  attribute values are mapped like types. ``visual.conf`` labels each type with the
  category's name and original code, so the mapping is in the export; ``BratReport.types``
  gives it to the caller.
- ``annotation.conf``, written after the documents so that it can declare every type and
  attribute value met on the way: ``[entities]`` with every category, children indented by
  one tab per level under their parent, then any code met in the spans that the taxonomy
  does not have; ``[relations]`` with only ``<OVERLAP> Arg1:<ENTITY>, Arg2:<ENTITY>,
  <OVL-TYPE>:<ANY>``, because brat refuses overlapping and nested annotations unless told
  they are allowed, and reviewers' spans overlap, then each relation type with the
  categories allowed at each end and their subcategories (``denies Arg1:detention|torture,
  Arg2:detention|torture``, ``<ENTITY>`` for any), a symmetric one marked
  ``<REL-TYPE>:symmetric`` as brat documents it; ``[events]`` with the category of every
  act written, each with its roles (``detention<TAB>Victims*:victim, Date?:<ENTITY>``:
  ``*`` for a role several spans may fill, ``?`` for one, then the categories it allows
  and their subcategories), those categories then left out of ``[entities]`` since brat
  keeps one namespace of types (the spans of such a category are then, to brat, triggers
  without an event, which its checker warns about); ``[attributes]``
  with their values (``EvidenceStatus Arg:<ENTITY>, Value:confirmed|likely|…``, with
  ``|<EVENT>`` when there are events: the acts' spans and the events carry attributes).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from annotator.formats.corpus import (
    ExportCategory,
    ExportDocument,
    ExportIncidentRole,
    ExportRelationType,
    check_span,
)

# Every character Python's str.splitlines() breaks a line at: brat reads .ann files with it.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# The evidence attributes, without values: the caller passes the models' choices (this module
# cannot import them), and values met in the spans are declared in any case.
DEFAULT_ATTRIBUTES: Mapping[str, Sequence[str]] = {"evidence_status": (), "source_type": ()}
SPAN_OUTCOMES = ("spans", "fragmented", "skipped")
OVERLAP_RULE = "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>"
_LINE_BREAK = re.compile("[" + "".join(sorted(LINE_BREAKS)) + "]")
_NOT_STORAGE = re.compile(r"[^A-Za-z0-9_-]+")
_LABEL_UNSAFE = re.compile(r"[|\t" + "".join(sorted(LINE_BREAKS)) + "]+")


@dataclass
class BratReport:
    """What the export did: counts, and the names brat was given for codes and values."""

    documents: int = 0
    spans: int = 0
    fragmented: int = 0
    """Spans written as several fragments because they cross a line break."""
    skipped: int = 0
    """Spans of line breaks alone, which brat cannot mark."""
    types: dict[str, str] = field(default_factory=dict)
    """Category code → brat type, for every code used or declared."""
    renamed: dict[str, str] = field(default_factory=dict)
    """The codes and attribute values whose brat name differs from them."""
    categories: dict[str, dict[str, int]] = field(default_factory=dict)
    """``spans``, ``fragmented`` and ``skipped`` for each category code."""
    relations: int = 0
    relations_skipped: int = 0
    """Relations left out because one of their spans could not be written."""
    incidents: int = 0
    incidents_skipped: int = 0
    """Incidents left out because their act could not be written."""
    slots_skipped: int = 0
    """Role spans left out of their incident's event because they could not be written."""
    roles: dict[str, str] = field(default_factory=dict)
    """Incident role code → brat argument name, for every role used or declared."""

    def count(self, category: str, outcome: str) -> None:
        """Count one span of ``category`` under ``outcome``: spans, fragmented or skipped."""
        setattr(self, outcome, getattr(self, outcome) + 1)
        if category not in self.categories:
            self.categories[category] = dict.fromkeys(SPAN_OUTCOMES, 0)
        self.categories[category][outcome] += 1

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return asdict(self)


class _Names:
    """Stable, collision-free brat names for a family of strings (types, or one attribute's
    values): the first string to claim a name keeps it."""

    def __init__(self, fallback: str) -> None:
        self.fallback = fallback
        self.names: dict[str, str] = {}
        self._taken: set[str] = set()

    def __call__(self, value: str) -> str:
        if value not in self.names:
            base = storage_name(value) or self.fallback
            name, n = base, 1
            while name in self._taken:
                n += 1
                name = f"{base}_{n}"
            self.names[value] = name
            self._taken.add(name)
        return self.names[value]


def storage_name(value: str) -> str:
    """``value`` in brat's storage form (``[A-Za-z0-9_-]``), or "" if nothing of it is left.

    Accents are removed (``détention`` → ``detention``); other runs of characters become
    ``_``. A name of hyphens alone is refused too: brat reads such a line as a separator.
    """
    ascii_text = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    name = _NOT_STORAGE.sub("_", ascii_text).strip("_")
    return name if re.search(r"[A-Za-z0-9]", name) else ""


def attribute_name(key: str) -> str:
    """The brat attribute name of an attribute key: ``evidence_status`` → ``EvidenceStatus``."""
    parts = re.split(r"[^A-Za-z0-9]+", storage_name(key))
    return "".join(part[:1].upper() + part[1:] for part in parts) or "Attribute"


class _RoleNames:
    """Collision-free brat argument names for incident roles: CamelCase, never ending with
    a digit (brat strips trailing digits to number repeated arguments)."""

    def __init__(self, taken: set[str]) -> None:
        self.names: dict[str, str] = {}
        self._taken = set(taken)

    def __call__(self, code: str) -> str:
        if code not in self.names:
            base = attribute_name(code) if storage_name(code) else "Role"
            if base[-1].isdigit():
                base += "_"
            name, n = base, 0
            while name in self._taken:
                n += 1
                name = f"{base}_{_letters(n)}"
            self.names[code] = name
            self._taken.add(name)
        return self.names[code]


def _letters(n: int) -> str:
    """1 → "b", 2 → "c", … 25 → "z", 26 → "ba": a suffix without digits."""
    digits = ""
    n += 1
    while n:
        n, rest = divmod(n, 26)
        digits = "abcdefghijklmnopqrstuvwxyz"[rest] + digits
    return digits


def fragments(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The runs of ``text[start:end]`` that contain no line break, as (start, end) pairs."""
    runs, run_start = [], None
    for offset in range(start, end):
        if text[offset] in LINE_BREAKS:
            if run_start is not None:
                runs.append((run_start, offset))
                run_start = None
        elif run_start is None:
            run_start = offset
    if run_start is not None:
        runs.append((run_start, end))
    return runs


def brat_files(
    documents: Iterable[ExportDocument],
    categories: Sequence[ExportCategory],
    attributes: Mapping[str, Sequence[str]] | None = None,
    *,
    report: BratReport | None = None,
    relation_types: Sequence[ExportRelationType] = (),
    incident_roles: Sequence[ExportIncidentRole] = (),
) -> Iterator[tuple[str, bytes]]:
    """(name, content) pairs for a ZIP of the documents in brat's standoff format.

    For each document ``<id:06d>.txt`` and ``<id:06d>.ann``; then ``annotation.conf`` and
    ``visual.conf``. ``attributes`` maps the span attribute keys to write to their possible
    values, declared in ``annotation.conf`` in that order (by default the evidence status
    and source type, with no values known in advance); values met in the spans are declared
    too. ``report``, when given, is filled in as the pairs are produced. ``relation_types``
    are declared in ``[relations]``, with any other relation type the documents use;
    ``incident_roles`` are the arguments of the events (incidents) declared in
    ``[events]``, with any other role the documents use.
    """
    report = report if report is not None else BratReport()
    attributes = DEFAULT_ATTRIBUTES if attributes is None else attributes
    types = _Names("Category")
    for category in categories:
        types(category.code)
    declared = {relation_type.code: relation_type for relation_type in relation_types}
    for code in declared:
        types(code)
    attribute_names = {key: attribute_name(key) for key in attributes}
    values = {key: _Names("value") for key in attributes}
    for key, known in attributes.items():
        for value in known:
            values[key](str(value))
    roles = {role.code: role for role in incident_roles}
    role_names = _RoleNames(set(types.names.values()))
    for code in roles:
        role_names(code)
    events = _Events()
    for document in documents:
        stem = f"{document.id:06d}"
        report.documents += 1
        yield f"{stem}.txt", document.text.encode("utf-8")
        lines, ids = _ann_lines(document, types, attribute_names, values, report)
        notes = sum(1 for line in lines if line.startswith("#"))
        lines += _relation_lines(document, ids, notes, types, report)
        notes = sum(1 for line in lines if line.startswith("#"))
        attributes_written = sum(1 for line in lines if line.startswith("A"))
        lines += _event_lines(
            document, ids, notes, attributes_written, types, role_names, values, report, events
        )
        for relation in document.relations:
            declared.setdefault(relation.type, ExportRelationType(relation.type, relation.type))
        yield f"{stem}.ann", "".join(lines).encode("utf-8")
    for code in events.roles:
        roles.setdefault(code, ExportIncidentRole(code, code, multiple=True))
    report.types = dict(types.names)
    report.roles = dict(role_names.names)
    for names in (types, *values.values()):
        report.renamed.update({value: name for value, name in names.names.items() if value != name})
    conf = _annotation_conf(
        categories,
        types,
        attribute_names,
        values,
        list(declared.values()),
        _EventDeclarations(events, list(roles.values()), role_names),
    )
    yield "annotation.conf", conf
    yield "visual.conf", _visual_conf(categories, types)


def _ann_lines(
    document: ExportDocument,
    types: _Names,
    attribute_names: Mapping[str, str],
    values: Mapping[str, _Names],
    report: BratReport,
) -> tuple[list[str], list[str]]:
    """The span lines of the ``.ann``, and the brat id of each span ("" if not written)."""
    text = document.text
    ids: list[str] = []
    lines: list[str] = []
    t = a = note_number = 0
    for span in document.spans:
        check_span(document, span)
        runs = fragments(text, span.start, span.end)
        if not runs:
            report.count(span.category, "skipped")
            ids.append("")
            continue
        t += 1
        ids.append(f"T{t}")
        report.count(span.category, "spans")
        if len(runs) > 1:
            report.count(span.category, "fragmented")
        offsets = ";".join(f"{start} {end}" for start, end in runs)
        quoted = " ".join(text[start:end] for start, end in runs)
        lines.append(f"T{t}\t{types(span.category)} {offsets}\t{quoted}\n")
        for key, name in attribute_names.items():
            value = span.attributes.get(key)
            if value not in (None, ""):
                a += 1
                lines.append(f"A{a}\t{name} T{t} {values[key](str(value))}\n")
        if span.note:
            note_number += 1
            note = _LINE_BREAK.sub(" ", span.note)
            lines.append(f"#{note_number}\tAnnotatorNotes T{t}\t{note}\n")
    return lines, ids


def _relation_lines(
    document: ExportDocument, ids: list[str], notes: int, types: _Names, report: BratReport
) -> list[str]:
    """The ``R`` lines of the document's relations (after ``notes`` notes of its spans)."""
    lines: list[str] = []
    for relation in document.relations:
        source, target = ids[relation.source], ids[relation.target]
        if not (source and target):
            report.relations_skipped += 1
            continue
        report.relations += 1
        r = f"R{sum(1 for line in lines if line.startswith('R')) + 1}"
        lines.append(f"{r}\t{types(relation.type)} Arg1:{source} Arg2:{target}\n")
        if relation.note:
            notes += 1
            lines.append(f"#{notes}\tAnnotatorNotes {r}\t{_LINE_BREAK.sub(' ', relation.note)}\n")
    return lines


@dataclass
class _Events:
    """What the events written so far need declared: the act categories, in the order
    met, and the role codes met."""

    acts: dict[str, None] = field(default_factory=dict)
    roles: dict[str, None] = field(default_factory=dict)


@dataclass(frozen=True)
class _EventDeclarations:
    events: _Events
    roles: Sequence[ExportIncidentRole]
    role_names: _RoleNames


def _event_lines(
    document: ExportDocument,
    ids: list[str],
    notes: int,
    attributes_written: int,
    types: _Names,
    role_names: _RoleNames,
    values: Mapping[str, _Names],
    report: BratReport,
    events: _Events,
) -> list[str]:
    """The ``E`` lines of the document's incidents, each after its act's trigger (a ``T``
    line of its own, numbered after the spans'), with their evidence status (``A``, after
    ``attributes_written`` attributes) and notes (``#``, after ``notes`` notes)."""
    lines: list[str] = []
    triggers: dict[int, str] = {}
    t = sum(1 for written in ids if written)
    e = 0
    for incident in document.incidents:
        if not ids[incident.act]:
            report.incidents_skipped += 1
            continue
        report.incidents += 1
        e += 1
        act = document.spans[incident.act]
        category = act.category
        if incident.act not in triggers:
            # The act's own trigger, which nothing but events may refer to (brat refuses
            # an attribute, note or relation on a trigger): the span's line keeps those.
            t += 1
            triggers[incident.act] = trigger = f"T{t}"
            runs = fragments(document.text, act.start, act.end)
            offsets = ";".join(f"{start} {end}" for start, end in runs)
            quoted = " ".join(document.text[start:end] for start, end in runs)
            lines.append(f"{trigger}\t{types(category)} {offsets}\t{quoted}\n")
        trigger = triggers[incident.act]
        events.acts[category] = None
        arguments: list[str] = []
        involvements: list[str] = []
        seen: dict[str, int] = {}
        for role, position, involvement in incident.slots:
            target = ids[position]
            if not target:
                report.slots_skipped += 1
                continue
            events.roles[role] = None
            name = role_names(role)
            seen[name] = seen.get(name, 0) + 1
            argument = name if seen[name] == 1 else f"{name}{seen[name]}"
            arguments.append(f"{argument}:{target}")
            if involvement:
                involvements.append(f"{argument}={involvement}")
        lines.append(f"E{e}\t{' '.join([f'{types(category)}:{trigger}', *arguments])}\n")
        if incident.evidence_status and "evidence_status" in values:
            attributes_written += 1
            value = values["evidence_status"](incident.evidence_status)
            lines.append(f"A{attributes_written}\tEvidenceStatus E{e} {value}\n")
        said = [_LINE_BREAK.sub(" ", incident.note)] if incident.note else []
        if involvements:
            said.append("involvement: " + ", ".join(involvements))
        if said:
            notes += 1
            lines.append(f"#{notes}\tAnnotatorNotes E{e}\t{'; '.join(said)}\n")
    return lines


def _annotation_conf(
    categories: Sequence[ExportCategory],
    types: _Names,
    attribute_names: Mapping[str, str],
    values: Mapping[str, _Names],
    relation_types: Sequence[ExportRelationType],
    declarations: _EventDeclarations,
) -> bytes:
    acts = declarations.events.acts
    lines = ["# Written by annotator: every category of the project, then any other code used.", ""]
    lines.append("[entities]")
    declared: set[str] = set()
    for category, depth in _hierarchy([c for c in categories if c.code not in acts]):
        lines.append("\t" * depth + types(category.code))
        declared.add(category.code)
    relations = {relation_type.code for relation_type in relation_types}
    lines.extend(
        types(code)
        for code in types.names
        if code not in declared and code not in relations and code not in acts
    )
    lines += ["", "[relations]", "# Spans may overlap and nest.", OVERLAP_RULE]
    below = _descendants(categories)
    for relation_type in relation_types:
        ends = [
            "|".join(types(code) for code in _with_descendants(allowed, below)) or "<ENTITY>"
            for allowed in (relation_type.source_categories, relation_type.target_categories)
        ]
        rule = f"{types(relation_type.code)}\tArg1:{ends[0]}, Arg2:{ends[1]}"
        lines.append(rule + (", <REL-TYPE>:symmetric" if relation_type.symmetric else ""))
    lines += ["", "[events]"]
    if acts:
        arguments = ", ".join(
            _role_rule(role, declarations.role_names, types, below) for role in declarations.roles
        )
        # The acts' categories, subcategories under their parents when both are acts.
        taxonomy = {category.code for category in categories}
        in_taxonomy = [category for category in categories if category.code in acts]
        met = [(ExportCategory(code, code), 0) for code in acts if code not in taxonomy]
        for category, depth in [*_hierarchy(in_taxonomy), *met]:
            rule = types(category.code) + (f"\t{arguments}" if arguments else "")
            lines.append("\t" * depth + rule)
    lines += ["", "[attributes]"]
    for key, name in attribute_names.items():
        if values[key].names:
            # The acts' spans are of event types now, and keep their attributes.
            kinds = "<ENTITY>|<EVENT>" if acts else "<ENTITY>"
            lines.append(f"{name}\tArg:{kinds}, Value:{'|'.join(values[key].names.values())}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _role_rule(
    role: ExportIncidentRole,
    role_names: _RoleNames,
    types: _Names,
    below: Mapping[str, list[str]],
) -> str:
    """One event argument: ``Victims*:victim|child`` (``?`` for a role one span fills)."""
    allowed = "|".join(types(code) for code in _with_descendants(role.categories, below))
    return f"{role_names(role.code)}{'*' if role.multiple else '?'}:{allowed or '<ENTITY>'}"


def _descendants(categories: Sequence[ExportCategory]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for category in categories:
        if category.parent:
            children.setdefault(category.parent, []).append(category.code)
    return children


def _with_descendants(codes: Sequence[str], children: Mapping[str, list[str]]) -> list[str]:
    """The codes and their subcategories' (brat checks an argument's type as it is named)."""
    found: list[str] = []
    stack = list(reversed(codes))
    while stack:
        code = stack.pop()
        if code not in found:
            found.append(code)
            stack.extend(reversed(children.get(code, [])))
    return found


def _visual_conf(categories: Sequence[ExportCategory], types: _Names) -> bytes:
    names = {category.code: category.name for category in categories}
    lines = ["[labels]"]
    for code, name in types.names.items():
        long = f"{names[code]} ({code})" if names.get(code) else code
        lines.append(f"{name} | {_label(long)} | {_label(code)}")
    lines += ["", "[drawing]"]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _label(text: str) -> str:
    # "|" separates labels and a tab ends them; "!" at the start marks a term unused.
    return " ".join(_LABEL_UNSAFE.sub(" ", text).split()).lstrip("!") or "?"


def _hierarchy(categories: Sequence[ExportCategory]) -> Iterator[tuple[ExportCategory, int]]:
    """The categories depth first, parents before their children, each with its depth."""
    codes = {category.code for category in categories}
    children: dict[str, list[ExportCategory]] = {}
    for category in categories:
        parent = category.parent if category.parent in codes else ""
        children.setdefault(parent, []).append(category)
    seen: set[str] = set()
    stack = [(category, 0) for category in reversed(children.get("", []))]
    while stack:
        category, depth = stack.pop()
        if category.code in seen:  # a cycle, which the taxonomy refuses anyway
            continue
        seen.add(category.code)
        yield category, depth
        stack.extend((child, depth + 1) for child in reversed(children.get(category.code, [])))
    for category in categories:  # codes only reachable through a cycle
        if category.code not in seen:
            seen.add(category.code)
            yield category, 0
