"""Incidents in moderation: where the reviewers' incident records disagree (incident
items), and the incidents of the gold layer they reconcile into."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annotator.models.annotations import EvidenceStatus
from annotator.models.documents import SHA256_HEX_LENGTH, Document
from annotator.models.incidents import IncidentRole
from annotator.models.moderation import GoldOrigin, GoldSpan, ItemStatus, ResolutionReason


class IncidentItem(models.Model):
    """One act passage whose incident records the submitted layers disagree on
    (``incident_alignment``).

    ``versions`` keeps each reviewer's records there, as plain data: ``{reviewer id:
    [{"act": [start, end], "category", "evidence_status", "slots": [[role, [start, end],
    involvement], ...], "note"}, ...]}``; ``signature`` is its SHA-256, so an unchanged
    act keeps its resolution when a layer is resubmitted. ``kept_from`` is the reviewer
    whose record the moderator kept (none: rejected).
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="incident_items")
    act_start = models.PositiveIntegerField()
    act_end = models.PositiveIntegerField()
    kinds = models.JSONField(default=list)
    versions = models.JSONField(default=dict)
    signature = models.CharField(max_length=SHA256_HEX_LENGTH)
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    version = models.PositiveIntegerField(default=1)
    kept_from = models.PositiveIntegerField(null=True, blank=True)
    reason = models.CharField(
        max_length=24, choices=ResolutionReason.choices, blank=True, default=""
    )
    rationale = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolved_incident_items",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["document", "act_start", "act_end", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="incident_item_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["document", "status"], name="incident_item_document"),
        ]

    def __str__(self) -> str:
        return f"incident item {self.pk} of document {self.document_id} at {self.act_start}"


class GoldIncident(models.Model):
    """An incident of the gold layer: its act and the spans filling its roles are gold
    spans; with its provenance (who recorded it, unanimous or kept by a moderator, who
    decided, when and why). It goes with its act span; a slot goes with its span."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="gold_incidents")
    act = models.ForeignKey(GoldSpan, on_delete=models.CASCADE, related_name="incidents_as_act")
    note = models.TextField(blank=True)
    evidence_status = models.CharField(
        max_length=16, choices=EvidenceStatus.choices, default=EvidenceStatus.UNKNOWN
    )
    origin = models.CharField(max_length=12, choices=GoldOrigin.choices)
    proposed_by = models.JSONField(
        default=list, help_text="Ids of the reviewers who recorded exactly this incident."
    )
    item = models.ForeignKey(
        IncidentItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gold_incidents",
    )
    cluster_signature = models.CharField(max_length=SHA256_HEX_LENGTH, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gold_incident_decisions",
    )
    decided_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(
        max_length=24, choices=ResolutionReason.choices, blank=True, default=""
    )
    rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["document", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(origin__in=GoldOrigin.values), name="gold_incident_origin_valid"
            ),
            models.CheckConstraint(
                condition=Q(evidence_status__in=EvidenceStatus.values),
                name="gold_incident_evidence_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"gold incident {self.pk} (act {self.act_id})"


class GoldIncidentSlot(models.Model):
    """A gold span filling one of a gold incident's roles, with its involvement."""

    incident = models.ForeignKey(GoldIncident, on_delete=models.CASCADE, related_name="slots")
    role = models.ForeignKey(IncidentRole, on_delete=models.PROTECT, related_name="gold_slots")
    span = models.ForeignKey(GoldSpan, on_delete=models.CASCADE, related_name="incident_slots")
    involvement = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["incident", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "role", "span"], name="gold_incident_slot_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.role_id} {self.span_id}"
