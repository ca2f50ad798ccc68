"""The gold layer of one document: the curation page, where a moderator reconciles the
whole document, and the read view of the gold layer.

Both render the canonical text once (``document_lines``); the page's script paints the
layers over it and the curation page saves every decision through the API
(``annotator.api.moderation``), so that the page and scripts follow the same rules.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse

from annotator.access import AuthenticatedHttpRequest, DocumentAccess, member_document_access
from annotator.forms.base import LARGEST_ID
from annotator.models import EvidenceStatus, Resolution, ResolutionReason, Role, SourceType
from annotator.selectors.annotations import imported_layer_list
from annotator.selectors.gold import gold_list
from annotator.selectors.incidents import incident_role_names
from annotator.selectors.moderation import document_items, submitted_spans
from annotator.selectors.projects import category_list
from annotator.selectors.pseudonyms import ReviewerLabels, document_reviewer_labels
from annotator.selectors.relation_moderation import gold_relation_list
from annotator.selectors.relations import relation_type_names
from annotator.services.annotations import EDITABLE_FIELDS
from annotator.services.gold import CURATED

# How many ways of underlining a reviewer's layer the style sheet has (``layer-style-N``).
LAYER_STYLES = 6


def _page_data(
    request: AuthenticatedHttpRequest,
    access: DocumentAccess,
    labels: ReviewerLabels,
    categories: list[Any],
) -> dict[str, Any]:
    document = access.document
    return {
        "documentId": document.pk,
        "csrfToken": get_token(request),
        "text": document.text,
        "textSha256": document.text_sha256,
        "apiBase": reverse("api:api-root"),
        "categories": [
            {
                "code": category.code,
                "name": category.name,
                "colour": category.colour,
                "shortcut": category.shortcut,
            }
            for category in categories
        ],
        "evidenceStatuses": EvidenceStatus.choices,
        "sourceTypes": SourceType.choices,
        "gold": gold_list(document, labels=labels, moderator_names=access.moderates),
    }


def document_curate(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """The curation page: the text once with the gold layer painted, each reviewer's layer
    under it, the items marked and listed; the moderator merges, draws, edits, rejects and
    undoes from here (moderators and managers, once the submitted layers are aligned)."""
    access = member_document_access(user=request.user, project_slug=project_slug, pk=pk)
    access.require(Role.MODERATOR, Role.MANAGER, to="curate the gold layer")
    document = access.document
    if document.status not in CURATED:
        messages.info(
            request,
            "Curation starts once the reviewers' layers are submitted and aligned: "
            "start moderation on this page first.",
        )
        return redirect(document.get_absolute_url())
    categories = list(category_list(project=access.project))
    labels = document_reviewer_labels(access, document_id=document.pk)
    layers = submitted_spans(document)
    reviewers = [
        {
            "letter": labels.letter(reviewer),
            "label": labels.lettered(reviewer),
            "style": position % LAYER_STYLES,
        }
        for position, reviewer in enumerate(labels.ordered(layers))
    ]
    data = _page_data(request, access, labels, categories)
    requested = request.GET.get("item", "")
    imported_layers = imported_layer_list(document=document)
    data.update(
        {
            "reviewers": reviewers,
            # Another tool's spans that came with an imported corpus: read-only, shown on
            # request, copied into the gold layer as gold spans (their relations listed).
            "importedLayers": imported_layers,
            "layers": {
                labels.letter(reviewer): [list(span) for span in spans]
                for reviewer, spans in layers.items()
            },
            "items": document_items(document, labels=labels),
            "currentItem": int(requested)
            if requested.isdigit() and 0 < int(requested) <= LARGEST_ID
            else None,
            "reasons": ResolutionReason.choices,
            "resolutions": Resolution.choices,
            # Relation items and gold relations are read and decided through the API.
            "relationTypes": relation_type_names(project=access.project),
            "incidentRoles": incident_role_names(project=access.project),
            # The gold layer is saved through the API, with the fields a span is made of.
            "fields": {
                "editable": list(EDITABLE_FIELDS),
                "defaults": {
                    "note": "",
                    "evidence_status": EvidenceStatus.UNKNOWN,
                    "source_type": SourceType.OTHER,
                },
            },
        }
    )
    return render(
        request,
        "annotator/document_curate.html",
        {
            "project": access.project,
            "document": document,
            "categories": categories,
            "reviewers": reviewers,
            "imported_layers": imported_layers,
            "page_data": data,
        },
    )


def document_gold(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """The gold layer read: for moderators and managers at any time, for a reviewer once the
    document is reconciled and their layer submitted (with their feedback beside it)."""
    access = member_document_access(user=request.user, project_slug=project_slug, pk=pk)
    access.require_gold()
    document = access.document
    categories = list(category_list(project=access.project))
    labels = document_reviewer_labels(access, document_id=document.pk)
    data = _page_data(request, access, labels, categories)
    names = {category.code: category.name for category in categories}
    for row in data["gold"]:
        row["category_name"] = names.get(row["category"], row["category"])
    quotes = {row["id"]: row["quote"] for row in data["gold"]}
    type_names = relation_type_names(project=access.project)
    gold_relations = gold_relation_list(document, labels=labels, moderator_names=access.moderates)
    for relation in gold_relations:
        relation["source_quote"] = quotes.get(relation["source"], "")
        relation["target_quote"] = quotes.get(relation["target"], "")
        relation["type_name"] = type_names.get(relation["type"], relation["type"])
    return render(
        request,
        "annotator/document_gold.html",
        {
            "project": access.project,
            "document": document,
            "access": access,
            "categories": categories,
            "gold": data["gold"],
            "gold_relations": gold_relations,
            "page_data": data,
        },
    )
