"""A project's settings for its managers: the project itself, its taxonomy (categories,
a file to upload with a preview, the file to download, its versions), without the admin.

Creating a project is for staff; every other page here is for the project's managers.
Members are in ``views.members``, assignments and progress in ``views.assignments``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from annotator.access import AuthenticatedHttpRequest, ProjectAccess, project_access
from annotator.forms.projects import ProjectForm
from annotator.models import Role
from annotator.selectors.projects import (
    user_by_username,
)
from annotator.services.projects import PROJECT_FIELDS, project_create, project_update

T = TypeVar("T")

VERSIONS_SHOWN = 20
TAXONOMY_FILE_MAX_BYTES = 2_000_000
# Between the preview of an uploaded taxonomy and applying it, the parsed file waits in the
# session: what is applied is exactly what was previewed, without sending the file again.
PENDING_TAXONOMY_KEY = "annotator.pending_taxonomy"


def add_errors(form: Any, error: ValidationError) -> None:
    """A service's refusal on a form: on the fields the form has, the rest above it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages_of in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages_of)


def form_saved(
    request: AuthenticatedHttpRequest,
    form: Any,
    save: Callable[[], T],
    *,
    said: Callable[[T], str],
    then: Callable[[T], HttpResponse],
) -> HttpResponse | None:
    """A valid form's write through its service: said and redirected (``then``), or the
    service's refusal put on the form (None: the page shows the form again)."""
    try:
        saved = save()
    except ValidationError as error:
        add_errors(form, error)
        return None
    messages.success(request, said(saved))
    return then(saved)


def taxonomy_item_page(
    request: AuthenticatedHttpRequest,
    access: ProjectAccess,
    template: str,
    form: Any,
    **item: object,
) -> HttpResponse:
    """The page of one relation type's or incident role's form, in the taxonomy's section."""
    context = {"project": access.project, "access": access, "section": "taxonomy", "form": form}
    return render(request, template, {**context, **item})


def manager_access(
    request: AuthenticatedHttpRequest, project_slug: str, *, to: str
) -> ProjectAccess:
    """The user's access to the project, if they manage it (404 for a non-member, 403 for
    another role)."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.MANAGER, to=to)
    return access


# --- The project ---------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def project_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A new project (staff only): its creator becomes its manager."""
    if not request.user.is_staff:
        raise PermissionDenied("Only staff create projects; ask an administrator.")
    form = ProjectForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        managers = [request.user]
        other = form.cleaned_data.get("manager", "").strip()
        other_user = user_by_username(username=other) if other else None
        if other and other_user is None:
            form.add_error("manager", f"There is no account with the user name {other!r}.")
        else:
            if other_user is not None:
                managers.append(other_user)
            try:
                project = project_create(
                    actor=request.user,
                    managers=managers,
                    **{name: form.cleaned_data[name] for name in PROJECT_FIELDS},
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                messages.success(
                    request, f"Created the project “{project.name}”: add its taxonomy next."
                )
                return redirect("project_taxonomy", project_slug=project.slug)
    return render(request, "annotator/project_new.html", {"form": form})


@require_http_methods(["GET", "POST"])
def project_settings(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """The project's settings: title, short name, description, guidelines, reviewers per
    document, blind annotation, anonymous moderation, unanimous spans into gold."""
    access = manager_access(request, project_slug, to="change the project's settings")
    project = access.project
    form = ProjectForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in PROJECT_FIELDS}
        try:
            updated = project_update(project=project, actor=request.user, changes=changes)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, "Saved the project's settings.")
            return redirect("project_settings", project_slug=updated.slug)
    # A form refused leaves the instance with the values typed: the page shows the
    # project as stored.
    project.refresh_from_db()
    return render(
        request,
        "annotator/project_settings.html",
        {"project": project, "access": access, "form": form, "section": "project"},
    )


# --- The taxonomy --------------------------------------------------------------------
