"""Relations in moderation: where the reviewers' relations disagree (relation items), and
the relations of the gold layer they reconcile into."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from annotator.models.documents import SHA256_HEX_LENGTH, Document
from annotator.models.moderation import GoldOrigin, GoldSpan, ItemStatus, ResolutionReason
from annotator.models.relations import RelationType


class RelationItem(models.Model):
    """One pair of passages the submitted layers link differently (``relation_alignment``).

    ``first``/``second`` are the two passages' offsets, in order; ``versions`` keeps what
    each reviewer drew between them, as plain data: ``{reviewer id: [[type code, [source
    start, end], [target start, end], symmetric], ...]}``; ``signature`` is its SHA-256, so
    an unchanged pair keeps its resolution when a layer is resubmitted. ``kept`` lists the
    relations the moderator kept, in the same shape (none: all rejected).
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="relation_items")
    first_start = models.PositiveIntegerField()
    first_end = models.PositiveIntegerField()
    second_start = models.PositiveIntegerField()
    second_end = models.PositiveIntegerField()
    kinds = models.JSONField(default=list)
    versions = models.JSONField(default=dict)
    signature = models.CharField(max_length=SHA256_HEX_LENGTH)
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    version = models.PositiveIntegerField(default=1)
    kept = models.JSONField(default=list, blank=True)
    reason = models.CharField(
        max_length=24, choices=ResolutionReason.choices, blank=True, default=""
    )
    rationale = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolved_relation_items",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["document", "first_start", "first_end", "second_start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="relation_item_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["document", "status"], name="relation_item_document"),
        ]

    def __str__(self) -> str:
        return (
            f"relation item {self.pk} of document {self.document_id}: "
            f"{self.first_start}-{self.first_end} / {self.second_start}-{self.second_end}"
        )


class GoldRelation(models.Model):
    """A relation of the gold layer, between two gold spans, with its provenance: which
    reviewers drew it (``proposed_by``), whether alignment found it unanimous or a
    moderator kept it (``item``), who decided, when and why. It goes with either of its
    spans: a gold span removed takes its relations with it (audited)."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="gold_relations")
    source = models.ForeignKey(
        GoldSpan, on_delete=models.CASCADE, related_name="relations_as_source"
    )
    target = models.ForeignKey(
        GoldSpan, on_delete=models.CASCADE, related_name="relations_as_target"
    )
    relation_type = models.ForeignKey(
        RelationType, on_delete=models.PROTECT, related_name="gold_relations"
    )
    origin = models.CharField(max_length=12, choices=GoldOrigin.choices)
    proposed_by = models.JSONField(
        default=list, help_text="Ids of the reviewers who drew this relation."
    )
    item = models.ForeignKey(
        RelationItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gold_relations",
    )
    cluster_signature = models.CharField(max_length=SHA256_HEX_LENGTH, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gold_relation_decisions",
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
                condition=~Q(source=F("target")), name="gold_relation_ends_differ"
            ),
            models.UniqueConstraint(
                fields=["source", "target", "relation_type"], name="gold_relation_unique"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=GoldOrigin.values), name="gold_relation_origin_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"gold {self.source_id} {self.relation_type_id} {self.target_id}"
