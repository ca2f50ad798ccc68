"""W3C Web Annotation Data Model (JSON-LD): one AnnotationCollection of every span and relation.

Each span becomes an ``Annotation`` (https://www.w3.org/TR/annotation-model/):

- ``motivation`` is ``tagging``: the body is the category's code as a ``TextualBody`` with
  ``purpose: tagging``, which is how the model expresses a tag. ``classifying`` would say
  that the body is the IRI of a class in a published vocabulary; a project's categories
  have codes, not dereferenceable IRIs, so they are tags.
- More bodies, each a ``TextualBody`` with its own ``purpose``: the category's name
  (``describing``), the reviewer's or moderator's note (``commenting``) and the evidence
  attributes, ``evidence_status`` and ``source_type``, as ``key: value`` (``classifying``:
  they classify the passage as testimony of some kind and certainty). A gold span's
  provenance follows as ``describing`` bodies, ``key: value`` too, worded as in the CSV
  and JSONL exports: ``origin: moderated``, ``proposed_by: Reviewer 1; Reviewer 2`` (the
  reviewers who proposed exactly this span), ``matched_by`` (those who proposed its
  boundaries and category), ``decided_by: Moderator 1``, and the decision's ``reason`` and
  ``rationale`` when it has them.
- ``creator`` is the reviewer, ``{"type": "Person", "name": <pseudonym>}``, when the span
  has one. Gold spans are decisions of the project rather than of one person, and imported
  spans came from another tool: their creator is the ``organization`` when one is given,
  otherwise this software (the agent that wrote the serialisation, also named as
  ``generator``).
- ``created`` and ``modified`` are the span's times, ``generated`` the export's, all written
  in UTC with a ``Z`` as the model requires.
- ``target`` is a ``SpecificResource``: the document (its IRI, ``format: text/plain``, its
  ``language`` when it is a BCP 47 tag and its ``textDirection``: ``ltr``, ``rtl`` or
  ``auto``, which matters for Uyghur and other right-to-left texts) and two selectors that
  must agree: a ``TextPositionSelector`` and a ``TextQuoteSelector`` with the quote and up
  to 32 characters of context on each side.

Relations. Each relation between two spans becomes a linking annotation
(``motivation: linking``, the model's motivation for linking a target to a related
resource) whose ``target`` is the list of the two span annotations' ids, source first: the
model allows several targets, and an IRI is a target (an External Web Resource given by its
id). Its bodies: the relation type's code as a ``tagging`` TextualBody, its name
(``describing``) when known, the note (``commenting``), and, because JSON-LD keeps several
targets as a set rather than a list, ``source: <id of the source's annotation>``
(``describing``) for a directed relation or ``symmetric: true`` for a symmetric one, so
that the direction survives a JSON-LD processor. Its ``creator`` is the reviewer. Span
annotations are numbered ``…/annotations/1``, ``…/annotations/2`` whether or not there are
relations; linking annotations ``…/relations/1``, ``…/relations/2``, each document's after
its spans'.

Incidents. Each reviewer's incident record becomes one annotation, ``…/incidents/1``,
``…/incidents/2`` (each document's after its relations), whose ``target`` is the list of
its span annotations' ids, the act's first, then each slot's in the roles' order:
``motivation: linking`` since it links them; an incident whose roles no exported span fills
has its act alone as target, and is ``describing`` it. Its bodies: ``incident`` as the
``tagging`` TextualBody, ``act: <id of the act's annotation>`` (``describing``, the act
being a member of the target set too), one ``describing`` body per filled slot, ``<role>:
<id of the span's annotation>`` with `` (<involvement>)`` when it has one, the role's name
as ``role <role>: <name>`` once per role when known, the note (``commenting``) and the
evidence status (``classifying``, ``evidence_status: likely``). Its ``creator`` is the
reviewer.

Offsets. The model (section 4.2.5) counts a ``TextPositionSelector`` in *characters*, and
defines a character as a Unicode code point, not a UTF-16 code unit or a byte. That is the
unit of this product's offsets, so they are written unchanged: 𠀋 (U+2000B) counts 1,
although JavaScript's ``String.length`` counts it 2. Prefixes and suffixes are cut in code
points too, and may therefore begin or end inside a grapheme cluster (between the people of
a family emoji, say); they are exact substrings of the text all the same.

Layout. The collection embeds its one page (``first``), and the page embeds its items, so
the export is a single self-contained JSON document. The model requires ``total`` before
the items, so the caller counts the spans and relations first; the items are then written
one at a time (``w3c_collection_chunks``), never held together. A count that turns out wrong raises
``ValueError`` at the end rather than producing a collection that lies about its size.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from annotator.formats.corpus import (
    ExportDocument,
    ExportIncident,
    ExportRelation,
    ExportSpan,
    check_span,
)

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTEXT_CHARACTERS = 32
GENERATOR_NAME = "annotator"
EVIDENCE_ATTRIBUTES = ("evidence_status", "source_type")
PROVENANCE_ATTRIBUTES = ("origin", "proposed_by", "matched_by", "decided_by", "reason", "rationale")
TEXT_DIRECTIONS = ("ltr", "rtl", "auto")
# A BCP 47 language tag, loosely: what the W3C test suite accepts for "language".
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")


def w3c_annotation(
    document: ExportDocument,
    span: ExportSpan,
    n: int,
    *,
    collection_id: str,
    document_iri: Callable[[ExportDocument], str],
    generated: str = "",
    organization: str = "",
    category_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The Web Annotation of one span of ``document``, numbered ``n`` in its collection.

    Its id is ``{collection_id}/annotations/{n}``. Raises ``ValueError`` when the span's
    offsets or quote do not match the document's text: an export must never carry a span
    whose text is not the document's text at its offsets.
    """
    check_span(document, span)
    text = document.text
    exact = text[span.start : span.end]
    annotation: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"{collection_id}/annotations/{n}",
        "type": "Annotation",
        "motivation": "tagging",
        "creator": _creator(span, organization),
    }
    if span.created:
        annotation["created"] = utc_datetime(span.created)
    if span.modified:
        annotation["modified"] = utc_datetime(span.modified)
    if generated:
        annotation["generated"] = utc_datetime(generated)
        annotation["generator"] = _software()
    annotation["body"] = _bodies(span, category_names or {})
    annotation["target"] = {
        "type": "SpecificResource",
        "source": _source(document, document_iri(document)),
        "selector": [
            {"type": "TextPositionSelector", "start": span.start, "end": span.end},
            {
                "type": "TextQuoteSelector",
                "exact": exact,
                "prefix": text[max(0, span.start - CONTEXT_CHARACTERS) : span.start],
                "suffix": text[span.end : span.end + CONTEXT_CHARACTERS],
            },
        ],
    }
    return annotation


