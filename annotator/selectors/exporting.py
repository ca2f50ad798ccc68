"""Reads for exports: the documents an export covers and their spans in one layer, in
chunks, fast.

A third of an export's time used to go into Django's per-value converters; the span rows
are read as the database driver returns them (``_rows``), with the few values that need it
converted here.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import connection, models
from django.db.models import DateTimeField, Q, QuerySet, TextField
from django.db.models.functions import Cast

from annotator.formats.corpus import (
    ExportDocument,
    ExportIncident,
    ExportIncidentRole,
    ExportRelation,
    ExportSpan,
)
from annotator.models import (
    Annotation,
    Category,
    Document,
    GoldIncident,
    GoldIncidentSlot,
    GoldRelation,
    GoldSpan,
    ImportedSpan,
    Incident,
    IncidentSlot,
    Project,
    Relation,
)
from annotator.selectors.annotations import submitted_annotations
from annotator.selectors.incidents import incident_role_specs

EXPORT_CHUNK = 200


class ExportLayer(models.TextChoices):
    """Which spans an export holds."""

    GOLD = "gold", "Gold layer (moderated)"
    REVIEWERS = "reviewers", "Every reviewer's submitted layer"
    ALL = "all", "All: gold, reviewers and imported layers"


def export_document_ids(
    *,
    project: Project,
    status: str = "",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> list[int]:
    """The ids of the documents an export covers, in import order."""
    documents = Document.objects.filter(project=project)
    if status:
        documents = documents.filter(status=status)
    if since:
        documents = documents.filter(imported_at__date__gte=since)
    if until:
        documents = documents.filter(imported_at__date__lte=until)
    return list(documents.order_by("pk").values_list("pk", flat=True))


def export_span_count(*, document_ids: list[int], layer: str, category: str = "") -> int:
    """How many spans ``layer`` has in these documents (of ``category``, if given)."""
    by_category = Q(category__code=category) if category else Q()
    count = 0
    if layer in (ExportLayer.GOLD, ExportLayer.ALL):
        count += GoldSpan.objects.filter(by_category, document_id__in=document_ids).count()
    if layer in (ExportLayer.REVIEWERS, ExportLayer.ALL):
        rows = submitted_annotations().filter(by_category, document_id__in=document_ids)
        count += rows.count()
    if layer == ExportLayer.ALL:
        imported = Q(category_code=category) if category else Q()
        count += ImportedSpan.objects.filter(imported, document_id__in=document_ids).count()
    return count


@dataclass(frozen=True)
class ExportNames:
    """How people appear in an export: reviewers (who made spans or proposed gold ones) and
    moderators (who decided gold spans), each by account id."""

    reviewers: dict[int, str]
    moderators: dict[int, str]

    def reviewer(self, pk: int) -> str:
        return self.reviewers.get(pk, "Reviewer ?")

    def moderator(self, pk: int) -> str:
        return self.moderators.get(pk, "Moderator ?")


def export_reviewer_names(
    *, project: Project, document_ids: list[int], real_names: bool
) -> ExportNames:
    """How people appear in an export of these documents: their user names when a manager
    asked for names, otherwise pseudonyms numbered by account within the export, each role
    on its own: "Reviewer 1", "Reviewer 2"… among the people who annotated the documents
    (or proposed their gold spans), "Moderator 1", "Moderator 2"… among the people who
    decided their gold spans. Someone who did both has one pseudonym in each role, and the
    export does not say that the two are the same person."""
    # Without the models' default ordering, which DISTINCT would otherwise have to select.
    gold = GoldSpan.objects.filter(document_id__in=document_ids).order_by()
    reviewer_ids = set(
        Annotation.objects.filter(document_id__in=document_ids)
        .order_by()
        .values_list("reviewer_id", flat=True)
        .distinct()
    )
    # A handful of distinct lists, whatever the number of gold spans.
    for column in ("proposed_by", "matched_by"):
        for proposers in gold.values_list(column, flat=True).distinct():
            reviewer_ids.update(int(pk) for pk in _json(proposers) or ())
    moderator_ids = set(
        gold.exclude(decided_by=None).values_list("decided_by_id", flat=True).distinct()
    )
    if real_names:
        users = User.objects.filter(pk__in=reviewer_ids | moderator_ids)
        usernames = dict(users.values_list("pk", "username"))
        return ExportNames(
            reviewers={pk: usernames[pk] for pk in reviewer_ids if pk in usernames},
            moderators={pk: usernames[pk] for pk in moderator_ids if pk in usernames},
        )
    return ExportNames(
        reviewers={pk: f"Reviewer {n}" for n, pk in enumerate(sorted(reviewer_ids), start=1)},
        moderators={pk: f"Moderator {n}" for n, pk in enumerate(sorted(moderator_ids), start=1)},
    )


def export_documents(
    *,
    project: Project,
    document_ids: list[int],
    layer: str,
    names: ExportNames,
    category: str = "",
) -> Iterator[ExportDocument]:
    """The documents with their spans in ``layer``, read 200 documents at a time.

    ``gold`` is the gold layer; ``reviewers`` every submitted reviewer's layer (work in
    progress is not exported); ``all`` both, and the layers imported with a corpus.
    Each layer comes with its relations (both of whose spans the export holds) and its
    incidents (whose act the export holds, with the slots whose spans it holds): the
    reviewers' with their pseudonyms, the gold layer's without a reviewer.
    """
    codes = dict(Category.objects.filter(project=project).values_list("pk", "code"))
    wanted = {pk for pk, code in codes.items() if code == category} if category else None
    for offset in range(0, len(document_ids), EXPORT_CHUNK):
        chunk = document_ids[offset : offset + EXPORT_CHUNK]
        spans: dict[int, list[ExportSpan]] = {pk: [] for pk in chunk}
        relations: dict[int, list[tuple[ExportSpan, ExportSpan, ExportRelation]]] = {}
        incidents: dict[int, list[_FoundIncident]] = {}
        if layer in (ExportLayer.GOLD, ExportLayer.ALL):
            gold_by_pk = _gold_spans(chunk, codes, wanted, names, spans)
            relations = _gold_relations(chunk, gold_by_pk)
            incidents = _gold_incidents(chunk, gold_by_pk)
        if layer in (ExportLayer.REVIEWERS, ExportLayer.ALL):
            by_pk = _reviewer_spans(chunk, codes, wanted, names, spans)
            for document_id, found in _reviewer_relations(chunk, by_pk, names).items():
                relations.setdefault(document_id, []).extend(found)
            for document_id, made in _reviewer_incidents(chunk, by_pk, names).items():
                incidents.setdefault(document_id, []).extend(made)
        if layer == ExportLayer.ALL:
            _imported_spans(chunk, category, spans)
        rows = Document.objects.filter(pk__in=chunk).order_by("pk")
        for document in rows.values(
            "pk",
            "title",
            "text",
            "text_sha256",
            "source_sha256",
            "language",
            "direction",
            "metadata",
            "page_starts",
            "source_filename",
            "source_url",
            "publisher",
            "published_on",
            "imported_at",
        ):
            metadata = {
                **document["metadata"],
                "source_filename": document["source_filename"],
                "source_url": document["source_url"],
                "publisher": document["publisher"],
                "published_on": document["published_on"].isoformat()
                if document["published_on"]
                else "",
                "imported_at": document["imported_at"].isoformat(),
            }
            if document["page_starts"]:
                metadata["page_starts"] = document["page_starts"]
            ordered = sorted(spans[document["pk"]], key=lambda s: (s.start, -s.end, s.layer))
            position = {id(span): index for index, span in enumerate(ordered)}
            yield ExportDocument(
                id=document["pk"],
                title=document["title"],
                text=document["text"],
                text_sha256=document["text_sha256"],
                source_sha256=document["source_sha256"],
                language=document["language"],
                direction=document["direction"],
                metadata={k: v for k, v in metadata.items() if v not in ("", None)},
                spans=tuple(ordered),
                relations=_positioned(position, relations.get(document["pk"], [])),
                incidents=_incidents_positioned(position, incidents.get(document["pk"], [])),
            )


def _positioned(
    position: dict[int, int],
    relations: list[tuple[ExportSpan, ExportSpan, ExportRelation]],
) -> tuple[ExportRelation, ...]:
    """The relations with their ends as positions in the document's spans (``position``:
    each span's, by its ``id()``), as written."""
    for source, target, relation in relations:
        relation.source, relation.target = position[id(source)], position[id(target)]
    return tuple(relation for _, _, relation in relations)


