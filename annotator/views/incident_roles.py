"""The taxonomy page's incident roles: added, edited and deleted (while no incident fills
them), one at a time; the taxonomy page lists them, and a file upload changes them too.
The category lists and the page's pattern are the relation types' (``views.relation_types``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from annotator.access import AuthenticatedHttpRequest, ProjectAccess
from annotator.forms.incident_roles import IncidentRoleForm, involvements_text
from annotator.models import IncidentRole
from annotator.selectors.incidents import incident_role_get, incident_role_spec
from annotator.services.incident_role_edits import (
    incident_role_create,
    incident_role_delete,
    incident_role_update,
)
from annotator.views.relation_types import TO, category_choices
from annotator.views.settings import form_saved, manager_access, taxonomy_item_page

FIELDS = ("name", "definition", "categories", "multiple", "involvements", "retired")


def _fields(form: IncidentRoleForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in FIELDS}


def _listed(project_slug: str, anchor: str) -> HttpResponse:
    url = reverse("project_taxonomy", kwargs={"project_slug": project_slug})
    return redirect(f"{url}#{anchor}")


def _page(
    request: AuthenticatedHttpRequest,
    access: ProjectAccess,
    form: IncidentRoleForm,
    role: IncidentRole | None,
) -> HttpResponse:
    return taxonomy_item_page(request, access, "annotator/incident_role_edit.html", form, role=role)


def _role(access: ProjectAccess, pk: int) -> IncidentRole:
    role = incident_role_get(project=access.project, pk=pk)
    if role is None:
        raise Http404("No such incident role in this project.")
    return role


@require_http_methods(["GET", "POST"])
def incident_role_new(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """Add an incident role: its code, name, definition, categories, whether several spans
    may fill it and its involvements."""
    access = manager_access(request, project_slug, to=TO)
    form = IncidentRoleForm(
        request.POST or None, categories=category_choices(access), creating=True
    )
    if request.method == "POST" and form.is_valid():
        done = form_saved(
            request,
            form,
            lambda: incident_role_create(
                project=access.project,
                code=form.cleaned_data["code"],
                **_fields(form),
                actor=request.user,
            ),
            said=lambda role: f"Added the incident role “{role.name}”.",
            then=lambda role: _listed(project_slug, f"incident-role-{role.pk}"),
        )
        if done:
            return done
    return _page(request, access, form, None)


@require_http_methods(["GET", "POST"])
def incident_role_edit(
    request: AuthenticatedHttpRequest, project_slug: str, pk: int
) -> HttpResponse:
    """Change an incident role (its code stays); a change its incidents would no longer
    fit is refused."""
    access = manager_access(request, project_slug, to=TO)
    role = _role(access, pk)
    spec = incident_role_spec(role)
    initial = {
        "name": spec.name,
        "definition": spec.definition,
        "categories": list(spec.categories),
        "multiple": spec.multiple,
        "involvements": involvements_text(spec.involvements),
        "retired": spec.retired,
    }
    form = IncidentRoleForm(
        request.POST or None,
        initial=initial,
        categories=category_choices(access),
        creating=False,
    )
    if request.method == "POST" and form.is_valid():
        done = form_saved(
            request,
            form,
            lambda: incident_role_update(role=role, **_fields(form), actor=request.user),
            said=lambda _: f"Saved the incident role “{form.cleaned_data['name']}”.",
            then=lambda _: _listed(project_slug, f"incident-role-{role.pk}"),
        )
        if done:
            return done
    return _page(request, access, form, role)


@require_POST
def incident_role_remove(
    request: AuthenticatedHttpRequest, project_slug: str, pk: int
) -> HttpResponse:
    """Delete an incident role that no incident fills; one in use is refused (retire it)."""
    access = manager_access(request, project_slug, to=TO)
    role = _role(access, pk)
    try:
        incident_role_delete(role=role, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _listed(project_slug, f"incident-role-{role.pk}")
    messages.success(request, f"Deleted the incident role “{role.name}”.")
    return _listed(project_slug, "incident-roles-heading")
