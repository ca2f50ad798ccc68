"""API: projects (list, create, read, change) and their taxonomy (read, change with a dry
run, upload a file, versions)."""

from __future__ import annotations

from typing import Any

from ninja import File, Form, Router, Status, UploadedFile
from ninja.errors import HttpError

from annotator.access import AuthenticatedHttpRequest, Forbidden, ProjectAccess, project_access
from annotator.api.schemas.base import Id, Slug, responses
from annotator.api.schemas.projects import (
    CategoryOut,
    ProjectIn,
    ProjectOut,
    ProjectPatch,
    TaxonomyChangeOut,
    TaxonomyIn,
    TaxonomyOut,
    TaxonomyVersionDataOut,
    TaxonomyVersionOut,
)
from annotator.models import Project, Role
from annotator.selectors.incidents import incident_role_specs
from annotator.selectors.projects import (
    category_list,
    taxonomy_specs,
    taxonomy_version_get,
    taxonomy_version_list,
    user_by_username,
)
from annotator.selectors.projects import project_list as projects_of_member
from annotator.selectors.relations import relation_type_specs
from annotator.services.projects import project_create, project_update
from annotator.services.taxonomy import TaxonomyReport, taxonomy_load, taxonomy_preview
from annotator.services.taxonomy_items import ItemsReport
from annotator.taxonomy_relations import (
    TaxonomyFile,
    parse_taxonomy_file,
    taxonomy_file_data,
    taxonomy_file_from_data,
)

router = Router(tags=["projects"])
taxonomy_router = Router(tags=["taxonomy"])

TAXONOMY_FILE_MAX_BYTES = 2_000_000


def _project(project: Project, role: str | None, version: int | None) -> dict[str, Any]:
    return {
        "slug": project.slug,
        "name": project.name,
        "description": project.description,
        "guidelines": project.guidelines,
        "reviewers_per_document": project.reviewers_per_document,
        "blind_annotation": project.blind_annotation,
        "anonymous_moderation": project.anonymous_moderation,
        "auto_accept_unanimous": project.auto_accept_unanimous,
        "created_at": project.created_at,
        "role": role,
        "taxonomy_version": version,
    }


def _managing(request: AuthenticatedHttpRequest, slug: str, *, to: str) -> ProjectAccess:
    access = project_access(user=request.user, slug=slug)
    access.require(Role.MANAGER, to=to)
    return access


def _current_version(project: Project) -> int | None:
    latest = taxonomy_version_list(project=project).values_list("number", flat=True)[:1]
    return next(iter(latest), None)


@router.get("/projects", response=responses({200: list[ProjectOut]}))
def list_projects(request: AuthenticatedHttpRequest) -> list[dict[str, Any]]:
    """The projects you are a member of, with your role in each."""
    projects = projects_of_member(user=request.user)
    return [_project(project, project.role, project.taxonomy_version) for project in projects]


@router.post("/projects", response=responses({201: ProjectOut}, forbidden=True, too_large=True))
def create_project(request: AuthenticatedHttpRequest, payload: ProjectIn) -> Status:
    """Create a project (staff only): you become its manager, with ``managers`` (user names)
    if given. Its taxonomy version 1 has its guidelines and no category yet."""
    if not request.user.is_staff:
        raise Forbidden("Only staff create projects.")
    fields = payload.dict(exclude={"managers"})
    managers = [request.user]
    for username in payload.managers:
        user = user_by_username(username=username)
        if user is None:
            raise HttpError(400, f"managers: there is no account with the user name {username!r}.")
        managers.append(user)
    project = project_create(actor=request.user, managers=managers, **fields)
    return Status(201, _project(project, Role.MANAGER, _current_version(project)))


@router.get("/projects/{slug}", response=responses({200: ProjectOut}))
def get_project(request: AuthenticatedHttpRequest, slug: Slug) -> dict[str, Any]:
    """A project's settings and your role in it."""
    access = project_access(user=request.user, slug=slug)
    return _project(access.project, access.role, _current_version(access.project))