def w3c_link_annotation(
    relation: ExportRelation,
    ends: tuple[str, str],
    m: int,
    *,
    collection_id: str,
    generated: str = "",
    organization: str = "",
    relation_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The linking annotation of one relation, numbered ``m`` among the collection's
    relations: its id is ``{collection_id}/relations/{m}``, its targets ``ends``, the ids
    of its source's and its target's annotations."""
    annotation: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"{collection_id}/relations/{m}",
        "type": "Annotation",
        "motivation": "linking",
        "creator": _agent(relation.reviewer, organization),
    }
    if generated:
        annotation["generated"] = utc_datetime(generated)
        annotation["generator"] = _software()
    bodies = [_body("tagging", relation.type)]
    name = (relation_names or {}).get(relation.type, "")
    if name:
        bodies.append(_body("describing", name))
    if relation.note:
        bodies.append(_body("commenting", relation.note))
    bodies.append(
        _body("describing", "symmetric: true" if relation.symmetric else f"source: {ends[0]}")
    )
    annotation["body"] = bodies
    annotation["target"] = list(ends)
    return annotation


def w3c_incident_annotation(
    incident: ExportIncident,
    ids: list[str],
    k: int,
    *,
    collection_id: str,
    generated: str = "",
    organization: str = "",
    role_names: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The annotation of one incident, numbered ``k`` among the collection's incidents: its
    id is ``{collection_id}/incidents/{k}``; ``ids`` are the ids of its document's span
    annotations, by position in the document's spans."""
    act = ids[incident.act]
    targets = [act]
    for _, position, _ in incident.slots:
        if ids[position] not in targets:
            targets.append(ids[position])
    linking = len(targets) > 1
    annotation: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"{collection_id}/incidents/{k}",
        "type": "Annotation",
        "motivation": "linking" if linking else "describing",
        "creator": _agent(incident.reviewer, organization),
    }
    if generated:
        annotation["generated"] = utc_datetime(generated)
        annotation["generator"] = _software()
    bodies = [_body("tagging", "incident"), _body("describing", f"act: {act}")]
    named: set[str] = set()
    for role, position, involvement in incident.slots:
        said = f"{role}: {ids[position]}" + (f" ({involvement})" if involvement else "")
        bodies.append(_body("describing", said))
        name = (role_names or {}).get(role, "")
        if name and role not in named:
            named.add(role)
            bodies.append(_body("describing", f"role {role}: {name}"))
    if incident.note:
        bodies.append(_body("commenting", incident.note))
    if incident.evidence_status:
        bodies.append(_body("classifying", f"evidence_status: {incident.evidence_status}"))
    annotation["body"] = bodies
    annotation["target"] = targets if linking else act
    return annotation


