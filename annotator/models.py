"""The data model: projects, their taxonomy and members, documents, annotations, audit.

Models hold fields, database constraints and properties computed from their own row.
Writes go through ``annotator.services``; reads that list rows go through
``annotator.selectors``.
"""

from __future__ import annotations

import bisect

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #RRGGBB, for example #0072B2.")
SHA256_HEX_LENGTH = 64


class Role(models.TextChoices):
    MANAGER = "manager", "Manager"
    MODERATOR = "moderator", "Moderator"
    REVIEWER = "reviewer", "Reviewer"


class Project(models.Model):
    """An annotation campaign: its own taxonomy, guidelines, members and documents."""

    slug = models.SlugField(max_length=64, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    guidelines = models.TextField(
        blank=True, help_text="Shown to reviewers beside the category definitions."
    )
    reviewers_per_document = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1)],
        help_text="How many reviewers annotate each document independently.",
    )
    blind_annotation = models.BooleanField(
        default=True,
        help_text="Reviewers never see another reviewer's spans, nor who else is assigned.",
    )
    anonymous_moderation = models.BooleanField(
        default=False,
        help_text="Moderators see reviewers as Reviewer A, B, C instead of by name.",
    )
    auto_accept_unanimous = models.BooleanField(
        default=True,
        help_text="Spans every reviewer agrees on go straight into the gold layer.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    layers_revision = models.PositiveBigIntegerField(
        default=0,
        editable=False,
        help_text="Counts changes to submitted and gold layers; cached agreement figures "
        "computed at an older revision are recomputed.",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Membership", related_name="projects"
    )

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reviewers_per_document__gte=1),
                name="project_reviewers_per_document_at_least_one",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("document_list", kwargs={"project_slug": self.slug})


class Category(models.Model):
    """A violation category of a project's taxonomy; taxonomies can be hierarchical."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="categories")
    code = models.SlugField(
        max_length=64, help_text="Stable identifier used in exports, for example forced_labour."
    )
    name = models.CharField(max_length=200)
    definition = models.TextField(
        blank=True, help_text="The guideline text reviewers see while they annotate."
    )
    colour = models.CharField(max_length=7, default="#0072B2", validators=[HEX_COLOUR])
    shortcut = models.CharField(
        max_length=1, blank=True, help_text="One key that applies this category in the editor."
    )
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "code"], name="category_code_unique_in_project"
            ),
            models.UniqueConstraint(
                fields=["project", "shortcut"],
                condition=~Q(shortcut=""),
                name="category_shortcut_unique_in_project",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        """A parent must be a category of the same project, and not the category's descendant."""
        if self.parent_id is None:
            return
        if self.parent.project_id != self.project_id:
            raise ValidationError({"parent": "The parent must belong to the same project."})
        ancestor, seen = self.parent, set()
        while ancestor is not None and ancestor.pk not in seen:
            if self.pk is not None and ancestor.pk == self.pk:
                raise ValidationError(
                    {"parent": "A category cannot be its own parent or its descendant's child."}
                )
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class Membership(models.Model):
    """A user's role in a project."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["project", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="membership_one_per_user"),
            models.CheckConstraint(condition=Q(role__in=Role.values), name="membership_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} is {self.get_role_display().lower()} of {self.project}"


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
    end, category code], ...]}``; ``signature`` is the SHA-256 of that, so that when a layer
    is resubmitted an unchanged cluster keeps its resolution.
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


class GoldSpan(models.Model):
    """A span of the reconciled (gold) layer, with where it came from and who decided it."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="gold_spans")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="gold_spans")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    quote = models.TextField()
    origin = models.CharField(max_length=12, choices=GoldOrigin.choices)
    proposed_by = models.JSONField(
        default=list, help_text="Ids of the reviewers who proposed exactly this span."
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

    class Meta:
        ordering = ["document", "start", "end", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="gold_span_offsets_non_empty"
            ),
            models.CheckConstraint(
                condition=Q(origin__in=GoldOrigin.values), name="gold_span_origin_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"gold {self.start}-{self.end} {self.quote[:40]!r}"


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

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        if self.pk is not None:
            raise RuntimeError("Audit events are append-only: an event cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[no-untyped-def]
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


class ApiToken(models.Model):
    """A token for scripts calling the JSON API; only its SHA-256 is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(
        max_length=8, help_text="The token's first characters, to tell it apart."
    )
    key_sha256 = models.CharField(max_length=SHA256_HEX_LENGTH, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["user", "-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"


class AgreementReport(models.Model):
    """Agreement figures of a project (for one set of document filters), kept until stale.

    ``revision`` is the project's ``layers_revision`` the figures were computed at; a report
    whose revision is older is recomputed before it is shown.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="agreement_reports")
    filters_key = models.CharField(max_length=SHA256_HEX_LENGTH)
    filters = models.JSONField(default=dict)
    revision = models.PositiveBigIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)
    seconds = models.FloatField(help_text="How long the computation took.")
    figures = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "filters_key"], name="agreement_report_unique_filters"
            )
        ]

    def __str__(self) -> str:
        return f"agreement of {self.project} at revision {self.revision}"