@router.patch(
    "/projects/{slug}", response=responses({200: ProjectOut}, forbidden=True, too_large=True)
)
def change_project(
    request: AuthenticatedHttpRequest, slug: Slug, payload: ProjectPatch
) -> dict[str, Any]:
    """Change a project's settings (managers); a change of its guidelines makes a new
    taxonomy version. Each change is in the audit log with what it was."""
    access = _managing(request, slug, to="change the project's settings")
    given = payload.dict(exclude_unset=True)
    changes = {name: value for name, value in given.items() if value is not None}
    project = project_update(project=access.project, actor=request.user, changes=changes)
    return _project(project, access.role, _current_version(project))


# --- The taxonomy --------------------------------------------------------------------


@taxonomy_router.get("/projects/{slug}/categories", response=responses({200: list[CategoryOut]}))
def list_categories(request: AuthenticatedHttpRequest, slug: Slug) -> list[dict[str, Any]]:
    """The project's taxonomy, in its order, with the definitions reviewers see; a retired
    category is offered for no new span."""
    access = project_access(user=request.user, slug=slug)
    return [
        {
            "code": category.code,
            "name": category.name,
            "definition": category.definition,
            "colour": category.colour,
            "shortcut": category.shortcut,
            "parent": category.parent.code if category.parent else None,
            "group": category.group,
            "retired": category.retired,
        }
        for category in category_list(project=access.project)
    ]


@taxonomy_router.get("/projects/{slug}/taxonomy", response=responses({200: TaxonomyOut}))
def get_taxonomy(request: AuthenticatedHttpRequest, slug: Slug) -> dict[str, Any]:
    """The taxonomy as the file's data (nested, retired categories included, its relation
    types and incident roles), and its current version. Any member may read it."""
    access = project_access(user=request.user, slug=slug)
    project = access.project
    data = taxonomy_file_data(
        taxonomy_specs(project=project),
        relation_type_specs(project=project),
        incident_role_specs(project=project),
    )
    return {"version": _current_version(access.project), **data}


def _changes(report: ItemsReport) -> dict[str, Any]:
    return {
        "created": report.created,
        "updated": {
            code: [
                {"field": name, "before": before, "after": after}
                for name, (before, after) in report.changes[code].items()
            ]
            for code in report.updated
        },
        "unchanged": report.unchanged,
        "retired": report.retired,
        "reordered": report.reordered,
    }


def _report(report: TaxonomyReport, *, applied: bool) -> dict[str, Any]:
    return {
        "applied": applied,
        "version": report.version,
        "created": report.created,
        "updated": {
            code: [
                {"field": name, "before": before, "after": after}
                for name, (before, after) in report.changes[code].items()
            ]
            for code in report.updated
        },
        "unchanged": report.unchanged,
        "retired": report.retired,
        "reordered": report.reordered,
        "relation_types": _changes(report.relation_types),
        "incident_roles": _changes(report.incident_roles),
    }


def _change(
    request: AuthenticatedHttpRequest,
    access: ProjectAccess,
    taxonomy: TaxonomyFile,
    *,
    retire_missing: bool,
    dry_run: bool,
    source: str,
) -> dict[str, Any]:
    relation_types = taxonomy.relation_types if taxonomy.lists_relation_types else None
    incident_roles = taxonomy.incident_roles if taxonomy.lists_incident_roles else None
    if dry_run:
        report = taxonomy_preview(
            project=access.project,
            specs=taxonomy.categories,
            relation_types=relation_types,
            incident_roles=incident_roles,
            retire_missing=retire_missing,
        )
        return _report(report, applied=False)
    report = taxonomy_load(
        project=access.project,
        specs=taxonomy.categories,
        relation_types=relation_types,
        incident_roles=incident_roles,
        retire_missing=retire_missing,
        actor=request.user,
        source=source,
    )
    return _report(report, applied=report.changed)