def _reviewer_relations(
    chunk: list[int], by_pk: dict[int, ExportSpan], names: ExportNames
) -> dict[int, list[tuple[ExportSpan, ExportSpan, ExportRelation]]]:
    """The relations of the submitted reviewers' layers whose two spans the export holds,
    by document, in the order they were drawn: one query."""
    found: dict[int, list[tuple[ExportSpan, ExportSpan, ExportRelation]]] = {}
    rows = Relation.objects.filter(document_id__in=chunk).order_by("pk")
    for document_id, source, target, code, symmetric, reviewer, note in rows.values_list(
        "document_id",
        "source_id",
        "target_id",
        "relation_type__code",
        "relation_type__symmetric",
        "reviewer_id",
        "note",
    ):
        if source in by_pk and target in by_pk:  # a submitted layer, and the category asked
            relation = ExportRelation(-1, -1, code, names.reviewer(reviewer), note, symmetric)
            found.setdefault(document_id, []).append((by_pk[source], by_pk[target], relation))
    return found


@dataclass
class _FoundIncident:
    """An incident as read, its spans still objects: positioned once the spans are sorted."""

    act: ExportSpan
    slots: list[tuple[str, ExportSpan, str]]
    incident: ExportIncident


def _incidents_positioned(
    position: dict[int, int], found: list[_FoundIncident]
) -> tuple[ExportIncident, ...]:
    """The incidents with their act and slots as positions in the document's spans."""
    for item in found:
        item.incident.act = position[id(item.act)]
        item.incident.slots = tuple(
            (role, position[id(span)], involvement) for role, span, involvement in item.slots
        )
    return tuple(item.incident for item in found)


