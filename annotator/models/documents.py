"""Documents with the provenance of their text, reviewers' assignments, imported layers."""

from __future__ import annotations

import bisect

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from annotator.models.projects import Category, Project

SHA256_HEX_LENGTH = 64


class TextDirection(models.TextChoices):
    AUTO = "auto", "Automatic (follows the script)"
    LTR = "ltr", "Left to right"
    RTL = "rtl", "Right to left"


class DocumentStatus(models.TextChoices):
    NEW = "new", "New"
    IN_ANNOTATION = "in_annotation", "In annotation"
    AWAITING_MODERATION = "awaiting_moderation", "Awaiting moderation"
    IN_MODERATION = "in_moderation", "In moderation"
    RECONCILED = "reconciled", "Reconciled"


class Document(models.Model):
    """A source document: its canonical text and the provenance of that text.

    ``text`` is the canonical working text (Unicode NFC, line endings ``\\n``). Every span
    offset in the product is a Unicode code-point offset into it. The original bytes are
    kept unchanged in ``source_file``. Both hashes are SHA-256 hex digests, of the original
    bytes and of the UTF-8 encoding of the canonical text.
    """

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="documents")
    title = models.CharField(max_length=500)
    text = models.TextField()
    text_sha256 = models.CharField(max_length=SHA256_HEX_LENGTH, editable=False)
    text_length = models.PositiveIntegerField(
        editable=False, help_text="Length of the canonical text in Unicode code points."
    )
    source_file = models.FileField(max_length=300, blank=True, editable=False)
    source_sha256 = models.CharField(max_length=SHA256_HEX_LENGTH, editable=False)
    source_size = models.PositiveBigIntegerField(editable=False, help_text="Bytes.")
    source_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100)
    source_url = models.URLField(max_length=2000, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    published_on = models.DateField(null=True, blank=True)
    language = models.CharField(
        max_length=35, blank=True, help_text="BCP 47 language tag, for example ug-Arab or en."
    )
    direction = models.CharField(
        max_length=4, choices=TextDirection.choices, default=TextDirection.AUTO
    )
    status = models.CharField(
        max_length=24, choices=DocumentStatus.choices, default=DocumentStatus.NEW
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="imported_documents",
    )
    imported_at = models.DateTimeField(default=timezone.now, editable=False)
    extractor = models.CharField(max_length=100, editable=False)
    extractor_version = models.CharField(max_length=200, editable=False)
    normalisation = models.JSONField(
        default=list, editable=False, help_text="Normalisation steps applied, in order."
    )
    metadata = models.JSONField(default=dict, blank=True)
    page_starts = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="For paged sources (PDF): the offset in the text where each page begins.",
    )
    agreement = models.FloatField(
        null=True,
        blank=True,
        editable=False,
        help_text="Unitizing alpha of the submitted layers when they were last aligned "
        "(empty when undefined, for example when nobody marked anything).",
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "text_sha256"], name="document_text_unique_in_project"
            ),
            models.CheckConstraint(
                condition=Q(direction__in=TextDirection.values), name="document_direction_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=DocumentStatus.values), name="document_status_valid"
            ),
        ]
        indexes = [models.Index(fields=["project", "status"], name="document_project_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("document_detail", kwargs={"project_slug": self.project.slug, "pk": self.pk})

    def page_at(self, offset: int) -> int | None:
        """The page (from 1) on which the character at ``offset`` lies, for paged sources."""
        if not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset) or 1


class Assignment(models.Model):
    """A reviewer's task to annotate one document independently, until they submit it."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="assignments")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assignments_made",
    )
    assigned_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["document", "assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "reviewer"], name="assignment_once_per_reviewer"
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "submitted_at"], name="assignment_inbox")]

    def __str__(self) -> str:
        return f"{self.reviewer} on {self.document_id}"

    @property
    def submitted(self) -> bool:
        return self.submitted_at is not None


class ImportedSpan(models.Model):
    """A span that came with an imported corpus, in a layer named after its source.

    Imported spans are never a reviewer's: they keep another tool's (or an earlier export's)
    annotations beside the product's own. ``category_code`` is kept as the source wrote it;
    ``category`` is the project's category of that code, if there is one.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="imported_spans")
    layer = models.CharField(max_length=300, help_text='For example "import: corpus.jsonl".')
    category_code = models.CharField(max_length=200)
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    note = models.TextField(blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["document", "layer", "start", "end", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start__gte=0) & Q(end__gt=F("start")),
                name="imported_span_offsets_non_empty",
            ),
        ]
        indexes = [models.Index(fields=["document", "layer"], name="imported_span_layer")]

    def __str__(self) -> str:
        return f"{self.layer}: {self.category_code} {self.start}-{self.end}"


class ImportedRelation(models.Model):
    """A relation that came with an imported corpus, between two spans of one imported layer.

    Like its spans it is never a reviewer's. ``type_code`` is kept as the source wrote it
    (brat's ``R`` line type, doccano's ``type``); ``relation_type`` is the project's relation
    type of that code, if there is one. It goes with either of its spans.
    """

    document = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="imported_relations"
    )
    layer = models.CharField(max_length=300, help_text="The layer of its two spans.")
    type_code = models.CharField(max_length=200)
    relation_type = models.ForeignKey(
        "annotator.RelationType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    source = models.ForeignKey(
        ImportedSpan, on_delete=models.CASCADE, related_name="imported_relations_as_source"
    )
    target = models.ForeignKey(
        ImportedSpan, on_delete=models.CASCADE, related_name="imported_relations_as_target"
    )
    attributes = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["document", "layer", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(source=F("target")), name="imported_relation_ends_differ"
            ),
        ]
        indexes = [models.Index(fields=["document", "layer"], name="imported_relation_layer")]

    def __str__(self) -> str:
        return f"{self.layer}: {self.source_id} {self.type_code} {self.target_id}"
