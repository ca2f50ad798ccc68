"""The append-only audit log and its chain head."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annotator.models.documents import SHA256_HEX_LENGTH, Document
from annotator.models.projects import Project


class AuditEvent(models.Model):
    """One entry of the append-only audit log.

    Events form a hash chain: ``hash`` is the SHA-256 of the previous event's hash and this
    event's canonical content, so that changing or removing any event breaks every later
    hash (``manage.py verify_audit`` checks it). Events are never updated or deleted.
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
    previous_hash = models.CharField(max_length=SHA256_HEX_LENGTH)
    hash = models.CharField(max_length=SHA256_HEX_LENGTH, unique=True)

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["document", "id"], name="audit_document_history")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only: an event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise RuntimeError("Audit events are append-only: an event cannot be deleted.")


class AuditChainHead(models.Model):
    """The one row that holds the latest audit hash; locking it orders concurrent writers."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_hash = models.CharField(max_length=SHA256_HEX_LENGTH)
    event_count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="audit_head_single_row")]

    def __str__(self) -> str:
        return f"audit head after {self.event_count} events"