def _reviewer_incidents(
    chunk: list[int], by_pk: dict[int, ExportSpan], names: ExportNames
) -> dict[int, list[_FoundIncident]]:
    """The incidents of the submitted reviewers' layers whose act the export holds, by
    document, in the order they were recorded, each with the slots whose span the export
    holds (in the roles' order): two queries, whatever the number of incidents."""
    found: dict[int, list[_FoundIncident]] = {}
    kept: dict[int, _FoundIncident] = {}
    rows = Incident.objects.filter(document_id__in=chunk).order_by("pk")
    for pk, document_id, act, reviewer, note, evidence in rows.values_list(
        "pk", "document_id", "act_id", "reviewer_id", "note", "evidence_status"
    ):
        if act in by_pk:  # a submitted layer, and the category asked
            incident = ExportIncident(-1, (), names.reviewer(reviewer), note, evidence)
            kept[pk] = item = _FoundIncident(by_pk[act], [], incident)
            found.setdefault(document_id, []).append(item)
    if not kept:
        return found
    slots = IncidentSlot.objects.filter(incident__document_id__in=chunk).order_by(
        "incident_id", "role__order", "role__code", "pk"
    )
    for incident_id, role, annotation_id, involvement in slots.values_list(
        "incident_id", "role__code", "annotation_id", "involvement"
    ):
        filled = kept.get(incident_id)
        if filled is not None and annotation_id in by_pk:
            filled.slots.append((role, by_pk[annotation_id], involvement))
    return found


