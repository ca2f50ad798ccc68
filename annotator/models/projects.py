"""Projects, their taxonomy (categories) and their members."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

HEX_COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Enter a colour as #RRGGBB, for example #0072B2.")


class Role(models.TextChoices):
    MANAGER = "manager", "Manager"
    MODERATOR = "moderator", "Moderator"
    REVIEWER = "reviewer", "Reviewer"


class CategoryGroup(models.TextChoices):
    """Violations a passage describes, and the entities (victims, perpetrators, places,
    dates) that incidents are made of: the editor and agreement keep them apart."""

    VIOLATION = "violation", "Violation"
    ENTITY = "entity", "Entity"


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
        help_text="Moderators see a document's reviewers as Reviewer A, B, C instead of by "
        "name, on every page about it; managers, who assign reviewers, still see names.",
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
    """A category of a project's taxonomy (a violation, or an entity such as a victim);
    taxonomies can be hierarchical, a subcategory in its parent's group."""

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
    group = models.CharField(
        max_length=16, choices=CategoryGroup.choices, default=CategoryGroup.VIOLATION
    )
    retired = models.BooleanField(
        default=False,
        help_text="Retired categories are offered for no new span (hidden from the editor's "
        "popup and keys) but stay on existing spans and in exports; a category in use is "
        "retired, never deleted.",
    )

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
            models.CheckConstraint(
                condition=Q(group__in=CategoryGroup.values), name="category_group_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        """A parent must be a category of the same project, and not the category's descendant."""
        parent = self.parent
        if parent is None:
            return
        if parent.project_id != self.project_id:
            raise ValidationError({"parent": "The parent must belong to the same project."})
        ancestor: Category | None = parent
        seen: set[int] = set()
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


class TaxonomyVersion(models.Model):
    """One numbered state of a project's guidelines and taxonomy.

    Every change of either makes the next version (1, 2, 3… per project), and every span
    records the version it was made under, so that a corpus can say which definitions its
    reviewers read. ``taxonomy`` is the taxonomy file's data (``{"categories": [...]}``,
    nested as the download writes it), retired categories included.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="taxonomy_versions")
    number = models.PositiveIntegerField()
    guidelines = models.TextField(blank=True)
    taxonomy = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "number"], name="taxonomy_version_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="taxonomy_version_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} taxonomy version {self.number}"
