"""The taxonomy pages: categories listed, edited, moved, retired and deleted (the file's
upload and download are in ``views.taxonomy_files``)."""

from __future__ import annotations

from typing import Any, Literal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from annotator.access import AuthenticatedHttpRequest, ProjectAccess
from annotator.forms.projects import CategoryForm, TaxonomyUploadForm
from annotator.models import Category
from annotator.selectors.incidents import incident_role_rows
from annotator.selectors.projects import (
    taxonomy_rows,
    taxonomy_version_list,
)
from annotator.selectors.relations import relation_type_list
from annotator.services.categories import (
    category_delete,
    category_move,
    category_retire,
    category_save,
)
from annotator.views.settings import (
    VERSIONS_SHOWN,
    add_errors,
    manager_access,
)


def _parents(project_rows: list[Any], exclude: Category | None) -> list[tuple[Category, int]]:
    """The categories a category may have as its parent: not itself, nor its descendants."""
    banned: set[int] = set()
    if exclude is not None:
        banned.add(exclude.pk)
        for row in project_rows:  # rows come parents first, so descendants follow
            if row.category.parent_id in banned:
                banned.add(row.category.pk)
    return [(row.category, row.depth) for row in project_rows if row.category.pk not in banned]


def _category_from(form: CategoryForm, category: Category, rows: list[Any]) -> Category:
    by_pk = {row.category.pk: row.category for row in rows}
    data = form.cleaned_data
    if not form.fields["code"].disabled:
        category.code = data["code"]
    category.name = data["name"]
    category.definition = data["definition"]
    category.colour = data["colour"].upper()
    category.shortcut = data["shortcut"]
    parent_id = data["parent"]
    category.parent = by_pk.get(parent_id) if parent_id else None
    if data["group"]:
        category.group = data["group"]
    elif category.parent is not None:
        category.group = category.parent.group
    return category


@require_http_methods(["GET", "POST"])
def project_taxonomy(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """The taxonomy as a tree, with a form to add a category, the buttons to reorder,
    retire and delete, the relation types and incident roles, the upload and download of
    the file, and the versions."""
    access = manager_access(request, project_slug, to="change the taxonomy")
    project = access.project
    rows = taxonomy_rows(project=project)
    form = CategoryForm(request.POST or None, parents=_parents(rows, None))
    if request.method == "POST" and form.is_valid():
        category = _category_from(form, Category(project=project), rows)
        try:
            category_save(category=category, actor=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Added the category “{category.name}”.")
            return redirect("project_taxonomy", project_slug=project.slug)
    # After a move, its button has the focus again (see ``category_reorder``).
    direction, _, focused = request.GET.get("focus", "").partition("-")
    focus_pk = int(focused) if focused.isdecimal() and len(focused) < 19 else None
    versions = list(taxonomy_version_list(project=project)[:VERSIONS_SHOWN])
    return render(
        request,
        "annotator/project_taxonomy.html",
        {
            "project": project,
            "access": access,
            "section": "taxonomy",
            "rows": rows,
            "form": form,
            "relation_types": list(relation_type_list(project=project)),
            "incident_roles": list(incident_role_rows(project=project)),
            "focus_pk": focus_pk,
            "focus_direction": direction,
            "versions": versions,
            "upload_form": TaxonomyUploadForm(),
        },
    )


def _category(access: ProjectAccess, pk: int) -> Category:
    for row in taxonomy_rows(project=access.project):
        if row.category.pk == pk:
            return row.category
    raise Http404("No such category in this project.")


@require_http_methods(["GET", "POST"])
def category_edit(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Change one category: name, definition, colour, shortcut, parent, and its code while
    nothing uses it."""
    access = manager_access(request, project_slug, to="change the taxonomy")
    rows = taxonomy_rows(project=access.project)
    row = next((row for row in rows if row.category.pk == pk), None)
    if row is None:
        raise Http404("No such category in this project.")
    category = row.category
    initial = {
        "code": category.code,
        "name": category.name,
        "definition": category.definition,
        "colour": category.colour,
        "shortcut": category.shortcut,
        "parent": category.parent_id or "",
        "group": category.group,
    }
    form = CategoryForm(
        request.POST or None,
        initial=initial,
        parents=_parents(rows, category),
        code_locked=row.in_use,
    )
    if request.method == "POST" and form.is_valid():
        try:
            category_save(category=_category_from(form, category, rows), actor=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, f"Saved the category “{category.name}”.")
            return redirect("project_taxonomy", project_slug=project_slug)
    return render(
        request,
        "annotator/category_edit.html",
        {
            "project": access.project,
            "access": access,
            "section": "taxonomy",
            "category": category,
            "row": row,
            "form": form,
        },
    )


@require_POST
def category_reorder(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Move a category one place up or down among its siblings; the page comes back with
    the same button focused, so that a keyboard user can press it again."""
    access = manager_access(request, project_slug, to="change the taxonomy")
    category = _category(access, pk)
    direction: Literal["up", "down"] = "up" if request.POST.get("direction") == "up" else "down"
    if not category_move(category=category, direction=direction, actor=request.user):
        messages.info(
            request, f"“{category.name}” is already {'first' if direction == 'up' else 'last'}."
        )
    url = reverse("project_taxonomy", kwargs={"project_slug": project_slug})
    return redirect(f"{url}?focus={direction}-{category.pk}#category-{category.pk}")


@require_POST
def category_retirement(
    request: AuthenticatedHttpRequest, project_slug: str, pk: int
) -> HttpResponse:
    """Retire a category (no new spans; its shortcut is freed) or bring it back."""
    access = manager_access(request, project_slug, to="change the taxonomy")
    category = _category(access, pk)
    retire = request.POST.get("retired", "1") != "0"
    try:
        category_retire(category=category, retired=retire, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"Retired “{category.name}”: it is offered for no new span, and stays on the spans "
            "that have it."
            if retire
            else f"“{category.name}” is offered again (give it a shortcut if it needs one).",
        )
    return redirect("project_taxonomy", project_slug=project_slug)


@require_POST
def category_remove(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Delete a category nothing uses; one in use is refused (retire it)."""
    access = manager_access(request, project_slug, to="change the taxonomy")
    category = _category(access, pk)
    try:
        category_delete(category=category, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Deleted the category “{category.name}”.")
    return redirect("project_taxonomy", project_slug=project_slug)