def export_incident_count(*, document_ids: list[int], layer: str, category: str = "") -> int:
    """How many incidents an export of ``layer`` holds in these documents: those of the
    submitted reviewers' layers whose act it holds (of ``category``, if given), as
    ``export_documents`` gives them. One query."""
    count = 0
    if layer in (ExportLayer.GOLD, ExportLayer.ALL):
        gold = GoldIncident.objects.filter(document_id__in=document_ids)
        count += (gold.filter(act__category__code=category) if category else gold).count()
    if layer not in (ExportLayer.REVIEWERS, ExportLayer.ALL):
        return count
    acts = submitted_annotations().filter(document_id__in=document_ids)
    if category:
        acts = acts.filter(category__code=category)
    return (
        count
        + Incident.objects.filter(
            document_id__in=document_ids, act__in=acts.order_by().values("pk")
        ).count()
    )


def export_incident_roles(*, project: Project) -> list[ExportIncidentRole]:
    """The project's incident roles as the exporters declare them (two queries)."""
    return [
        ExportIncidentRole(
            code=spec.code,
            name=spec.name,
            multiple=spec.multiple,
            involvements=tuple((item.code, item.name) for item in spec.involvements),
            categories=spec.categories,
        )
        for spec in incident_role_specs(project=project)
    ]


def _rows(queryset: QuerySet, *fields: str) -> list[tuple]:
    """The rows of ``queryset.values_list(*fields)`` as the database driver returns them.

    Django converts every value of every row (datetimes parsed and made aware, JSON
    decoded), which costs more than the rest of an export; the few fields an export needs
    are converted by ``_iso`` and ``_json`` below instead.
    """
    # Times are read as text: parsing them into datetimes only to print them again costs
    # more than anything else an export does.
    texts = {
        name: Cast(name, output_field=TextField())
        for name in fields
        if isinstance(queryset.model._meta.get_field(name), DateTimeField)
    }
    queryset = queryset.annotate(**{f"{name}_text": cast for name, cast in texts.items()})
    fields = tuple(f"{name}_text" if name in texts else name for name in fields)
    sql, params = queryset.values_list(*fields).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _iso(value: datetime.datetime | str) -> str:
    """A time read as text, as ISO 8601 in UTC.

    SQLite holds Django's times as UTC text without an offset (``2026-11-28 22:29:22.5``);
    PostgreSQL prints them in the connection's time zone, which Django sets to UTC
    (``2026-11-28 22:29:22.5+00``).
    """
    if not isinstance(value, str):
        return value.isoformat()
    value = value.replace(" ", "T", 1)
    if value.endswith("+00"):
        return value + ":00"
    return value if "+" in value[10:] else value + "+00:00"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _gold_spans(
    chunk: list[int],
    codes: dict[int, str],
    wanted: set[int] | None,
    names: ExportNames,
    spans: dict[int, list[ExportSpan]],
) -> dict[int, ExportSpan]:
    """The gold spans of the chunk into ``spans``; they by their pk (for the gold layer's
    relations and incidents)."""
    by_pk: dict[int, ExportSpan] = {}
    rows = GoldSpan.objects.filter(document_id__in=chunk)
    if wanted is not None:
        rows = rows.filter(category_id__in=wanted)
    for pk, *row in _rows(
        rows.order_by(),
        "id",
        "document_id",
        "start",
        "end",
        "category_id",
        "quote",
        "note",
        "evidence_status",
        "source_type",
        "origin",
        "proposed_by",
        "matched_by",
        "decided_by_id",
        "decided_at",
        "reason",
        "rationale",
    ):
        document_id, start, end, category_id, quote, note, evidence, source, origin = row[:9]
        proposed, matched, decider, decided, reason, rationale = row[9:]
        # The same attributes as a reviewer's span, then where the gold span came from.
        attributes: dict[str, Any] = {
            "evidence_status": evidence,
            "source_type": source,
            "origin": origin,
            "proposed_by": [names.reviewer(int(r)) for r in _json(proposed) or []],
            "matched_by": [names.reviewer(int(r)) for r in _json(matched) or []],
        }
        if decider:
            attributes["decided_by"] = names.moderator(decider)
        if reason:
            attributes["reason"] = reason
        if rationale:
            attributes["rationale"] = rationale
        when = _iso(decided)
        by_pk[pk] = ExportSpan(
            start, end, codes[category_id], quote, "gold", "", note, attributes, when, when
        )
        spans[document_id].append(by_pk[pk])
    return by_pk


