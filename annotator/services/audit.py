"""The append-only audit log: every change that matters, chained by SHA-256, a chain per
project.

``audit_record`` must run inside the transaction of the change it records, so that the
change and its event are written together or not at all. Writing an event locks its
chain's head row, so it must come last in the transaction, after every other row the
change locks: writers then always take locks in the same order (the rows of the change,
then the chain) and never deadlock on the audit log, and a head stays locked only from its
events to the commit. Writers in different projects lock different heads and never wait
for each other.

Services that record events are ``@audited`` (instead of ``@transaction.atomic``): the
events recorded while one runs, by it or by the services it calls, are written when the
outermost one returns, last in its transaction, whatever order the code records them in.
An event recorded by a nested service that fails (and whose failure the caller handles) is
dropped with that service's savepoint.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

from django.contrib.auth.models import User
from django.db import transaction

from annotator.models import (
    INSTALLATION_CHAIN,
    AuditChainHead,
    AuditEvent,
    Document,
    Project,
    project_chain,
)
from annotator.services.bulk import bulk_insert

GENESIS_HASH = "0" * 64

P = ParamSpec("P")
T = TypeVar("T")
# The events recorded inside the outermost @audited service now running in this context.
_pending: ContextVar[list[AuditEvent] | None] = ContextVar("audit_pending", default=None)


def audited(service: Callable[P, T]) -> Callable[P, T]:
    """``transaction.atomic`` for a service that records audit events, which are written
    last in its transaction (see the module)."""

    @functools.wraps(service)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        pending = _pending.get()
        if pending is not None:  # inside another audited service: its events go with those
            mark = len(pending)
            try:
                with transaction.atomic():
                    return service(*args, **kwargs)
            except BaseException:
                del pending[mark:]
                raise
        with transaction.atomic():
            events: list[AuditEvent] = []
            token = _pending.set(events)
            try:
                result = service(*args, **kwargs)
            finally:
                _pending.reset(token)
            _write(events)
        return result

    return run


def event_content(event: AuditEvent) -> str:
    """The canonical JSON of what an event says, which its hash covers.

    Since chains are per project (version 2), the chain and the place in it are part of
    what is hashed, so that an event cannot be moved to another chain or place unnoticed.
    """
    content: dict[str, Any] = {
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
    }
    if event.version >= 2:
        content["chain"] = event.chain
        content["sequence"] = event.sequence
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


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
    """Append one event to its project's chain, in the caller's transaction (call it last)."""
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


def _head(chain: str) -> AuditChainHead:
    """The chain's head, locked; made (race-free) for a chain's first event."""
    head = AuditChainHead.objects.select_for_update().filter(chain=chain).first()
    if head is None:
        # Writers that find a new chain at once must not fail on each other's insert.
        AuditChainHead.objects.bulk_create(
            [AuditChainHead(chain=chain, last_hash=GENESIS_HASH, event_count=0)],
            ignore_conflicts=True,
        )
        head = AuditChainHead.objects.select_for_update().get(chain=chain)
    return head


def audit_record_many(events: list[AuditEvent]) -> None:
    """Append unsaved events to their chains in order, in the caller's transaction: at once,
    or, inside an ``@audited`` service, when the outermost one returns."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change.")
    pending = _pending.get()
    if pending is not None:
        pending.extend(events)
    else:
        _write(events)


def _write(events: list[AuditEvent]) -> None:
    """Write events to their chains. Each chain's head is locked once and its events written
    in one statement: an import of a thousand documents records a thousand events without
    taking the lock a thousand times. Chains are locked in the order of their names, so that
    a transaction writing to several never deadlocks with another."""
    by_chain: dict[str, list[AuditEvent]] = defaultdict(list)
    for event in events:
        event.chain = project_chain(event.project_id)
        event.version = 2
        by_chain[event.chain].append(event)
    for chain in sorted(by_chain):
        chained = by_chain[chain]
        head = _head(chain)
        previous, sequence = head.last_hash, head.event_count
        for event in chained:
            sequence += 1
            event.sequence = sequence
            event.previous_hash = previous
            event.hash = previous = event_hash(event)
        if len(chained) == 1:
            chained[0].save()
        else:
            bulk_insert(chained)
        head.last_hash, head.event_count = previous, sequence
        head.save(update_fields=["last_hash", "event_count"])


@dataclass(frozen=True)
class AuditVerification:
    events: int
    problem: str = ""
    first_broken: int | None = None
    chains: int = 0

    @property
    def intact(self) -> bool:
        return not self.problem


def audit_verify() -> AuditVerification:
    """Walk every chain in order; name the first event whose link or hash does not hold.

    Also compares the end of each chain with its head row, so that events removed from the
    end of a chain are noticed too, and checks that each event is in its project's chain.
    """
    heads = {head.chain: head for head in AuditChainHead.objects.all()}
    count = 0
    chain, previous, sequence = None, GENESIS_HASH, 0
    seen: set[str] = set()

    def end_of(chain: str, previous: str, sequence: int) -> AuditVerification | None:
        head = heads.get(chain)
        recorded = head.event_count if head else 0
        if recorded != sequence or (head is not None and head.last_hash != previous):
            return AuditVerification(
                count,
                f"chain {chain} holds {sequence} events but its head records {recorded}",
            )
        return None

    events = AuditEvent.objects.order_by("chain", "sequence").iterator(chunk_size=2000)
    for event in events:
        if event.chain != chain:
            if chain is not None and (broken := end_of(chain, previous, sequence)):
                return broken
            chain, previous, sequence = event.chain, GENESIS_HASH, 0
            seen.add(chain)
        count += 1
        sequence += 1
        if event.previous_hash != previous:
            return AuditVerification(
                count, "its previous hash is not the hash of the event before it", event.pk
            )
        if event.sequence != sequence:
            return AuditVerification(count, f"its place in chain {chain} is not the next", event.pk)
        if event_hash(event) != event.hash:
            return AuditVerification(count, "its content does not match its hash", event.pk)
        if event.version >= 2 and event.chain != project_chain(event.project_id):
            return AuditVerification(count, "it is not in its project's chain", event.pk)
        if event.version < 2 and event.chain != INSTALLATION_CHAIN:
            return AuditVerification(count, "an early event is outside the first chain", event.pk)
        previous = event.hash
    if chain is not None and (broken := end_of(chain, previous, sequence)):
        return broken
    for name, head in heads.items():
        if name not in seen and head.event_count:
            return AuditVerification(
                count, f"chain {name} holds 0 events but its head records {head.event_count}"
            )
    return AuditVerification(count, chains=len(seen))
