"""Reviewers' spans and the evidence attributes each carries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from annotator.models.documents import Document
from annotator.models.projects import Category, TaxonomyVersion


class EvidenceStatus(models.TextChoices):
    """The status of an allegation as the passage states it."""

    CONFIRMED = "confirmed", "Confirmed"
    LIKELY = "likely", "Likely"
    POSSIBLE = "possible", "Possible"
    UNKNOWN = "unknown", "Unknown"


class SourceType(models.TextChoices):
    """The kind of source the passage reports."""

    VICTIM_TESTIMONY = "victim_testimony", "Victim testimony"
    WITNESS_TESTIMONY = "witness_testimony", "Witness testimony"
    OFFICIAL_STATEMENT = "official_statement", "Official statement"
    MEDIA_REPORT = "media_report", "Media report"
    OTHER = "other", "Other"


class Annotation(models.Model):
    """A span of a document's canonical text, tagged by one reviewer with one category.

    ``start`` and ``end`` are code-point offsets (half-open) into ``Document.text``, and
    ``quote`` is the text between them, kept so an offset error is detected, never exported.
    ``version`` grows with every change: an edit based on an older version is refused.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="annotations")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="annotations"
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="annotations")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    note = models.TextField(blank=True)
    evidence_status = models.CharField(
        max_length=16, choices=EvidenceStatus.choices, default=EvidenceStatus.UNKNOWN
    )
    source_type = models.CharField(
        max_length=24, choices=SourceType.choices, default=SourceType.OTHER
    )
    version = models.PositiveIntegerField(default=1)
    taxonomy_version = models.ForeignKey(
        TaxonomyVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="annotations",
        help_text="The project's guidelines and taxonomy when the span was made (empty for "
        "spans made before versions were kept).",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document", "start", "end", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(end__gt=F("start")),
                name="annotation_offsets_non_empty",
            ),
            models.CheckConstraint(
                condition=Q(evidence_status__in=EvidenceStatus.values),
                name="annotation_evidence_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(source_type__in=SourceType.values),
                name="annotation_source_type_valid",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="annotation_version_positive"),
        ]
        indexes = [
            models.Index(fields=["document", "reviewer", "start"], name="annotation_layer_order"),
        ]

    def __str__(self) -> str:
        return f"{self.start}-{self.end} {self.quote[:40]!r}"