def _gold_relations(
    chunk: list[int], by_pk: dict[int, ExportSpan]
) -> dict[int, list[tuple[ExportSpan, ExportSpan, ExportRelation]]]:
    """The gold layer's relations whose two spans the export holds, by document, in the
    order they were made: one query."""
    found: dict[int, list[tuple[ExportSpan, ExportSpan, ExportRelation]]] = {}
    rows = GoldRelation.objects.filter(document_id__in=chunk).order_by("pk")
    for document_id, source, target, code, symmetric in rows.values_list(
        "document_id", "source_id", "target_id", "relation_type__code", "relation_type__symmetric"
    ):
        if source in by_pk and target in by_pk:
            relation = ExportRelation(-1, -1, code, "", "", symmetric)
            found.setdefault(document_id, []).append((by_pk[source], by_pk[target], relation))
    return found


def _gold_incidents(
    chunk: list[int], by_pk: dict[int, ExportSpan]
) -> dict[int, list[_FoundIncident]]:
    """The gold layer's incidents whose act the export holds, with the slots whose span it
    holds, by document: two queries."""
    found: dict[int, list[_FoundIncident]] = {}
    kept: dict[int, _FoundIncident] = {}
    rows = GoldIncident.objects.filter(document_id__in=chunk).order_by("act__start", "pk")
    for pk, document_id, act, note, evidence in rows.values_list(
        "pk", "document_id", "act_id", "note", "evidence_status"
    ):
        if act in by_pk:
            kept[pk] = item = _FoundIncident(
                by_pk[act], [], ExportIncident(-1, (), "", note, evidence)
            )
            found.setdefault(document_id, []).append(item)
    if not kept:
        return found
    slots = GoldIncidentSlot.objects.filter(incident__document_id__in=chunk).order_by(
        "incident_id", "role__order", "role__code", "pk"
    )
    for incident_id, role, span_id, involvement in slots.values_list(
        "incident_id", "role__code", "span_id", "involvement"
    ):
        filled = kept.get(incident_id)
        if filled is not None and span_id in by_pk:
            filled.slots.append((role, by_pk[span_id], involvement))
    return found


def _reviewer_spans(
    chunk: list[int],
    codes: dict[int, str],
    wanted: set[int] | None,
    names: ExportNames,
    spans: dict[int, list[ExportSpan]],
) -> dict[int, ExportSpan]:
    """Add the submitted reviewers' spans to ``spans``; return them by annotation id."""
    by_pk: dict[int, ExportSpan] = {}
    rows = submitted_annotations().filter(document_id__in=chunk)
    if wanted is not None:
        rows = rows.filter(category_id__in=wanted)
    for pk, *row in _rows(
        rows.order_by(),
        "id",
        "document_id",
        "reviewer_id",
        "start",
        "end",
        "category_id",
        "quote",
        "note",
        "evidence_status",
        "source_type",
        "created_at",
        "updated_at",
    ):
        document_id, reviewer, start, end, category_id, quote, note, evidence, source = row[:9]
        by_pk[pk] = span = ExportSpan(
            start,
            end,
            codes[category_id],
            quote,
            "reviewer",
            names.reviewer(reviewer),
            note,
            {"evidence_status": evidence, "source_type": source},
            _iso(row[9]),
            _iso(row[10]),
        )
        spans[document_id].append(span)
    return by_pk


def _imported_spans(chunk: list[int], category: str, spans: dict[int, list[ExportSpan]]) -> None:
    rows = ImportedSpan.objects.filter(document_id__in=chunk)
    if category:
        rows = rows.filter(category_code=category)
    for document_id, layer, code, start, end, quote, note, attributes, created in _rows(
        rows.order_by(),
        "document_id",
        "layer",
        "category_code",
        "start",
        "end",
        "quote",
        "note",
        "attributes",
        "created_at",
    ):
        when = _iso(created)
        spans[document_id].append(
            ExportSpan(start, end, code, quote, layer, "", note, _json(attributes), when, when)
        )
