"""Pages for a reviewer's own layer: the editor, and feedback after reconciliation."""

from __future__ import annotations

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse

from annotator.access import AuthenticatedHttpRequest, Forbidden, member_document_access
from annotator.forms.base import ActionForm
from annotator.models import CategoryGroup, DocumentStatus, EvidenceStatus, Role, SourceType
from annotator.selectors.annotations import (
    annotation_list,
    imported_layer_list,
    reviewer_feedback,
)
from annotator.selectors.projects import category_list
from annotator.selectors.relations import (
    relation_list,
    relation_type_record,
    relation_types_with_ends,
)
from annotator.services.annotations import EDITABLE_FIELDS, annotation_defaults

# The editor's legend lists each group of categories under its heading, violations first.
GROUP_HEADINGS = {
    CategoryGroup.VIOLATION: "Violations",
    CategoryGroup.ENTITY: "Entities (victims, perpetrators, places, dates)",
}


def document_annotate(
    request: AuthenticatedHttpRequest, project_slug: str, pk: int
) -> HttpResponse:
    """The editor: a reviewer tags spans of the document in their own layer."""
    access = member_document_access(user=request.user, project_slug=project_slug, pk=pk)
    project, document = access.project, access.document
    if not access.is_reviewer:
        return render(
            request,
            "annotator/not_a_reviewer.html",
            {"project": project, "document": document, "access": access},
            status=403,
        )
    categories = list(category_list(project=project))
    # Without their times, which the editor never shows: a long report has thousands.
    annotations = annotation_list(document=document, reviewer=request.user, times=False)
    imported_layers = imported_layer_list(document=document)
    relation_types = [
        relation_type_record(row) for row in relation_types_with_ends(project=project)
    ]
    submitted = access.layer_submitted
    return render(
        request,
        "annotator/document_annotate.html",
        {
            "project": project,
            "document": document,
            "categories": categories,
            "submitted": submitted,
            "imported_layers": imported_layers,
            "relation_types": relation_types,
            # Violations and the entities incidents name, listed apart (in that order).
            "category_groups": [
                (group, heading)
                for group, heading in GROUP_HEADINGS.items()
                if any(c.group == group and not c.retired for c in categories)
            ],
            "submit_form": None
            if submitted
            else ActionForm(
                label="Submit this document",
                action=reverse(
                    "document_submit", kwargs={"project_slug": project.slug, "pk": document.pk}
                ),
            ),
            "editor_data": {
                "documentId": document.pk,
                "readOnly": submitted,
                "csrfToken": get_token(request),
                "textSha256": document.text_sha256,
                "text": document.text,
                "apiBase": reverse("api:api-root"),
                "categories": [
                    {
                        "code": category.code,
                        "name": category.name,
                        "colour": category.colour,
                        "shortcut": category.shortcut,
                        "parent": category.parent.code if category.parent else "",
                    }
                    for category in categories
                ],
                "annotations": annotations,
                # The reviewer's own links between their spans, and the types a link may
                # have (with the categories each end allows): blind like the spans.
                "relationTypes": relation_types,
                "relations": relation_list(document=document, reviewer=request.user, times=False)
                if relation_types
                else [],
                # Another tool's spans that came with an imported corpus: read-only, shown on
                # request, copied into the reviewer's layer as new spans of their own.
                "importedLayers": imported_layers,
                "evidenceStatuses": EvidenceStatus.choices,
                "sourceTypes": SourceType.choices,
                # What a span is made of, from the server: the editor keeps no list of its own.
                "fields": {"editable": list(EDITABLE_FIELDS), "defaults": annotation_defaults()},
            },
        },
    )


def document_feedback(
    request: AuthenticatedHttpRequest, project_slug: str, pk: int
) -> HttpResponse:
    """After reconciliation, a reviewer's own spans against the gold layer; never before."""
    access = member_document_access(user=request.user, project_slug=project_slug, pk=pk)
    access.require(Role.REVIEWER, to="read feedback on your layer")
    document = access.document
    if document.status != DocumentStatus.RECONCILED:
        raise Forbidden("Feedback is shown once the document is reconciled.")
    return render(
        request,
        "annotator/document_feedback.html",
        {
            "project": access.project,
            "document": document,
            "feedback": reviewer_feedback(document=document, reviewer=request.user),
            "categories": {c.code: c for c in category_list(project=access.project)},
        },
    )
