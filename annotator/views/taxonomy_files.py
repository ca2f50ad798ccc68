"""The taxonomy file's pages: a file uploaded with its preview, then applied; the file
(categories and relation types) downloaded, now or at any version."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from annotator.access import AuthenticatedHttpRequest
from annotator.forms.projects import TaxonomyUploadForm
from annotator.selectors.incidents import incident_role_specs
from annotator.selectors.projects import taxonomy_specs, taxonomy_version_get, taxonomy_version_list
from annotator.selectors.relations import relation_type_specs
from annotator.services.taxonomy import TaxonomyReport, taxonomy_load, taxonomy_preview
from annotator.taxonomy import CategorySpec, TaxonomyError, taxonomy_dump
from annotator.taxonomy_incidents import IncidentRoleSpec, Involvement
from annotator.taxonomy_relations import (
    RelationTypeSpec,
    TaxonomyFile,
    parse_taxonomy_file,
    taxonomy_file_yaml,
)
from annotator.views.settings import PENDING_TAXONOMY_KEY, TAXONOMY_FILE_MAX_BYTES, manager_access


def _pending_state(taxonomy: TaxonomyFile) -> dict[str, Any]:
    """A parsed file as the session keeps it (JSON), until Apply."""
    relation_types = [asdict(spec) for spec in taxonomy.relation_types]
    incident_roles = [asdict(spec) for spec in taxonomy.incident_roles]
    return {
        "specs": [asdict(spec) for spec in taxonomy.categories],
        "relation_types": relation_types if taxonomy.lists_relation_types else None,
        "incident_roles": incident_roles if taxonomy.lists_incident_roles else None,
    }


def _pending_file(pending: dict[str, Any]) -> TaxonomyFile:
    listed = pending.get("relation_types")
    relation_types = [
        RelationTypeSpec(
            **{
                **state,
                "source_categories": tuple(state["source_categories"]),
                "target_categories": tuple(state["target_categories"]),
            }
        )
        for state in listed or []
    ]
    roles_listed = pending.get("incident_roles")
    incident_roles = [
        IncidentRoleSpec(
            **{
                **state,
                "categories": tuple(state["categories"]),
                "involvements": tuple(Involvement(**kind) for kind in state["involvements"]),
            }
        )
        for state in roles_listed or []
    ]
    categories = [CategorySpec(**spec) for spec in pending["specs"]]
    return TaxonomyFile(
        categories,
        relation_types,
        lists_relation_types=listed is not None,
        incident_roles=incident_roles,
        lists_incident_roles=roles_listed is not None,
    )


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
    relations = report.relation_types
    for what in ("created", "updated", "retired", "unchanged"):
        rows.extend(
            {
                "code": code,
                "name": "relation type",
                "what": what,
                "changes": [
                    (name, *values) for name, values in relations.changes.get(code, {}).items()
                ],
            }
            for code in getattr(relations, what)
        )
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
        taxonomy = _pending_file(pending)
        if pending["version"] != _version_number(project):
            # Someone changed the taxonomy since the preview: what would be applied is no
            # longer what was shown. Show what it is now instead.
            messages.warning(
                request,
                "The taxonomy changed since that preview, so nothing was applied: here is "
                "what the file changes now.",
            )
            context["form"] = TaxonomyUploadForm()
            return _preview(
                request, context, taxonomy, pending["filename"], pending["retire_missing"]
            )
        try:
            report = taxonomy_load(
                project=project,
                specs=taxonomy.categories,
                relation_types=taxonomy.relation_types if taxonomy.lists_relation_types else None,
                incident_roles=taxonomy.incident_roles if taxonomy.lists_incident_roles else None,
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
                taxonomy = parse_taxonomy_file(
                    upload.read(), filename=upload.name or "taxonomy.yaml"
                )
            except TaxonomyError as error:
                context["problems"] = error.problems
            else:
                return _preview(
                    request, context, taxonomy, upload.name, form.cleaned_data["retire_missing"]
                )
    return render(request, "annotator/taxonomy_upload.html", context)


def _version_number(project: Any) -> int | None:
    latest = taxonomy_version_list(project=project).values_list("number", flat=True)[:1]
    return next(iter(latest), None)


def _preview(
    request: AuthenticatedHttpRequest,
    context: dict[str, Any],
    taxonomy: TaxonomyFile,
    filename: str,
    retire_missing: bool,
) -> HttpResponse:
    """The preview of a taxonomy file, its specs kept in the session for the Apply button
    (with the taxonomy version it was computed at, and a token that names it)."""
    project = context["project"]
    try:
        report = taxonomy_preview(
            project=project,
            specs=taxonomy.categories,
            relation_types=taxonomy.relation_types if taxonomy.lists_relation_types else None,
            incident_roles=taxonomy.incident_roles if taxonomy.lists_incident_roles else None,
            retire_missing=retire_missing,
        )
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
        **_pending_state(taxonomy),
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
        body = taxonomy_file_yaml(
            taxonomy_specs(project=project),
            relation_type_specs(project=project),
            incident_role_specs(project=project),
            comment=f"{project.name}: the taxonomy now",
        )
        name = f"{project.slug}-taxonomy.yaml"
    response = HttpResponse(body, content_type="application/yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
