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
from django.utils.text import Truncator
from django.views.decorators.http import require_POST

from annotator.access import (
    AuthenticatedHttpRequest,
    Forbidden,
    NoAccess,
    member_document_access,
    moderated_projects,
    project_access,
)
from annotator.alignment import Span
from annotator.forms.moderation import QueueFilterForm, ReopenForm, ResolveForm
from annotator.models import (
    EvidenceStatus,
    ItemStatus,
    ModerationItem,
    Resolution,
    Role,
    SourceType,
)
from annotator.selectors.documents import document_text_slice
from annotator.selectors.moderation import (
    item_for_moderator,
    moderation_counts,
    next_open_item,
    queue_filter_options,
    with_passages,
)
from annotator.selectors.moderation import moderation_queue as open_items
from annotator.selectors.projects import category_list
from annotator.selectors.pseudonyms import ReviewerLabels, document_reviewer_labels
from annotator.services.moderation import (
    ItemConflict,
    ModerationError,
    item_proposals,
    item_reopen,
    item_resolve,
)
from annotator.services.moderation_start import moderation_start

QUEUE_PER_PAGE = 50
# The queue's document and category filters list at most this many choices; beyond it, each
# is a box for an id or a code (a longer list is no easier to pick from than to type in).
QUEUE_FILTER_CHOICES = 300
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
    # The choices offered are those of the project asked for (all the user's otherwise).
    chosen = [p.pk for p in projects if p.slug == request.GET.get("project")]
    options = queue_filter_options(
        project_ids=chosen or [p.pk for p in projects], limit=QUEUE_FILTER_CHOICES
    )
    form = QueueFilterForm(request.GET or None, projects=projects, options=options)
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
        {
            "form": form,
            "page": page,
            "counts": moderation_counts(items),
            "filters": query,
            # The navigation's link to this page: known here, so not asked again.
            "moderates_any_project": True,
        },
    )


def moderation_item(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    """One queue item: each reviewer's version of the passage (with what each span says of
    the evidence), and the decision; a resolved item shows what was decided and can be
    reopened."""
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
    proposals = item_proposals(item)
    reviewers = [
        (reviewer, labels.letter(reviewer), labels.lettered(reviewer))
        for reviewer in labels.ordered(proposals)
    ]

    def quote(span: Span) -> str:
        return context_text[span.start - context_start : span.end - context_start]

    # Every distinct span proposed, attributes included; the form posts its place in this
    # list, which the item's stored versions fix.
    distinct = sorted(set().union(*proposals.values()))
    span_choices = [
        (
            str(position),
            f"“{quote(span)}” — {_category_name(names, span.category)}"
            f" ({span.start}–{span.end}{_attributes_label(span)}; proposed by "
            + ", ".join(letter for reviewer, letter, _ in reviewers if span in proposals[reviewer])
            + ")",
        )
        for position, span in enumerate(distinct)
    ]
    form_kwargs: dict[str, Any] = {
        "span_choices": span_choices,
        # Only a reviewer who has a span here can have their version accepted: accepting
        # "nothing" would drop the others' spans as a side effect.
        "reviewers": [letter for reviewer, letter, _ in reviewers if proposals[reviewer]],
    }
    if request.method == "POST" and item.status != ItemStatus.OPEN:
        messages.warning(request, str(ItemConflict(item)))
        return redirect("moderation_item", item_id=item.pk)
    if request.method == "POST":
        form = ResolveForm(request.POST, **form_kwargs)
        if form.is_valid():
            outcome = _resolve(request, item, form, labels, distinct)
            if outcome is not None:
                return outcome
    else:
        form = ResolveForm(initial={"version": item.version}, **form_kwargs)
    rows = [
        (
            label,
            [
                {"span": span, "category": names.get(span.category), "quote": quote(span)}
                for span in sorted(proposals[reviewer])
            ],
        )
        for reviewer, _, label in reviewers
    ]
    used = {span.category for span in distinct}
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
            "reopen_form": ReopenForm(
                initial={"version": item.version},
                action=reverse("moderation_item_reopen", kwargs={"item_id": item.pk}),
            ),
            "used_categories": [category for category in categories if category.code in used],
            "gold": item.gold_spans.select_related("category") if item.status != "open" else [],
            "next_item": next_open_item(user=request.user, after=item),
        },
    )


def _category_name(names: dict[str, Any], code: str) -> str:
    return str(names[code].name) if code in names else code


def _attributes_label(span: Span) -> str:
    parts = [
        EvidenceStatus(span.evidence_status).label.lower()
        if span.evidence_status in EvidenceStatus.values
        else "",
        SourceType(span.source_type).label.lower() if span.source_type in SourceType.values else "",
        f"note “{Truncator(span.note).chars(60)}”" if span.note else "",
    ]
    shown = [part for part in parts if part]
    return "; " + ", ".join(shown) if shown else ""


def _resolve(
    request: AuthenticatedHttpRequest,
    item: ModerationItem,
    form: ResolveForm,
    labels: ReviewerLabels,
    distinct: list[Span],
) -> HttpResponse | None:
    data = form.cleaned_data
    decision = request.POST.get("decision") or data["decision"]
    ticked = [distinct[int(position)] for position in data["spans"]]
    spans: list[Span]
    if decision.startswith("accept:"):
        # A letter, never a user id: posting ids must not tell which accounts reviewed.
        reviewer = labels.reviewer_for(decision.removeprefix("accept:"))
        proposals = item_proposals(item)
        if reviewer is None or reviewer not in proposals:
            form.add_error(None, "No such reviewer in this item.")
            return None
        resolution, spans = Resolution.ACCEPT_REVIEWER, sorted(proposals[reviewer])
    elif decision == "accept_spans":
        resolution, spans = Resolution.ACCEPT_SPANS, ticked
    elif decision == "reject":
        resolution, spans = Resolution.REJECT, []
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


@require_POST
def moderation_item_reopen(request: AuthenticatedHttpRequest, item_id: int) -> HttpResponse:
    """Undo a resolved item's decision: its gold spans go and it is open again."""
    item = item_for_moderator(user=request.user, item_id=item_id)
    if item is None:
        raise NoAccess("No such item in the projects you moderate.")
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The request to reopen was not valid; nothing was changed.")
        return redirect("moderation_item", item_id=item.pk)
    try:
        item_reopen(
            item_id=item.pk,
            moderator=request.user,
            version=form.cleaned_data["version"],
            rationale=form.cleaned_data["rationale"] or "",
        )
    except ItemConflict as conflict:
        messages.warning(request, str(conflict))
    else:
        messages.success(request, "Reopened: the decision was undone (the audit log keeps it).")
    return redirect("moderation_item", item_id=item.pk)
