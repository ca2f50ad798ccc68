"""What the taxonomy page's edits of one relation type or one incident role share: a new
code checked as a taxonomy file checks it, the categories named by code, the lineage of
each category (a category allows its subcategories), and the audit event and the new
taxonomy version that every change makes (``services.relation_type_edits``,
``services.incident_role_edits``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Max, Model, QuerySet

from annotator.models import Category, Project
from annotator.services.audit import audit_record
from annotator.services.taxonomy_versions import taxonomy_version_create
from annotator.taxonomy import CODE_MAX_LENGTH, CODE_PATTERN


def code_pattern_check(code: str, *, example: str) -> None:
    """A new code as a taxonomy file allows it."""
    if not CODE_PATTERN.match(code):
        raise ValidationError(
            {
                "code": f"A code is 1-{CODE_MAX_LENGTH} letters, digits, hyphens or "
                f"underscores, for example {example}."
            }
        )


def code_unused_check(rows: QuerySet[Any], code: str, *, noun: str) -> None:
    """A new code that none of ``rows`` (the project's relation types, or its roles) has."""
    if rows.filter(code=code).exists():
        raise ValidationError({"code": f"Another {noun} has the code {code!r}."})


def text_check(*texts: str) -> None:
    """A name and a definition that the database can store."""
    if any("\x00" in text for text in texts):
        raise ValidationError("The name and definition cannot contain the NUL character.")


def categories_by_code(
    project: Project, lists: Mapping[str, Sequence[str]]
) -> tuple[dict[str, list[Category]], dict[str, str]]:
    """Each field's categories from their codes (in the order given, without repeats), in
    one query, and a problem for each field that names a category the project lacks."""
    codes = {name: list(dict.fromkeys(given)) for name, given in lists.items()}
    wanted = [code for given in codes.values() for code in given]
    found = {c.code: c for c in Category.objects.filter(project=project, code__in=wanted)}
    problems: dict[str, str] = {}
    for name, given in codes.items():
        missing = [code for code in given if code not in found]
        if missing:
            problems[name] = "This project has no category " + ", ".join(map(repr, missing)) + "."
    categories = {
        name: [found[code] for code in given if code in found] for name, given in codes.items()
    }
    return categories, problems


def lineages(project_id: int) -> dict[int, set[int]]:
    """Each of the project's categories with its ancestors' ids (one query)."""
    parents: dict[int, int | None] = dict(
        Category.objects.filter(project_id=project_id).values_list("pk", "parent_id")
    )
    found: dict[int, set[int]] = {}
    for pk in parents:
        ids: set[int] = {pk}
        current = parents[pk]
        while current is not None and current not in ids:
            ids.add(current)
            current = parents.get(current)
        found[pk] = ids
    return found


def next_order(rows: QuerySet[Any]) -> int:
    """The order of a row added after ``rows``."""
    highest = rows.aggregate(n=Max("order"))["n"]
    return 0 if highest is None else highest + 1


def item_record(
    row: Model,
    *,
    project: Project,
    kind: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    actor: User | None,
) -> bool:
    """Audit a change of one relation type or role (``kind``: ``relation_type`` or
    ``incident_role``, its object type and the prefix of its action) and make the taxonomy
    version it starts; False (and nothing recorded) when nothing changed."""
    if after == before:
        return False
    audit_record(
        actor=actor,
        action=f"{kind}.create" if before is None else f"{kind}.update",
        object_type=kind,
        object_id=row.pk,
        project=project,
        before=before,
        after=after,
    )
    taxonomy_version_create(project=project, actor=actor)
    return True
