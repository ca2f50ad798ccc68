"""Moderation items (where layers disagree) and the gold layer they reconcile into."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from annotator.models.annotations import EvidenceStatus, SourceType
from annotator.models.documents import SHA256_HEX_LENGTH, Document
from annotator.models.projects import Category


class ItemStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"
    SUPERSEDED = "superseded", "Superseded"  # its cluster changed when a layer was resubmitted


class Resolution(models.TextChoices):
    ACCEPT_REVIEWER = "accept_reviewer", "Accepted one reviewer's version"
    ACCEPT_SPANS = "accept_spans", "Accepted some of the spans proposed"
    CUSTOM = "custom", "Wrote a custom version"
    REJECT = "reject", "Rejected all"


class ResolutionReason(models.TextChoices):
    NONE = "", "No reason given"
    GUIDELINE_UNCLEAR = "guideline_unclear", "Guideline unclear"
    REVIEWER_ERROR = "reviewer_error", "Reviewer error"
    AMBIGUOUS_TEXT = "ambiguous_text", "Ambiguous text"
    OTHER = "other", "Other"


class ModerationItem(models.Model):
    """One point where the submitted layers of a document disagree (a contested cluster).

    ``versions`` keeps what each reviewer proposed, as plain data: ``{reviewer id: [[start,
    end, category code, evidence status, source type, note], ...]}`` (items aligned before
    spans' attributes were compared hold the first three only); ``signature`` is the
    SHA-256 of that, so that when a layer is resubmitted an unchanged cluster keeps its
    resolution. ``kinds`` is a set: a cluster can differ in label, boundary, what is
    missing and attributes at once.
    """

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="moderation_items"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    kinds = models.JSONField(default=list)
    # The same facts as flat columns, so that the queue filters alike on SQLite and PostgreSQL.
    is_label = models.BooleanField(default=False)
    is_boundary = models.BooleanField(default=False)
    is_missing = models.BooleanField(default=False)
    is_attributes = models.BooleanField(default=False)
    category_codes = models.CharField(
        max_length=2000, blank=True, help_text="Every category proposed, as ,code,code,"
    )
    versions = models.JSONField(default=dict)
    contestedness = models.PositiveIntegerField(default=0)
    signature = models.CharField(max_length=SHA256_HEX_LENGTH)
    status = models.CharField(max_length=12, choices=ItemStatus.choices, default=ItemStatus.OPEN)
    version = models.PositiveIntegerField(default=1)
    resolution = models.CharField(max_length=16, choices=Resolution.choices, blank=True)
    reason = models.CharField(
        max_length=24, choices=ResolutionReason.choices, blank=True, default=""
    )
    rationale = models.TextField(blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="resolved_items",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # Not a column: the queue's selector reads it for a page of items (``with_passages``).
    passage: str

    class Meta:
        ordering = ["document", "start", "end", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="moderation_item_offsets_non_empty"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ItemStatus.values), name="moderation_item_status_valid"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "document", "start"], name="moderation_queue_order"),
        ]

    def __str__(self) -> str:
        return f"item {self.pk} of document {self.document_id} at {self.start}-{self.end}"


class GoldOrigin(models.TextChoices):
    UNANIMOUS = "unanimous", "Unanimous"
    MODERATED = "moderated", "Moderated"
    ADDED = "added", "Added by a moderator"


class GoldSpan(models.Model):
    """A span of the reconciled (gold) layer: everything a reviewer's span carries (its
    category, boundaries, quote, evidence status, source type and note), and its provenance:
    which reviewers proposed exactly this span with these attributes (``proposed_by``) or at
    least its boundaries and category (``matched_by``), who decided, when and why.
    ``version`` grows with every change: an edit based on an older version is refused.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="gold_spans")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="gold_spans")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    evidence_status = models.CharField(
        max_length=16, choices=EvidenceStatus.choices, default=EvidenceStatus.UNKNOWN
    )
    source_type = models.CharField(
        max_length=24, choices=SourceType.choices, default=SourceType.OTHER
    )
    note = models.TextField(blank=True)
    origin = models.CharField(max_length=12, choices=GoldOrigin.choices)
    proposed_by = models.JSONField(
        default=list,
        help_text="Ids of the reviewers who proposed exactly this span, attributes included.",
    )
    matched_by = models.JSONField(
        default=list,
        help_text="Ids of the reviewers who proposed its boundaries and category.",
    )
    item = models.ForeignKey(
        ModerationItem,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gold_spans",
    )
    cluster_signature = models.CharField(max_length=SHA256_HEX_LENGTH)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="gold_decisions",
    )
    decided_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(
        max_length=24, choices=ResolutionReason.choices, blank=True, default=""
    )
    rationale = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["document", "start", "end", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="gold_span_offsets_non_empty"
            ),
            models.CheckConstraint(
                condition=Q(evidence_status__in=EvidenceStatus.values),
                name="gold_span_evidence_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(source_type__in=SourceType.values),
                name="gold_span_source_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(origin__in=GoldOrigin.values), name="gold_span_origin_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"gold {self.start}-{self.end} {self.quote[:40]!r}"
