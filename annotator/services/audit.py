"""The append-only audit log: every change that matters, chained by SHA-256.

``audit_record`` must run inside the transaction of the change it records, so that the
change and its event are written together or not at all.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from annotator.models import AuditChainHead, AuditEvent, Document, Project

GENESIS_HASH = "0" * 64


def event_content(event: AuditEvent) -> str:
    """The canonical JSON of what an event says, which its hash covers."""
    return json.dumps(
        {
            "created_at": event.created_at.isoformat(),
            "actor": event.actor_id,
            "action": event.action,
            "project": event.project_id,
            "document": event.document_id,
            "object_type": event.object_type,
            "object_id": event.object_id,
            "before": event.before,
            "after": event.after,
            "previous_hash": event.previous_hash,
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )


def event_hash(event: AuditEvent) -> str:
    return hashlib.sha256((event.previous_hash + event_content(event)).encode("utf-8")).hexdigest()


def audit_record(
    *,
    actor: User | None,
    action: str,
    object_type: str,
    object_id: Any,
    project: Project | None = None,
    document: Document | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction."""
    event = AuditEvent(
        actor=actor,
        action=action,
        project=project,
        document=document,
        object_type=object_type,
        object_id=str(object_id),
        before=before,
        after=after,
    )
    audit_record_many([event])
    return event


def audit_record_many(events: list[AuditEvent]) -> None:
    """Append unsaved events to the chain in order, in the caller's transaction.

    The head is locked once and the events written in one statement: an import of a thousand
    documents records a thousand events without taking the lock a thousand times.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change.")
    if not events:
        return
    # Locking the head row makes concurrent writers take turns, so the chain never forks.
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        # A migration creates the row; should it be missing (a flushed test database),
        # writers that find it missing at once must not fail on each other's insert.
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(pk=1, last_hash=GENESIS_HASH, event_count=0)], ignore_conflicts=True
        )
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    previous = head.last_hash
    for event in events:
        event.previous_hash = previous
        event.hash = previous = event_hash(event)
    if len(events) == 1:
        events[0].save()
    else:
        AuditEvent.objects.bulk_create(events, batch_size=500)
    head.last_hash = previous
    head.event_count += len(events)
    head.save(update_fields=["last_hash", "event_count"])


@dataclass(frozen=True)
class AuditVerification:
    events: int
    problem: str = ""
    first_broken: int | None = None

    @property
    def intact(self) -> bool:
        return not self.problem


def audit_verify() -> AuditVerification:
    """Walk the chain in order; name the first event whose link or hash does not hold.

    Also compares the end of the chain with the head row, so that events removed from the
    end of the log are noticed too.
    """
    previous = GENESIS_HASH
    count = 0
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=2000):
        count += 1
        if event.previous_hash != previous:
            return AuditVerification(
                count, "its previous hash is not the hash of the event before it", event.pk
            )
        if event_hash(event) != event.hash:
            return AuditVerification(count, "its content does not match its hash", event.pk)
        previous = event.hash
    head = AuditChainHead.objects.filter(pk=1).first()
    recorded = head.event_count if head else 0
    if recorded != count or (head is not None and head.last_hash != previous):
        return AuditVerification(
            count, f"the log holds {count} events but its head records {recorded}"
        )
    return AuditVerification(count)
