"""Moderation of incident records: the submitted layers' incidents aligned by their act
(``annotator.incident_alignment``) into incident items, unanimous ones into the gold
layer, and a moderator's decision on each item: keep one reviewer's record, or none.

A gold incident's act and slots are gold spans, so it is made where the gold layer has a
span at each of its passages (the act's of its category, each slot's of a category its
role allows): an incident whose passages are still contested waits in an item (kind
``span``) until they are settled. Every decision is based on the item's version, checked
under the document's lock, and audited with every reviewer's record and what was kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, F
from django.utils import timezone

from annotator.incident_alignment import IncidentCluster, Record, align_incidents
from annotator.models import (
    Document,
    GoldIncident,
    GoldIncidentSlot,
    GoldOrigin,
    GoldSpan,
    IncidentItem,
    IncidentRole,
    ItemStatus,
)
from annotator.selectors.moderation import submitted_records
from annotator.services.audit import audited
from annotator.services.gold import gold_incident_snapshot
from annotator.services.relation_moderation import (
    RelationModerationError,
    check_why,
    decision_record,
    gold_spans_by_ends,
    locked_item,
    realign_items,
)
from annotator.services.relation_rules import category_lineage

Golds = Mapping[tuple[int, int], list[GoldSpan]]


class IncidentItemConflict(Exception):
    """The item was decided, reopened or realigned since the moderator loaded it."""

    def __init__(self, item: IncidentItem) -> None:
        self.item = item
        if item.status == ItemStatus.RESOLVED:
            who = item.resolved_by.get_username() if item.resolved_by else "someone else"
            message = f"This incident item was already resolved by {who}; nothing was changed."
        elif item.status == ItemStatus.OPEN:
            message = "This incident item was reopened since you loaded it; nothing was changed."
        else:
            message = (
                "A reviewer's layer was submitted again and this incident item no longer "
                "stands; nothing was changed."
            )
        super().__init__(message)


class _Planned:
    """A gold incident and its slots, made before they are saved."""

    def __init__(self, incident: GoldIncident, slots: list[GoldIncidentSlot]) -> None:
        self.incident, self.slots = incident, slots


def _roles(document: Document) -> dict[str, tuple[IncidentRole, set[int]]]:
    """The project's roles by code, each with the ids of the categories it allows (none:
    any)."""
    roles = IncidentRole.objects.filter(project_id=document.project_id).prefetch_related(
        "categories"
    )
    return {role.code: (role, {c.pk for c in role.categories.all()}) for role in roles}


def _planned(
    document: Document,
    record: Record,
    roles: Mapping[str, tuple[IncidentRole, set[int]]],
    golds: Golds,
    **provenance: Any,
) -> _Planned | str:
    """The gold incident a record makes, or why the gold layer cannot hold it yet."""
    acts = [span for span in golds.get(record.act, []) if span.category.code == record.category]
    if not acts:
        return (
            f"The gold layer has no {record.category!r} span at {record.act[0]}-{record.act[1]}"
            " (the act) yet: settle that passage's span item first."
        )
    incident = GoldIncident(
        document=document,
        act=acts[0],
        note=record.note,
        evidence_status=record.evidence_status,
        **provenance,
    )
    slots = []
    for code, ends, involvement in sorted(record.slots):
        if code not in roles:
            return f"The project has no incident role {code!r}."
        role, allowed = roles[code]
        fitting = [
            span
            for span in golds.get(ends, [])
            if not allowed or allowed & category_lineage(span.category)
        ]
        if not fitting:
            return (
                f"The gold layer has no span a {role.name!r} may be at {ends[0]}-{ends[1]} yet:"
                " settle that passage's span item first."
            )
        slots.append(
            GoldIncidentSlot(incident=incident, role=role, span=fitting[0], involvement=involvement)
        )
    return _Planned(incident, slots)


def _save(planned: list[_Planned]) -> None:
    GoldIncident.objects.bulk_create([plan.incident for plan in planned])
    GoldIncidentSlot.objects.bulk_create([slot for plan in planned for slot in plan.slots])


def incidents_align(document: Document) -> tuple[int, int]:
    """Align the submitted layers' incidents of a document being aligned (its lock held,
    its gold spans made): a unanimous incident whose passages are gold becomes gold, every
    other act an item; items and unanimous incidents whose act changed are superseded.
    How many items were opened and unanimous incidents made."""
    roles = _roles(document)
    golds = gold_spans_by_ends(document)
    done = realign_items(
        document,
        align_incidents(submitted_records(document)),
        item_model=IncidentItem,
        gold_model=GoldIncident,
        unanimous=lambda cluster: _unanimous(document, cluster, roles, golds),
        item=lambda cluster: _item(document, cluster, pending=cluster.unanimous),
    )
    _reopen_unmoored(done.kept)
    _save(done.gold)
    return done.opened, len(done.gold)


def _unanimous(
    document: Document,
    cluster: IncidentCluster,
    roles: Mapping[str, tuple[IncidentRole, set[int]]],
    golds: Golds,
) -> list[_Planned] | None:
    reviewers = sorted(cluster.versions)
    made = []
    for record in next(iter(cluster.versions.values())):
        plan = _planned(
            document,
            record,
            roles,
            golds,
            origin=GoldOrigin.UNANIMOUS,
            proposed_by=reviewers,
            cluster_signature=cluster.signature,
        )
        if isinstance(plan, str):
            return None
        made.append(plan)
    return made


def _item(document: Document, cluster: IncidentCluster, *, pending: bool) -> IncidentItem:
    return IncidentItem(
        document=document,
        act_start=cluster.act[0],
        act_end=cluster.act[1],
        kinds=["span"] if pending else sorted(cluster.kinds),
        versions={
            str(reviewer): [record.as_dict() for record in records]
            for reviewer, records in sorted(cluster.versions.items())
        },
        signature=cluster.signature,
    )


def _reopen_unmoored(items: list[IncidentItem]) -> None:
    """Open again the resolved items whose kept incident lost its act span (its passage
    was realigned): the decision is theirs to make again."""
    resolved = [i for i in items if i.status == ItemStatus.RESOLVED and i.kept_from is not None]
    counts = dict(
        GoldIncident.objects.filter(item__in=resolved)
        .values("item_id")
        .annotate(n=Count("pk"))
        .values_list("item_id", "n")
    )
    unmoored = [item.pk for item in resolved if not counts.get(item.pk)]
    IncidentItem.objects.filter(pk__in=unmoored).update(
        status=ItemStatus.OPEN,
        kept_from=None,
        resolved_by=None,
        resolved_at=None,
        version=F("version") + 1,
    )


@audited
def incident_item_resolve(
    *,
    item_id: int,
    moderator: User,
    version: int,
    reviewer: int | None,
    reason: str = "",
    rationale: str = "",
) -> IncidentItem:
    """Settle an incident item: the records of ``reviewer`` (a reviewer of the item who
    recorded an incident at its act) become gold incidents; None rejects them all."""
    document, item = locked_item(IncidentItem, item_id)
    if item.status != ItemStatus.OPEN or item.version != version:
        raise IncidentItemConflict(item)
    check_why(reason, rationale)
    records = [Record.from_dict(raw) for raw in item.versions.get(str(reviewer), [])]
    if reviewer is not None and not records:
        raise RelationModerationError("That reviewer recorded no incident at this act.")
    proposed_by = sorted(
        int(other)
        for other, raws in item.versions.items()
        if sorted(Record.from_dict(raw).key for raw in raws) == sorted(r.key for r in records)
    )
    roles = _roles(document)
    golds = gold_spans_by_ends(document)
    now = timezone.now()
    planned = []
    for record in records:
        plan = _planned(
            document,
            record,
            roles,
            golds,
            origin=GoldOrigin.MODERATED,
            proposed_by=proposed_by,
            item=item,
            cluster_signature=item.signature,
            decided_by=moderator,
            decided_at=now,
            reason=reason,
            rationale=rationale.strip(),
        )
        if isinstance(plan, str):
            raise RelationModerationError(plan)
        planned.append(plan)
    _save(planned)
    item.status = ItemStatus.RESOLVED
    item.kept_from = reviewer
    item.reason = reason
    item.rationale = rationale.strip()
    item.resolved_by = moderator
    item.resolved_at = now
    decision_record(
        document,
        item,
        moderator=moderator,
        action="incident_item.resolve",
        before={"status": ItemStatus.OPEN, "versions": item.versions},
        after={
            "kept_from": reviewer,
            "reason": reason,
            "rationale": item.rationale,
            "gold": [gold_incident_snapshot(plan.incident, plan.slots) for plan in planned],
        },
    )
    return item


@audited
def incident_item_reopen(
    *, item_id: int, moderator: User, version: int, rationale: str = ""
) -> IncidentItem:
    """Undo an incident item's decision: its gold incidents go, it is open again."""
    document, item = locked_item(IncidentItem, item_id)
    if item.status != ItemStatus.RESOLVED or item.version != version:
        raise IncidentItemConflict(item)
    removed = list(item.gold_incidents.prefetch_related("slots__role"))
    before = {
        "kept_from": item.kept_from,
        "gold": [gold_incident_snapshot(gold, list(gold.slots.all())) for gold in removed],
    }
    GoldIncident.objects.filter(pk__in=[gold.pk for gold in removed]).delete()
    item.status = ItemStatus.OPEN
    item.kept_from = None
    item.resolved_by = None
    item.resolved_at = None
    decision_record(
        document,
        item,
        moderator=moderator,
        action="incident_item.reopen",
        before=before,
        after={"status": ItemStatus.OPEN, "rationale": rationale.strip()},
    )
    return item
