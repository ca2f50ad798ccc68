"""Relations between spans: a project's relation types, and the links a reviewer draws
from one of their spans to another (a denial to the allegation it denies)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from annotator.models.annotations import Annotation
from annotator.models.documents import Document
from annotator.models.projects import Category, Project, TaxonomyVersion


class RelationType(models.Model):
    """A kind of link between two spans, from the project's taxonomy file.

    A directed type goes from its source to its target; a symmetric one has no direction,
    and each of its relations is stored once, whichever way round it was drawn. The
    categories allowed at each end (their subcategories too) are kept as links to the
    categories, so they follow a category's renaming; none at an end allows any category.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="relation_types")
    code = models.SlugField(
        max_length=64, help_text="Stable identifier used in exports, for example denies."
    )
    name = models.CharField(max_length=200)
    definition = models.TextField(
        blank=True, help_text="The guideline text reviewers see while they link spans."
    )
    symmetric = models.BooleanField(
        default=False, help_text="No direction: A to B is the same relation as B to A."
    )
    source_categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="relation_types_as_source",
        help_text="The categories a source span may have; none: any.",
    )
    target_categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="relation_types_as_target",
        help_text="The categories a target span may have; none: any.",
    )
    order = models.PositiveIntegerField(default=0)
    retired = models.BooleanField(
        default=False,
        help_text="Retired relation types are offered for no new relation but stay on "
        "existing ones and in exports; a relation type is retired, never deleted.",
    )

    class Meta:
        ordering = ["order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "code"], name="relation_type_code_unique_in_project"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Relation(models.Model):
    """A link from one span of a reviewer's layer to another of the same layer.

    Both ends are the same reviewer's annotations of ``document`` (the services check it;
    a span with relations is deleted together with them). ``version`` grows with every
    change: an edit based on an older version is refused.
    """

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="relations")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="relations"
    )
    source = models.ForeignKey(
        Annotation, on_delete=models.PROTECT, related_name="relations_as_source"
    )
    target = models.ForeignKey(
        Annotation, on_delete=models.PROTECT, related_name="relations_as_target"
    )
    relation_type = models.ForeignKey(
        RelationType, on_delete=models.PROTECT, related_name="relations"
    )
    note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    taxonomy_version = models.ForeignKey(
        TaxonomyVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="relations",
        help_text="The project's guidelines and taxonomy when the relation was drawn.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["document", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(source=F("target")), name="relation_ends_differ"),
            models.UniqueConstraint(
                fields=["source", "target", "relation_type"], name="relation_unique_per_type"
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="relation_version_positive"),
        ]
        indexes = [
            models.Index(fields=["document", "reviewer"], name="relation_layer"),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} {self.relation_type_id} {self.target_id}"
