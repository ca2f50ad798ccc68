"""API: a project's agreement figures, as stored (recomputed when a layer changed)."""

from __future__ import annotations

from typing import Any

from ninja import Query, Router

from annotator.access import AuthenticatedHttpRequest, project_access
from annotator.api.schemas.agreement import AgreementOut, AgreementQuery
from annotator.api.schemas.base import Slug, responses
from annotator.corpus_agreement import figures_document
from annotator.models import Role
from annotator.selectors.agreement import (
    agreement_document_rows,
    agreement_document_values,
    agreement_documents,
    reviewer_names,
)
from annotator.selectors.projects import submitted_version_range
from annotator.services.agreement import AgreementFilters, agreement_report

router = Router(tags=["agreement"])


@router.get("/projects/{slug}/agreement", response=responses({200: AgreementOut}, forbidden=True))
def get_agreement(
    request: AuthenticatedHttpRequest, slug: Slug, query: Query[AgreementQuery]
) -> dict[str, Any]:
    """The agreement figures of the documents two or more reviewers submitted (filtered by
    ``status``, ``language`` and ``q``), as the agreement page's JSON download has them:
    the stored report, computed again first if a layer changed since. Reviewers are keyed
    by account id, or by pseudonym in a project moderated anonymously. Moderators and
    managers."""
    access = project_access(user=request.user, slug=slug)
    access.require(Role.MODERATOR, Role.MANAGER, to="measure agreement")
    project = access.project
    filters = AgreementFilters(query=query.q, status=query.status, language=query.language)
    report = agreement_report(project=project, filters=filters)
    names = reviewer_names(project=project, reviewer_ids=report.figures["reviewers"])
    documents = agreement_documents(project=project, **filters.as_dict())
    body = figures_document(
        project=project.slug,
        filters=report.filters,
        computed_at=report.computed_at.isoformat(),
        names=names,
        figures=report.figures,
        documents=agreement_document_values(documents=agreement_document_rows(documents=documents)),
        hide_ids=project.anonymous_moderation,
    )
    versions = submitted_version_range(project=project, documents=documents)
    return {**body, "taxonomy_versions": versions.as_dict()}
