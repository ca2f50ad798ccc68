"""Pages of moderation: starting it on a document, the queue of open items, and one item
with each reviewer's version and the moderator's decision."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from annotator.access import (
    AuthenticatedHttpRequest,
    Forbidden,
    NoAccess,
    member_document_access,
    moderated_projects,
    project_access,
)
from annotator.forms import QueueFilterForm, ResolveForm
from annotator.models import ItemStatus, ModerationItem, Resolution, Role
from annotator.selectors.documents import document_text_slice
from annotator.selectors.moderation import (
    item_for_moderator,
    moderation_counts,
    next_open_item,
    with_passages,
)
from annotator.selectors.moderation import moderation_queue as open_items
from annotator.selectors.projects import category_list
from annotator.selectors.pseudonyms import ReviewerLabels, document_reviewer_labels
from annotator.services.moderation import (
    ItemConflict,
    ModerationError,
    item_resolve,
    moderation_start,
)

QUEUE_PER_PAGE = 50
CONTEXT_CHARACTERS = 300


@require_POST
def moderation_begin(request: AuthenticatedHttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Align the submitted layers of a document into the queue (moderators and managers)."""
    access = member_document_access(user=request.user, project_slug=project_slug, pk=pk)
    access.require(Role.MODERATOR, Role.MANAGER, to="start moderation")
    document = access.document
    try:
        summary = moderation_start(document=document, actor=request.user)
    except ModerationError as error:
        messages.error(request, str(error))
        return redirect(document.get_absolute_url())
    messages.success(
        request,
        f"{summary.items_opened} items to moderate; {summary.unanimous_spans} unanimous spans "
        "went straight into the gold layer.",
    )
    return redirect(f"{reverse('moderation_queue')}?document={document.pk}")


def moderation_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open items across the projects the user moderates."""
    projects = list(moderated_projects(user=request.user))
    if not projects:
        raise Forbidden("Only moderators and managers see the moderation queue.")
    form = QueueFilterForm(request.GET or None, projects=projects)
    filters = form.cleaned_data if form.is_valid() else {}
    items = open_items(
        user=request.user,
        project_slug=filters.get("project") or "",
        document_id=filters.get("document"),
        category=filters.get("category") or "",
        kind=filters.get("kind") or "",
        order=filters.get("order") or "position",
    )
    page = Paginator(items, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = with_passages(list(page.object_list))
    query = urlencode({key: value for key, value in filters.items() if value})
    return render(
        request,
        "annotator/moderation_queue.html",
        {"form": form, "page": page, "counts": moderation_counts(items), "filters": query},
    )


def moderation_item(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    """One queue item: each reviewer's version of the passage, and the decision."""
    item = item_for_moderator(user=request.user, item_id=item_id)
    if item is None:
        raise NoAccess("No such item in the projects you moderate.")
    project = item.document.project
    context_start = max(0, item.start - CONTEXT_CHARACTERS)
    context_text = document_text_slice(
        document_id=item.document_id, start=context_start, end=item.end + CONTEXT_CHARACTERS
    )
    categories = list(category_list(project=project))
    names = {category.code: category for category in categories}
    # Reviewers are lettered as on every page about the document, and the form posts the
    # letter ("accept:A"), never a user id, which _resolve maps back.
    labels = document_reviewer_labels(
        project_access(user=request.user, slug=project.slug), document_id=item.document_id
    )
    reviewers = [
        (reviewer, labels.letter(reviewer), labels.lettered(reviewer))
        for reviewer in labels.ordered(item.versions)
    ]

    def quote(span: list) -> str:
        return context_text[span[0] - context_start : span[1] - context_start]

    distinct = sorted({tuple(span) for spans in item.versions.values() for span in spans})
    span_choices = [
        (
            f"{start}:{end}:{code}",
            f"“{quote([start, end])}” — {names[code].name if code in names else code} "
            f"({start}–{end}; proposed by "
            + ", ".join(
                letter
                for reviewer, letter, _ in reviewers
                if [start, end, code] in item.versions[str(reviewer)]
            )
            + ")",
        )
        for start, end, code in distinct
    ]
    form_kwargs: dict[str, Any] = {
        "span_choices": span_choices,
        "categories": categories,
        "reviewers": [letter for _, letter, _ in reviewers],
    }
    if request.method == "POST" and item.status != ItemStatus.OPEN:
        messages.warning(request, str(ItemConflict(item)))
        return redirect("moderation_item", item_id=item.pk)
    if request.method == "POST":
        form = ResolveForm(request.POST, **form_kwargs)
        if form.is_valid():
            outcome = _resolve(request, item, form, labels)
            if outcome is not None:
                return outcome
    else:
        form = ResolveForm(initial={"version": item.version}, **form_kwargs)
    rows = [
        (
            label,
            [
                {
                    "start": span[0],
                    "end": span[1],
                    "category": names.get(span[2]),
                    "code": span[2],
                    "quote": quote(span),
                }
                for span in item.versions[str(reviewer)]
            ],
        )
        for reviewer, _, label in reviewers
    ]
    used = {span[2] for spans in item.versions.values() for span in spans}
    return render(
        request,
        "annotator/moderation_item.html",
        {
            "item": item,
            "project": project,
            "document": item.document,
            "before": context_text[: item.start - context_start],
            "passage": context_text[item.start - context_start : item.end - context_start],
            "after": context_text[item.end - context_start :],
            "rows": rows,
            "form": form,
            "used_categories": [category for category in categories if category.code in used],
            "gold": item.gold_spans.select_related("category") if item.status != "open" else [],
            "next_item": next_open_item(user=request.user, after=item),
        },
    )


