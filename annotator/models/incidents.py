"""Incident records: a reviewer groups spans into an incident (the act span, with its
violation category, and the spans that fill the project's roles: victims, perpetrators,
place, date, source), after the HURIDOCS Events Standard Formats."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from annotator.models.annotations import Annotation, EvidenceStatus
from annotator.models.documents import Document
from annotator.models.projects import Category, Project, TaxonomyVersion


class IncidentRole(models.Model):
    """A role that spans fill in an incident, from the project's taxonomy file.

    ``multiple`` says whether several spans may fill it (victims) or one (the date);
    ``involvements`` are the codes, with names, a filled slot may carry (a perpetrator's
    involvement: direct, indirect, alleged); none: a slot carries none. The allowed
    categories (their subcategories too) are links to the categories, as a relation type's
    ends are; none allows any category.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="incident_roles")
    code = models.SlugField(
        max_length=64, help_text="Stable identifier used in exports, for example victims."
    )
    name = models.CharField(max_length=200)
    definition = models.TextField(
        blank=True, help_text="The guideline text reviewers see while they fill the role."
    )
    categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="incident_roles",
        help_text="The categories a span filling the role may have; none: any.",
    )
    multiple = models.BooleanField(
        default=False, help_text="Several spans may fill the role (victims), or only one."
    )
    involvements = models.JSONField(
        default=list,
        blank=True,
        help_text='The involvements a filled slot may carry: a list of {"code", "name"}.',
    )
    order = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(
        default=False,
        help_text="Retired roles take no new span but stay on existing incidents and in "
        "exports; a role that incidents fill is retired, never deleted.",
    )

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "code"], name="incident_role_code_unique_in_project"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def involvement_codes(self) -> list[str]:
        return [str(item.get("code", "")) for item in self.involvements or []]


class Incident(models.Model):
    """One reviewer's record of an incident in a document: its act (a span of a violation
    category, the reviewer's own), its slots, a note and an evidence status.

    ``version`` grows with every change of the incident itself: an edit based on an older
    version is refused. Slots are added and removed on their own.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="incidents")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="incidents"
    )
    act = models.ForeignKey(Annotation, on_delete=models.PROTECT, related_name="incidents_as_act")
    note = models.TextField(blank=True)
    evidence_status = models.CharField(
        max_length=16, choices=EvidenceStatus.choices, default=EvidenceStatus.UNKNOWN
    )
    version = models.PositiveIntegerField(default=1)
    taxonomy_version = models.ForeignKey(
        TaxonomyVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="incidents",
        help_text="The project's guidelines and taxonomy when the incident was recorded.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="incident_version_positive"),
            models.CheckConstraint(
                condition=Q(evidence_status__in=EvidenceStatus.values),
                name="incident_evidence_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["document", "reviewer"], name="incident_layer"),
        ]

    def __str__(self) -> str:
        return f"incident {self.pk} (act {self.act_id})"


class IncidentSlot(models.Model):
    """A span filling one of an incident's roles, with its involvement ("" for none)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="slots")
    role = models.ForeignKey(IncidentRole, on_delete=models.PROTECT, related_name="slots")
    annotation = models.ForeignKey(
        Annotation, on_delete=models.PROTECT, related_name="incident_slots"
    )
    involvement = models.CharField(max_length=64, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["incident", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "role", "annotation"], name="incident_slot_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id} {self.role_id} {self.annotation_id}"