def w3c_collection_chunks(
    documents: Iterable[ExportDocument],
    *,
    collection_id: str,
    label: str,
    generated: str,
    document_iri: Callable[[ExportDocument], str],
    total: int,
    organization: str = "",
    category_names: Mapping[str, str] | None = None,
    relation_names: Mapping[str, str] | None = None,
    role_names: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """The text of one JSON-LD AnnotationCollection of every span, relation and incident
    of ``documents``, in pieces.

    ``total`` is the number of annotations: the spans, relations and incidents the
    documents hold (the model puts it before the items). Span annotations are numbered from
    1 in document order, linking annotations and incidents too, each document's after its
    spans'. Joined, the pieces are
    one JSON document: the collection, its embedded first (and only) page, and the page's
    items. Memory does not grow with the corpus: one document's annotations at a time.
    """
    generated = utc_datetime(generated)
    page_id = f"{collection_id}/pages/1"
    head = {
        "@context": CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": label,
        "total": total,
        "generated": generated,
        "generator": _software(),
        "last": page_id,
    }
    page_head = {"id": page_id, "type": "AnnotationPage", "partOf": collection_id, "startIndex": 0}
    # Both objects are written without their closing brace so that the items can follow.
    yield _dumps(head)[:-1] + ', "first": ' + _dumps(page_head)[:-1] + ', "items": ['
    n = m = k = 0
    for document in documents:
        annotations = []
        ids = []
        for span in document.spans:
            n += 1
            ids.append(f"{collection_id}/annotations/{n}")
            annotations.append(
                w3c_annotation(
                    document,
                    span,
                    n,
                    collection_id=collection_id,
                    document_iri=document_iri,
                    generated=generated,
                    organization=organization,
                    category_names=category_names,
                )
            )
        for relation in document.relations:
            m += 1
            annotations.append(
                w3c_link_annotation(
                    relation,
                    (ids[relation.source], ids[relation.target]),
                    m,
                    collection_id=collection_id,
                    generated=generated,
                    organization=organization,
                    relation_names=relation_names,
                )
            )
        for incident in document.incidents:
            k += 1
            annotations.append(
                w3c_incident_annotation(
                    incident,
                    ids,
                    k,
                    collection_id=collection_id,
                    generated=generated,
                    organization=organization,
                    role_names=role_names,
                )
            )
        if annotations:
            # One encoder call per document (the list's brackets cut off), not per annotation.
            first = n + m + k == len(annotations)
            yield ("\n" if first else ",\n") + _dumps(annotations)[1:-1]
    if n + m + k != total:
        raise ValueError(f"The collection announced {total} annotations but holds {n + m + k}.")
    yield "\n]}}\n"


@functools.lru_cache(maxsize=4096)  # the export's own time recurs on every annotation
def utc_datetime(value: str) -> str:
    """An ISO 8601 time as the model writes it: an xsd:dateTime in UTC, with ``Z``.

    A time without an offset is taken to be UTC already (the exporters' times are). Raises
    ``ValueError`` for a value that is not an ISO 8601 time.
    """
    moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    timespec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def _dumps(value: Any) -> str:
    # Texts stay readable (Uyghur, emoji) rather than \u-escaped; the file is UTF-8.
    return json.dumps(value, ensure_ascii=False)


def _software() -> dict[str, str]:
    return {"type": "Software", "name": GENERATOR_NAME}


def _creator(span: ExportSpan, organization: str) -> dict[str, str]:
    return _agent(span.reviewer, organization)


def _agent(reviewer: str, organization: str) -> dict[str, str]:
    if reviewer:
        return {"type": "Person", "name": reviewer}
    if organization:
        return {"type": "Organization", "name": organization}
    return _software()


def _bodies(span: ExportSpan, category_names: Mapping[str, str]) -> list[dict[str, str]]:
    bodies = [{"type": "TextualBody", "purpose": "tagging", "value": span.category}]
    name = category_names.get(span.category, "")
    if name:
        bodies.append({"type": "TextualBody", "purpose": "describing", "value": name})
    if span.note:
        bodies.append({"type": "TextualBody", "purpose": "commenting", "value": span.note})
    for key in EVIDENCE_ATTRIBUTES:
        value = span.attributes.get(key)
        if value not in (None, ""):
            bodies.append(
                {"type": "TextualBody", "purpose": "classifying", "value": f"{key}: {value}"}
            )
    for key in PROVENANCE_ATTRIBUTES:
        value = span.attributes.get(key)
        if isinstance(value, list | tuple):
            value = "; ".join(str(part) for part in value)
        if value not in (None, ""):
            bodies.append(
                {"type": "TextualBody", "purpose": "describing", "value": f"{key}: {value}"}
            )
    return bodies


def _body(purpose: str, value: str) -> dict[str, str]:
    return {"type": "TextualBody", "purpose": purpose, "value": value}


def _source(document: ExportDocument, iri: str) -> dict[str, str]:
    source = {"id": iri, "type": "Text", "format": "text/plain"}
    if _LANGUAGE_TAG.match(document.language or ""):
        source["language"] = document.language
    if document.direction in TEXT_DIRECTIONS:
        source["textDirection"] = document.direction
    return source