def _resolve(
    request: AuthenticatedHttpRequest,
    item: ModerationItem,
    form: ResolveForm,
    labels: ReviewerLabels,
) -> HttpResponse | None:
    data = form.cleaned_data
    decision = request.POST.get("decision") or data["decision"]
    ticked = [value.split(":") for value in data["spans"]]
    ticked = [(int(start), int(end), code) for start, end, code in ticked]
    if decision.startswith("accept:"):
        # A letter, never a user id: posting ids must not tell which accounts reviewed.
        reviewer = labels.reviewer_for(decision.removeprefix("accept:"))
        spans = None if reviewer is None else item.versions.get(str(reviewer))
        resolution = Resolution.ACCEPT_REVIEWER
        if spans is None:
            form.add_error(None, "No such reviewer in this item.")
            return None
    elif decision == "accept_spans":
        resolution, spans = Resolution.ACCEPT_SPANS, ticked
    elif decision == "reject":
        resolution, spans = Resolution.REJECT, []
    elif decision == "custom":
        resolution, spans = Resolution.CUSTOM, list(ticked)
        custom = (data["custom_start"], data["custom_end"], data["custom_category"])
        if all(value not in (None, "") for value in custom):
            spans.append(custom)
        elif any(value not in (None, "") for value in custom):
            form.add_error(None, "A custom span needs its start, end and category.")
            return None
    else:
        form.add_error(None, "Choose what to do with this item.")
        return None
    try:
        item_resolve(
            item_id=item.pk,
            moderator=request.user,
            version=data["version"],
            resolution=resolution,
            spans=spans,
            reason=data["reason"] or "",
            rationale=data["rationale"] or "",
        )
    except ItemConflict as conflict:
        messages.warning(request, str(conflict))
        return redirect("moderation_item", item_id=item.pk)
    except ModerationError as error:
        form.add_error(None, str(error))
        return None
    messages.success(request, "Resolved.")
    following = next_open_item(user=request.user, after=item)
    if following is None:
        messages.info(request, "The queue is empty.")
        return redirect("moderation_queue")
    return redirect("moderation_item", item_id=following.pk)
