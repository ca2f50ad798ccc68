"""The taxonomy page's relation types: added, edited, retired and brought back, one at a
time (the taxonomy page lists them; a file upload changes them too)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from annotator.access import AuthenticatedHttpRequest, ProjectAccess
from annotator.forms.relation_types import RelationTypeForm
from annotator.models import RelationType
from annotator.selectors.projects import taxonomy_rows
from annotator.selectors.relations import (
    relation_type_get,
    relation_type_in_use,
    relation_type_spec,
)
from annotator.services.relation_type_edits import (
    relation_type_create,
    relation_type_retire,
    relation_type_update,
)
from annotator.views.settings import form_saved, manager_access, taxonomy_item_page

TO = "change the taxonomy"


def category_choices(access: ProjectAccess) -> list[tuple[str, str]]:
    """The project's categories as the lists of a relation type's ends (and of an incident
    role's categories) offer them: the tree, by code."""
    return [
        (
            row.category.code,
            f"{'— ' * row.depth}{row.category.name} ({row.category.code})"
            + (" (retired)" if row.category.retired else ""),
        )
        for row in taxonomy_rows(project=access.project)
    ]


def _fields(form: RelationTypeForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        name: data[name]
        for name in (
            "name",
            "definition",
            "symmetric",
            "source_categories",
            "target_categories",
            "retired",
        )
    }


def _listed(project_slug: str, relation_type: RelationType) -> HttpResponse:
    url = reverse("project_taxonomy", kwargs={"project_slug": project_slug})
    return redirect(f"{url}#relation-type-{relation_type.pk}")


def _page(
    request: AuthenticatedHttpRequest,
    access: ProjectAccess,
    form: RelationTypeForm,
    relation_type: RelationType | None,
) -> HttpResponse:
    return taxonomy_item_page(
        request, access, "annotator/relation_type_edit.html", form, relation_type=relation_type
    )


@require_http_methods(["GET", "POST"])
def relation_type_new(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """Add a relation type: its code, name, definition, direction and the categories
    allowed at each end."""
    access = manager_access(request, project_slug, to=TO)
    form = RelationTypeForm(
        request.POST or None, categories=category_choices(access), creating=True
    )
    if request.method == "POST" and form.is_valid():
        done = form_saved(
            request,
            form,
            lambda: relation_type_create(
                project=access.project,
                code=form.cleaned_data["code"],
                **_fields(form),
                actor=request.user,
            ),
            said=lambda created: f"Added the relation type “{created.name}”.",
            then=lambda created: _listed(project_slug, created),
        )
        if done:
            return done
    return _page(request, access, form, None)


def _relation_type(access: ProjectAccess, pk: int) -> RelationType:
    relation_type = relation_type_get(project=access.project, pk=pk)
    if relation_type is None:
        raise Http404("No such relation type in this project.")
    return relation_type


@require_http_methods(["GET", "POST"])
def relation_type_edit(
    request: AuthenticatedHttpRequest, project_slug: str, pk: int
) -> HttpResponse:
    """Change a relation type (its code stays); its direction is fixed once relations have
    it."""
    access = manager_access(request, project_slug, to=TO)
    relation_type = _relation_type(access, pk)
    spec = relation_type_spec(relation_type)
    initial = {
        "name": spec.name,
        "definition": spec.definition,
        "symmetric": spec.symmetric,
        "source_categories": list(spec.source_categories),
        # A symmetric type's one list is shown once.
        "target_categories": [] if spec.symmetric else list(spec.target_categories),
        "retired": spec.retired,
    }
    form = RelationTypeForm(
        request.POST or None,
        initial=initial,
        categories=category_choices(access),
        creating=False,
        direction_locked=relation_type_in_use(relation_type),
    )
    if request.method == "POST" and form.is_valid():
        done = form_saved(
            request,
            form,
            lambda: relation_type_update(
                relation_type=relation_type, **_fields(form), actor=request.user
            ),
            said=lambda _: f"Saved the relation type “{form.cleaned_data['name']}”.",
            then=lambda _: _listed(project_slug, relation_type),
        )
        if done:
            return done
    return _page(request, access, form, relation_type)


@require_POST
def relation_type_retirement(
    request: AuthenticatedHttpRequest, project_slug: str, pk: int
) -> HttpResponse:
    """Retire a relation type (no new relations; those that have it keep it) or bring it
    back."""
    access = manager_access(request, project_slug, to=TO)
    relation_type = _relation_type(access, pk)
    retire = request.POST.get("retired", "1") != "0"
    relation_type_retire(relation_type=relation_type, retired=retire, actor=request.user)
    messages.success(
        request,
        f"Retired “{relation_type.name}”: it is offered for no new relation, and stays on the "
        "relations that have it."
        if retire
        else f"“{relation_type.name}” is offered again.",
    )
    return _listed(project_slug, relation_type)
