"""The append-only audit log: one hash chain per project (and one for the installation),
each with a head row.

A chain per project keeps every project's history one verifiable, append-only line while
writers in unrelated projects never wait for each other: a write locks only its own
project's head, last in its transaction. The database itself keeps each chain from forking:
no two events of a chain share a sequence number or a predecessor.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annotator.models.documents import SHA256_HEX_LENGTH, Document
from annotator.models.projects import Project

INSTALLATION_CHAIN = "installation"


def project_chain(project_id: int | None) -> str:
    """The chain an event about this project (or about none) belongs to."""
    return INSTALLATION_CHAIN if project_id is None else f"project:{project_id}"


class AuditEvent(models.Model):
    """One entry of the append-only audit log.

    Events of one chain (``chain``: a project's, or the installation's for events about no
    project) form a hash chain: ``sequence`` counts them from 1 and ``hash`` is the SHA-256
    of the previous event's hash and this event's canonical content, so that changing or
    removing any event breaks every later hash of its chain (``manage.py verify_audit``
    checks every chain). Events are never updated or deleted. ``version`` 1 marks the events
    written before chains were per project: one chain for the installation, their content
    without chain and sequence.
    """

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_events",
    )
    action = models.CharField(max_length=64)
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, null=True, blank=True, related_name="audit_events"
    )
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    chain = models.CharField(max_length=40, default=INSTALLATION_CHAIN)
    sequence = models.PositiveBigIntegerField()
    version = models.PositiveSmallIntegerField(default=2)
    previous_hash = models.CharField(max_length=SHA256_HEX_LENGTH)
    hash = models.CharField(max_length=SHA256_HEX_LENGTH, unique=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["document", "id"], name="audit_document_history")]
        constraints = [
            # No chain forks: one event per place in a chain, one successor per event.
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_chain_sequence"),
            models.UniqueConstraint(fields=["chain", "previous_hash"], name="audit_chain_link"),
            models.CheckConstraint(condition=Q(sequence__gte=1), name="audit_sequence_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only: an event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Audit events are append-only: an event cannot be deleted.")


class AuditChainHead(models.Model):
    """A chain's latest hash and length. Locking it orders the chain's writers, and it lets
    the verification notice events removed from a chain's end."""

    chain = models.CharField(max_length=40, primary_key=True)
    last_hash = models.CharField(max_length=SHA256_HEX_LENGTH)
    event_count = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"audit chain {self.chain} after {self.event_count} events"
