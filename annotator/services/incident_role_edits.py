"""Edits of one incident role at a time, from the taxonomy page: create, update, delete;
each checked as a taxonomy file is, audited, and a new taxonomy version, as the relation
types' edits are (``services.relation_type_edits``, with which they share
``services.taxonomy_edits``).

A role that an incident fills (a reviewer's or the gold layer's) keeps its code, is never
deleted (retire it: it takes no new span and stays on the incidents that have it), and
keeps fitting its slots: a change that would leave a slot with a category, an involvement
or a second span the role no longer allows is refused, so that nothing is made invalid
quietly.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Count, ProtectedError

from annotator.models import Category, GoldIncidentSlot, IncidentRole, IncidentSlot, Project
from annotator.selectors.incidents import (
    incident_role_in_use,
    incident_role_record,
)
from annotator.services.audit import audit_record, audited
from annotator.services.taxonomy_edits import (
    categories_by_code,
    code_pattern_check,
    code_unused_check,
    item_record,
    lineages,
    next_order,
    text_check,
)
from annotator.services.taxonomy_versions import taxonomy_version_create
from annotator.taxonomy import CODE_MAX_LENGTH, CODE_PATTERN, NAME_MAX_LENGTH
from annotator.taxonomy_incidents import Involvement

KIND = "incident_role"


def _role_state(role: IncidentRole) -> dict[str, Any]:
    """What the audit log records of a role: its file fields as the API lists them
    (categories by code), and its place in the order."""
    return {**incident_role_record(role), "order": role.order}


def _involvements(given: Sequence[Involvement]) -> list[dict[str, str]]:
    """The involvements as the role stores them, checked as a taxonomy file checks them."""
    problems = []
    seen: set[str] = set()
    for involvement in given:
        code, name = involvement.code.strip(), involvement.name.strip()
        if not CODE_PATTERN.match(code):
            problems.append(
                f"{code!r}: a code is 1-{CODE_MAX_LENGTH} letters, digits, hyphens or "
                "underscores, for example direct."
            )
        elif code in seen:
            problems.append(f"{code!r} is given twice.")
        seen.add(code)
        if not name:
            problems.append(f"{code!r} has no name.")
        elif len(name) > NAME_MAX_LENGTH or "\x00" in name:
            problems.append(f"{code!r}: a name is at most {NAME_MAX_LENGTH} characters.")
    if problems:
        raise ValidationError({"involvements": problems})
    return [{"code": i.code.strip(), "name": i.name.strip()} for i in given]


def _categories(project: Project, codes: Sequence[str]) -> list[Category]:
    found, problems = categories_by_code(project, {"categories": codes})
    if problems:
        raise ValidationError(problems)
    return found["categories"]


def _slots_fit(
    role: IncidentRole,
    *,
    categories: list[Category],
    multiple: bool,
    involvements: list[dict[str, str]],
) -> None:
    """Refuse a change that the role's slots would no longer fit: their spans' categories
    still allowed (a category allows its subcategories; none, any), a second span of one
    incident still allowed, and every involvement they carry still offered."""
    slots = IncidentSlot.objects.filter(role=role).order_by()
    gold = GoldIncidentSlot.objects.filter(role=role).order_by()
    problems: dict[str, str] = {}
    if not multiple and role.multiple:
        crowded = any(
            rows.values("incident").annotate(n=Count("pk")).filter(n__gt=1).exists()
            for rows in (slots, gold)
        )
        if crowded:
            problems["multiple"] = (
                "Incidents fill this role with several spans, so it keeps taking several."
            )
    offered = {item["code"] for item in involvements}
    used = set(slots.values_list("involvement", flat=True).distinct())
    used |= set(gold.values_list("involvement", flat=True).distinct())
    dropped = sorted(used - offered - {""})
    if dropped:
        problems["involvements"] = (
            "Incidents use the involvement "
            + ", ".join(map(repr, dropped))
            + " in this role; keep it, or change those incidents first."
        )
    allowed = {category.pk for category in categories}
    if allowed:
        lineages_of = lineages(role.project_id)
        spans = set(slots.values_list("annotation__category_id", flat=True).distinct())
        spans |= set(gold.values_list("span__category_id", flat=True).distinct())
        refused = {pk for pk in spans if not allowed & lineages_of.get(pk, {pk})}
        if refused:
            codes = Category.objects.filter(pk__in=refused).values_list("code", flat=True)
            problems["categories"] = (
                "Incidents fill this role with spans of "
                + ", ".join(sorted(map(repr, codes)))
                + ", which these categories no longer allow; allow them, or change those "
                "incidents first."
            )
    if problems:
        raise ValidationError(problems)


def _write(
    row: IncidentRole,
    *,
    categories: list[Category],
    before: dict[str, Any] | None,
    actor: User | None,
) -> bool:
    """Save a checked role with its categories, audited and a new taxonomy version;
    whether anything changed."""
    text_check(row.name, row.definition)
    row.full_clean(validate_constraints=False)
    row.save()
    row.categories.set(categories)
    return item_record(
        row, project=row.project, kind=KIND, before=before, after=_role_state(row), actor=actor
    )


@audited
def incident_role_create(
    *,
    project: Project,
    code: str,
    name: str,
    definition: str = "",
    categories: Sequence[str] = (),
    multiple: bool = False,
    involvements: Sequence[Involvement] = (),
    retired: bool = False,
    actor: User | None,
) -> IncidentRole:
    """A new incident role of the project, last in its order (categories by code; none
    allows any category)."""
    code = code.strip()
    code_pattern_check(code, example="victims")
    code_unused_check(IncidentRole.objects.filter(project=project), code, noun="incident role")
    row = IncidentRole(
        project=project,
        code=code,
        name=name.strip(),
        definition=definition.strip(),
        multiple=multiple,
        involvements=_involvements(involvements),
        retired=retired,
        order=next_order(IncidentRole.objects.filter(project=project)),
    )
    _write(row, categories=_categories(project, categories), before=None, actor=actor)
    return row


@audited
def incident_role_update(
    *,
    role: IncidentRole,
    name: str,
    definition: str,
    categories: Sequence[str],
    multiple: bool,
    involvements: Sequence[Involvement],
    retired: bool,
    actor: User | None,
) -> IncidentRole:
    """Change a role (its code stays); refused when its slots would no longer fit
    (``_slots_fit``). A change makes a new taxonomy version."""
    row = (
        IncidentRole.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=role.pk)
    )
    before = _role_state(row)
    chosen = _categories(row.project, categories)
    stored = _involvements(involvements)
    _slots_fit(row, categories=chosen, multiple=multiple, involvements=stored)
    row.name, row.definition = name.strip(), definition.strip()
    row.multiple, row.involvements, row.retired = multiple, stored, retired
    _write(row, categories=chosen, before=before, actor=actor)
    return row


@audited
def incident_role_delete(*, role: IncidentRole, actor: User | None) -> None:
    """Delete a role that no incident fills; one in use is refused (retire it instead)."""
    row = (
        IncidentRole.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=role.pk)
    )
    refusal = ValidationError(
        f"The incident role {row.code!r} is in use (incidents fill it), so it cannot be "
        "deleted; retire it instead."
    )
    if incident_role_in_use(row):
        raise refusal
    before = _role_state(row)
    project, pk = row.project, row.pk
    try:
        row.delete()
    except ProtectedError as error:  # a slot added since the check
        raise refusal from error
    audit_record(
        actor=actor,
        action=f"{KIND}.delete",
        object_type=KIND,
        object_id=pk,
        project=project,
        before=before,
    )
    taxonomy_version_create(project=project, actor=actor)
