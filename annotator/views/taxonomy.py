"""The taxonomy pages: categories listed, edited, moved, retired and deleted; a file
uploaded with its preview; the file downloaded."""

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
from annotator.selectors.projects import (
    taxonomy_rows,
    taxonomy_specs,
    taxonomy_version_get,
    taxonomy_version_list,
)
from annotator.services.categories import (
    category_delete,
    category_move,
    category_retire,
    category_save,
)
from annotator.services.taxonomy import TaxonomyReport, taxonomy_load, taxonomy_preview
from annotator.taxonomy import (
    CategorySpec,
    TaxonomyError,
    parse_taxonomy,
    taxonomy_dump,
    taxonomy_yaml,
)
from annotator.views.settings import (
    PENDING_TAXONOMY_KEY,
    TAXONOMY_FILE_MAX_BYTES,
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
    return category


@require_http_methods(["GET", "POST"])
def project_taxonomy(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """The taxonomy as a tree, with a form to add a category, the buttons to reorder,
    retire and delete, the upload and download of the file, and the versions."""
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


def _spec_state(spec: CategorySpec) -> dict[str, Any]:
    return {
        "code": spec.code,
        "name": spec.name,
        "definition": spec.definition,
        "colour": spec.colour,
        "shortcut": spec.shortcut,
        "parent": spec.parent,
        "order": spec.order,
        "retired": spec.retired,
    }


def _preview_rows(report: TaxonomyReport) -> list[dict[str, Any]]:
    """The preview's table: what happens to each category the file or project has."""
    rows: list[dict[str, Any]] = []
    for code in report.created:
        rows.append({"code": code, "name": report.names.get(code, ""), "what": "created"})
    for code in report.updated:
        rows.append(
            {
                "code": code,
                "name": report.names.get(code, ""),
                "what": "updated",
                "changes": [
                    (name, before, after) for name, (before, after) in report.changes[code].items()
                ],
            }
        )
    for code in report.retired:
        rows.append({"code": code, "name": report.names.get(code, ""), "what": "retired"})
    for code in report.unchanged:
        rows.append({"code": code, "name": report.names.get(code, ""), "what": "unchanged"})
    return rows


@require_http_methods(["GET", "POST"])
def taxonomy_upload(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """Upload a taxonomy file: first a preview of what it changes (nothing is written),
    then, with the button of the preview, exactly that is applied."""
    access = manager_access(request, project_slug, to="change the taxonomy")
    project = access.project
    session_key = f"{PENDING_TAXONOMY_KEY}.{project.pk}"
    context: dict[str, Any] = {"project": project, "access": access, "section": "taxonomy"}
    if request.method == "POST" and "apply" in request.POST:
        pending = request.session.get(session_key)
        if not pending or pending.get("token") != request.POST.get("token"):
            messages.error(request, "That preview is no longer there: upload the file again.")
            return redirect("taxonomy_upload", project_slug=project_slug)
        specs = [CategorySpec(**spec) for spec in pending["specs"]]
        if pending["version"] != _version_number(project):
            # Someone changed the taxonomy since the preview: what would be applied is no
            # longer what was shown. Show what it is now instead.
            messages.warning(
                request,
                "The taxonomy changed since that preview, so nothing was applied: here is "
                "what the file changes now.",
            )
            context["form"] = TaxonomyUploadForm()
            return _preview(request, context, specs, pending["filename"], pending["retire_missing"])
        try:
            report = taxonomy_load(
                project=project,
                specs=specs,
                retire_missing=pending["retire_missing"],
                actor=request.user,
                source=pending["filename"],
            )
        except TaxonomyError as error:
            messages.error(request, "The file was not applied: " + "; ".join(error.problems))
            return redirect("taxonomy_upload", project_slug=project_slug)
        del request.session[session_key]
        version = f" (taxonomy version {report.version})" if report.version else ""
        messages.success(request, f"Applied {pending['filename']}: {report.summary()}{version}.")
        return redirect("project_taxonomy", project_slug=project_slug)

    form = TaxonomyUploadForm(request.POST or None, request.FILES or None)
    context["form"] = form
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > TAXONOMY_FILE_MAX_BYTES:
            form.add_error("file", "A taxonomy file has at most 2 MB.")
        else:
            try:
                specs = parse_taxonomy(upload.read(), filename=upload.name or "taxonomy.yaml")
            except TaxonomyError as error:
                context["problems"] = error.problems
            else:
                return _preview(
                    request, context, specs, upload.name, form.cleaned_data["retire_missing"]
                )
    return render(request, "annotator/taxonomy_upload.html", context)


def _version_number(project: Any) -> int | None:
    latest = taxonomy_version_list(project=project).values_list("number", flat=True)[:1]
    return next(iter(latest), None)


def _preview(
    request: AuthenticatedHttpRequest,
    context: dict[str, Any],
    specs: list[CategorySpec],
    filename: str,
    retire_missing: bool,
) -> HttpResponse:
    """The preview of a taxonomy file, its specs kept in the session for the Apply button
    (with the taxonomy version it was computed at, and a token that names it)."""
    project = context["project"]
    try:
        report = taxonomy_preview(project=project, specs=specs, retire_missing=retire_missing)
    except TaxonomyError as error:
        context["problems"] = error.problems
        return render(request, "annotator/taxonomy_upload.html", context)
    token = str(request.session.get(PENDING_TAXONOMY_KEY + ".counter", 0) + 1)
    request.session[PENDING_TAXONOMY_KEY + ".counter"] = int(token)
    request.session[f"{PENDING_TAXONOMY_KEY}.{project.pk}"] = {
        "token": token,
        "filename": filename,
        "retire_missing": retire_missing,
        "version": _version_number(project),
        "specs": [_spec_state(spec) for spec in specs],
    }
    context.update(
        {
            "report": report,
            "preview_rows": _preview_rows(report),
            "filename": filename,
            "apply_token": token,
        }
    )
    return render(request, "annotator/taxonomy_upload.html", context)


def taxonomy_download(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """The taxonomy file (YAML, as the parser reads it): the current one, or with
    ``?version=N`` that version's, with its guidelines as a comment."""
    access = manager_access(request, project_slug, to="download the taxonomy")
    project = access.project
    asked = request.GET.get("version", "")
    if asked:
        if not asked.isdecimal() or len(asked) > 9:
            raise Http404("No such version.")
        version = taxonomy_version_get(project=project, number=int(asked))
        if version is None:
            raise Http404("No such version.")
        stamp = f"{version.created_at:%Y-%m-%d %H:%M} UTC"
        body = taxonomy_dump(
            version.taxonomy,
            comment=f"{project.name}: taxonomy version {version.number}, {stamp}",
        )
        name = f"{project.slug}-taxonomy-v{version.number}.yaml"
    else:
        body = taxonomy_yaml(
            taxonomy_specs(project=project), comment=f"{project.name}: the taxonomy now"
        )
        name = f"{project.slug}-taxonomy.yaml"
    response = HttpResponse(body, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