@taxonomy_router.put(
    "/projects/{slug}/taxonomy",
    response=responses({200: TaxonomyChangeOut}, forbidden=True, too_large=True),
)
def change_taxonomy(
    request: AuthenticatedHttpRequest, slug: Slug, payload: TaxonomyIn
) -> dict[str, Any]:
    """Make the taxonomy what ``categories`` says (managers): categories matched by code
    are updated, new ones created, and with ``retire_missing`` those not listed retired
    (never deleted; a code in use never changes). ``relation_types``, when given, are
    and ``incident_roles``, when given, are treated the same way; without them they stay
    as they are. With ``dry_run`` nothing
    changes: the answer says what would. A change makes a new taxonomy version."""
    access = _managing(request, slug, to="change the taxonomy")
    data: dict[str, Any] = {"categories": payload.categories}
    if payload.relation_types is not None:
        data["relation_types"] = payload.relation_types
    if payload.incident_roles is not None:
        data["incident_roles"] = payload.incident_roles
    return _change(
        request,
        access,
        taxonomy_file_from_data(data),
        retire_missing=payload.retire_missing,
        dry_run=payload.dry_run,
        source="API",
    )


@taxonomy_router.post(
    "/projects/{slug}/taxonomy/file",
    response=responses({200: TaxonomyChangeOut}, forbidden=True, too_large=True),
)
def upload_taxonomy(
    request: AuthenticatedHttpRequest,
    slug: Slug,
    # Optional as django-ninja reads it: its File marker must stay the outermost type.
    file: File[UploadedFile] = None,  # type: ignore[assignment]
    retire_missing: Form[bool] = True,
    dry_run: Form[bool] = False,
) -> dict[str, Any]:
    """The same with a JSON or YAML taxonomy file (multipart field ``file``, as
    ``manage.py load_taxonomy`` reads it and the taxonomy page downloads it)."""
    access = _managing(request, slug, to="change the taxonomy")
    if file is None:
        raise HttpError(400, 'Send the taxonomy file as the multipart field "file".')
    if file.size is not None and file.size > TAXONOMY_FILE_MAX_BYTES:
        raise HttpError(413, "A taxonomy file has at most 2 MB.")
    name = file.name or "taxonomy.yaml"
    taxonomy = parse_taxonomy_file(file.read(), filename=name)
    return _change(
        request, access, taxonomy, retire_missing=retire_missing, dry_run=dry_run, source=name
    )


@taxonomy_router.get(
    "/projects/{slug}/taxonomy/versions",
    response=responses({200: list[TaxonomyVersionOut]}, forbidden=True),
)
def list_taxonomy_versions(request: AuthenticatedHttpRequest, slug: Slug) -> list[dict[str, Any]]:
    """Every version of the guidelines and taxonomy, newest first (moderators and
    managers)."""
    access = project_access(user=request.user, slug=slug)
    access.require(Role.MODERATOR, Role.MANAGER, to="read the taxonomy's versions")
    return [
        {
            "number": version.number,
            "created_at": version.created_at,
            "created_by": version.created_by.get_username() if version.created_by else None,
        }
        for version in taxonomy_version_list(project=access.project)
    ]


@taxonomy_router.get(
    "/projects/{slug}/taxonomy/versions/{number}",
    response=responses({200: TaxonomyVersionDataOut}, forbidden=True),
)
def get_taxonomy_version(
    request: AuthenticatedHttpRequest, slug: Slug, number: Id
) -> dict[str, Any]:
    """One version: its guidelines and its taxonomy file's data."""
    access = project_access(user=request.user, slug=slug)
    access.require(Role.MODERATOR, Role.MANAGER, to="read the taxonomy's versions")
    version = taxonomy_version_get(project=access.project, number=number)
    if version is None:
        raise HttpError(404, "No such version.")
    return {
        "number": version.number,
        "created_at": version.created_at,
        "created_by": version.created_by.get_username() if version.created_by else None,
        "guidelines": version.guidelines,
        "taxonomy": version.taxonomy,
    }
