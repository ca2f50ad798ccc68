"""HTML pages. Thin: parse the request, ask a selector or service, render."""

from __future__ import annotations

import logging
import re
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.crypto import get_random_string
from django.views.decorators.http import require_POST

from annotator import selectors
from annotator.charts import bar_chart, heat_map
from annotator.corpus_agreement import FIGURE_COLUMNS, figure_rows, figures_document, reading
from annotator.formats.tabular import csv_lines
from annotator.forms import (
    ActionForm,
    AgreementFilterForm,
    AssignReviewerForm,
    DocumentFilterForm,
    DocumentTitleForm,
    ExportForm,
    ImportForm,
    LoginForm,
    QueueFilterForm,
    ResolveForm,
)
from annotator.models import (
    Document,
    DocumentStatus,
    EvidenceStatus,
    ItemStatus,
    ModerationItem,
    Project,
    Resolution,
    Role,
    SourceType,
)
from annotator.services.agreement import AgreementFilters, agreement_report
from annotator.services.assignments import (
    AssignmentError,
    assignment_create,
    assignments_auto,
    review_reopen,
    review_submit,
)
from annotator.services.documents import document_retitle
from annotator.services.exporting import (
    FORMATS,
    Export,
    ExportError,
    ExportOptions,
    export_start,
    export_summary,
)
from annotator.services.importing import (
    bundle_taxonomy_load,
    documents_import,
    taxonomy_note,
    uploaded_sources,
)
from annotator.services.moderation import (
    ItemConflict,
    ModerationError,
    item_resolve,
    moderation_start,
)
from annotator.taxonomy import TaxonomyError

HEX_COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
CSS_SAFE_CODE = re.compile(r"^[a-zA-Z0-9_-]+$")

DOCUMENTS_PER_PAGE = 50
logger = logging.getLogger(__name__)


@login_not_required
def favicon(request: HttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return HttpResponseRedirect(static("annotator/favicon.svg"))


class AnnotatorLoginView(LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


def _member_project(request: HttpRequest, slug: str) -> Project:
    # Not a member and no such project look the same: a project's existence is not leaked.
    try:
        return selectors.project_for_member(user=request.user, slug=slug)
    except Project.DoesNotExist:
        raise Http404("No such project.") from None


def _member_document(request: HttpRequest, project_slug: str, pk: int) -> Document:
    project = _member_project(request, project_slug)
    try:
        document = selectors.document_for_member(project=project, user=request.user, pk=pk)
    except Document.DoesNotExist:
        raise Http404("No such document.") from None
    document.project = project  # carries the user's role
    return document


def project_list(request: HttpRequest) -> HttpResponse:
    projects = list(selectors.project_list(user=request.user))
    moderates = any(project.role in selectors.MODERATING_ROLES for project in projects)
    return render(
        request, "annotator/project_list.html", {"projects": projects, "moderates": moderates}
    )


def _require_role(project: Project, *roles: str) -> None:
    if project.role not in roles:
        raise PermissionDenied(f"This needs the role of {' or '.join(roles)} in this project.")


def document_list(request: HttpRequest, project_slug: str) -> HttpResponse:
    project = _member_project(request, project_slug)
    form = DocumentFilterForm(request.GET or None)
    valid = form.is_valid()
    query = form.cleaned_data["q"] if valid else ""
    status = form.cleaned_data["status"] if valid else ""
    documents = selectors.document_list(
        project=project, user=request.user, query=query, status=status
    )
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    filters = urlencode({key: value for key, value in (("q", query), ("status", status)) if value})
    context = {"project": project, "form": form, "query": query, "filters": filters, "page": page}
    if project.role == Role.MANAGER:
        context["assign_form"] = ActionForm(
            label="Assign reviewers automatically",
            action=reverse("project_assign", kwargs={"project_slug": project.slug}),
        )
    return render(request, "annotator/document_list.html", context)


@require_POST
def project_assign(request: HttpRequest, project_slug: str) -> HttpResponse:
    """Give every document its reviewers-per-document count of reviewers (managers)."""
    project = _member_project(request, project_slug)
    _require_role(project, Role.MANAGER)
    report = assignments_auto(project=project, actor=request.user)
    level = messages.WARNING if report.short else messages.SUCCESS
    messages.add_message(request, level, report.summary().capitalize() + ".")
    return redirect("document_list", project_slug=project.slug)


def next_document(request: HttpRequest, project_slug: str) -> HttpResponse:
    """The reviewer's next assigned document that they have not submitted yet."""
    project = _member_project(request, project_slug)
    _require_role(project, Role.REVIEWER)
    document = selectors.next_document(project=project, user=request.user)
    if document is None:
        messages.info(request, "You have submitted every document assigned to you.")
        return redirect("document_list", project_slug=project.slug)
    return redirect("document_annotate", project_slug=project.slug, pk=document.pk)


@require_POST
def document_submit(request: HttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """The reviewer is done with this document; their layer becomes read-only to them."""
    document = _member_document(request, project_slug, pk)
    _require_role(document.project, Role.REVIEWER)
    try:
        review_submit(document=document, reviewer=request.user)
    except AssignmentError as error:
        messages.error(request, str(error))
        return redirect("document_annotate", project_slug=project_slug, pk=pk)
    messages.success(request, f"Submitted “{document.title}”.")
    return redirect("next_document", project_slug=project_slug)


@require_POST
def document_assign(request: HttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Assign one reviewer to this document by hand (managers)."""
    document = _member_document(request, project_slug, pk)
    _require_role(document.project, Role.MANAGER)
    form = AssignReviewerForm(
        request.POST,
        reviewers=selectors.project_reviewers(project=document.project),
        action="",
    )
    if not form.is_valid():
        messages.error(request, "Choose one of the project's reviewers.")
    else:
        try:
            assignment_create(
                document=document, reviewer=form.cleaned_data["reviewer"], actor=request.user
            )
            messages.success(request, f"Assigned {form.cleaned_data['reviewer']}.")
        except AssignmentError as error:
            messages.error(request, str(error))
    return redirect(document.get_absolute_url())


@require_POST
def assignment_reopen(
    request: HttpRequest, project_slug: str, pk: int, reviewer_id: int
) -> HttpResponse:
    """Give a submitted layer back to its reviewer (moderators and managers)."""
    document = _member_document(request, project_slug, pk)
    _require_role(document.project, Role.MODERATOR, Role.MANAGER)
    reviewer = get_object_or_404(get_user_model(), pk=reviewer_id)
    try:
        review_reopen(document=document, reviewer=reviewer, actor=request.user)
        messages.success(request, "Reopened the reviewer's layer.")
    except AssignmentError as error:
        messages.error(request, str(error))
    return redirect(document.get_absolute_url())


def document_detail(request: HttpRequest, project_slug: str, pk: int) -> HttpResponse:
    document = _member_document(request, project_slug, pk)
    project = document.project
    context: dict = {"project": project, "document": document}
    if project.role in (Role.MODERATOR, Role.MANAGER):
        context["imported_layers"] = selectors.imported_layers(document=document)
        # Blind annotation: only moderators and managers learn who is assigned.
        assignments = list(selectors.assignment_list(document=document))
        context["show_assignments"] = True
        context["assignments"] = [
            (
                assignment,
                ActionForm(
                    label="Reopen",
                    style="btn-sm btn-outline-secondary",
                    action=reverse(
                        "assignment_reopen",
                        kwargs={
                            "project_slug": project.slug,
                            "pk": document.pk,
                            "reviewer_id": assignment.reviewer_id,
                        },
                    ),
                )
                if assignment.submitted
                else None,
            )
            for assignment in assignments
        ]
        submitted = sum(1 for assignment in assignments if assignment.submitted)
        if submitted >= 2 and document.status not in (
            DocumentStatus.IN_MODERATION,
            DocumentStatus.RECONCILED,
        ):
            context["moderation_form"] = ActionForm(
                label=f"Start moderation ({submitted} layers submitted)",
                action=reverse(
                    "moderation_begin", kwargs={"project_slug": project.slug, "pk": document.pk}
                ),
            )
        if project.role == Role.MANAGER:
            assigned = {assignment.reviewer_id for assignment in assignments}
            reviewers = selectors.project_reviewers(project=project).exclude(pk__in=assigned)
            context["assign_reviewer_form"] = AssignReviewerForm(
                reviewers=reviewers,
                action=reverse(
                    "document_assign", kwargs={"project_slug": project.slug, "pk": document.pk}
                ),
            )
            context["title_form"] = DocumentTitleForm(
                initial={"title": document.title},
                action=reverse(
                    "document_title", kwargs={"project_slug": project.slug, "pk": document.pk}
                ),
            )
    return render(request, "annotator/document_detail.html", context)


@require_POST
def document_title(request: HttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Correct the document's title (managers); the audit log keeps the old one."""
    document = _member_document(request, project_slug, pk)
    _require_role(document.project, Role.MANAGER)
    form = DocumentTitleForm(request.POST, action="")
    if form.is_valid():
        try:
            document_retitle(
                document=document, title=form.cleaned_data["title"], actor=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
    if form.errors:
        reason = " ".join(message for errors in form.errors.values() for message in errors)
        messages.error(request, f"The title was not changed: {reason[:1].lower()}{reason[1:]}")
    else:
        messages.success(request, f"Changed the title to “{document.title}”.")
    return redirect(document.get_absolute_url())


def document_annotate(request: HttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """The editor: a reviewer tags spans of the document in their own layer."""
    document = _member_document(request, project_slug, pk)
    project = document.project
    if project.role != Role.REVIEWER:
        return render(
            request,
            "annotator/not_a_reviewer.html",
            {"project": project, "document": document},
            status=403,
        )
    categories = list(selectors.category_list(project=project))
    annotations = selectors.annotation_list(document=document, reviewer=request.user)
    submitted = document.my_submitted_at is not None
    return render(
        request,
        "annotator/document_annotate.html",
        {
            "project": project,
            "document": document,
            "categories": categories,
            "submitted": submitted,
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
                    }
                    for category in categories
                ],
                "annotations": annotations,
                "evidenceStatuses": EvidenceStatus.choices,
                "sourceTypes": SourceType.choices,
            },
        },
    )


def category_styles(request: HttpRequest, project_slug: str) -> HttpResponse:
    """The project's category colours as CSS: highlight and swatch rules, from 'self'."""
    project = _member_project(request, project_slug)
    rules = []
    for category in selectors.category_list(project=project):
        if not HEX_COLOUR_PATTERN.match(category.colour) or not CSS_SAFE_CODE.match(category.code):
            continue  # never write a value into CSS that was not checked
        red, green, blue = (int(category.colour[i : i + 2], 16) for i in (1, 3, 5))
        rules.append(
            f"::highlight(cat-{category.code}) {{ background-color: "
            f"rgb({red} {green} {blue} / 0.32); }}\n"
            f".swatch-{category.code} {{ background-color: {category.colour}; }}\n"
        )
    response = HttpResponse("".join(rules), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=60"
    return response


def document_feedback(request: HttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """After reconciliation, a reviewer's own spans against the gold layer; never before."""
    document = _member_document(request, project_slug, pk)
    _require_role(document.project, Role.REVIEWER)
    if document.status != DocumentStatus.RECONCILED:
        raise PermissionDenied("Feedback is shown once the document is reconciled.")
    return render(
        request,
        "annotator/document_feedback.html",
        {
            "project": document.project,
            "document": document,
            "feedback": selectors.reviewer_feedback(document=document, reviewer=request.user),
            "categories": {c.code: c for c in selectors.category_list(project=document.project)},
        },
    )


def document_history(request: HttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Who imported, changed, submitted and reconciled what (moderators and managers)."""
    document = _member_document(request, project_slug, pk)
    _require_role(document.project, Role.MODERATOR, Role.MANAGER)
    page = Paginator(selectors.document_history(document=document), 100).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "annotator/document_history.html",
        {"project": document.project, "document": document, "page": page},
    )


QUEUE_PER_PAGE = 50
CONTEXT_CHARACTERS = 300


@require_POST
def moderation_begin(request: HttpRequest, project_slug: str, pk: int) -> HttpResponse:
    """Align the submitted layers of a document into the queue (moderators and managers)."""
    document = _member_document(request, project_slug, pk)
    _require_role(document.project, Role.MODERATOR, Role.MANAGER)
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


def moderation_queue(request: HttpRequest) -> HttpResponse:
    """Open items across the projects the user moderates."""
    projects = list(selectors.moderated_projects(user=request.user))
    if not projects:
        raise PermissionDenied("Only moderators and managers see the moderation queue.")
    form = QueueFilterForm(request.GET or None, projects=projects)
    filters = form.cleaned_data if form.is_valid() else {}
    items = selectors.moderation_queue(
        user=request.user,
        project_slug=filters.get("project") or "",
        document_id=filters.get("document"),
        category=filters.get("category") or "",
        kind=filters.get("kind") or "",
        order=filters.get("order") or "position",
    )
    page = Paginator(items, QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_passages(list(page.object_list))
    query = urlencode({key: value for key, value in filters.items() if value})
    return render(
        request,
        "annotator/moderation_queue.html",
        {
            "form": form,
            "page": page,
            "counts": selectors.moderation_counts(items),
            "filters": query,
        },
    )


def _reviewer_labels(item, project: Project) -> list[tuple[int, str, str]]:
    """(reviewer id, letter, shown name) for each reviewer of the item, in a stable order."""
    ids = sorted(int(reviewer) for reviewer in item.versions)
    names = dict(get_user_model().objects.filter(pk__in=ids).values_list("pk", "username"))
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return [
        (
            reviewer,
            letters[index],
            f"Reviewer {letters[index]}"
            if project.anonymous_moderation
            else f"{letters[index]}: {names.get(reviewer, reviewer)}",
        )
        for index, reviewer in enumerate(ids)
    ]


def moderation_item(request: HttpRequest, item_id: int) -> HttpResponse:
    """One queue item: each reviewer's version of the passage, and the decision."""
    try:
        item = selectors.item_for_moderator(user=request.user, item_id=item_id)
    except ModerationItem.DoesNotExist:
        raise Http404("No such item in the projects you moderate.") from None
    project = item.document.project
    context_start = max(0, item.start - CONTEXT_CHARACTERS)
    context_text = selectors.document_text_slice(
        document_id=item.document_id, start=context_start, end=item.end + CONTEXT_CHARACTERS
    )
    categories = list(selectors.category_list(project=project))
    names = {category.code: category for category in categories}
    reviewers = _reviewer_labels(item, project)

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
    form_kwargs = {
        "span_choices": span_choices,
        "categories": categories,
        "reviewers": [(reviewer, letter) for reviewer, letter, _ in reviewers],
    }
    if request.method == "POST" and item.status != ItemStatus.OPEN:
        messages.warning(request, str(ItemConflict(item)))
        return redirect("moderation_item", item_id=item.pk)
    if request.method == "POST":
        form = ResolveForm(request.POST, **form_kwargs)
        if form.is_valid():
            outcome = _resolve(request, item, form)
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
            "next_item": selectors.next_open_item(user=request.user, after=item),
        },
    )


def _resolve(request: HttpRequest, item, form: ResolveForm) -> HttpResponse | None:
    data = form.cleaned_data
    decision = request.POST.get("decision") or data["decision"]
    ticked = [value.split(":") for value in data["spans"]]
    ticked = [(int(start), int(end), code) for start, end, code in ticked]
    if decision.startswith("accept:"):
        resolution, spans = Resolution.ACCEPT_REVIEWER, item.versions.get(decision[7:], None)
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
    following = selectors.next_open_item(user=request.user, after=item)
    if following is None:
        messages.info(request, "The queue is empty.")
        return redirect("moderation_queue")
    return redirect("moderation_item", item_id=following.pk)


def document_source(request: HttpRequest, project_slug: str, pk: int) -> FileResponse:
    """The original file, byte for byte, always as a download: it is never rendered here."""
    document = _member_document(request, project_slug, pk)
    if not document.source_file:
        raise Http404("The original file of this document was not kept.")
    try:
        original = document.source_file.open("rb")
    except FileNotFoundError:
        logger.error(
            "original file %s of document %s is missing from storage",
            document.source_file.name,
            document.pk,
        )
        raise Http404("The original file of this document is missing from storage.") from None
    response = FileResponse(
        original,
        as_attachment=True,
        filename=document.source_filename or document.source_file.name.rsplit("/", 1)[-1],
        content_type="application/octet-stream",
    )
    response["X-Content-SHA256"] = document.source_sha256
    return response


AGREEMENT_DOCUMENTS_PER_PAGE = 25


def project_agreement(request: HttpRequest, project_slug: str) -> HttpResponse:
    """How far the reviewers of a project agree: figures, charts, and CSV or JSON downloads."""
    project = _member_project(request, project_slug)
    _require_role(project, Role.MODERATOR, Role.MANAGER)
    form = AgreementFilterForm(request.GET or None)
    cleaned = form.cleaned_data if form.is_valid() else {}
    filters = AgreementFilters(
        query=cleaned.get("q") or "",
        status=cleaned.get("status") or "",
        language=cleaned.get("language") or "",
    )
    report = agreement_report(project=project, filters=filters)
    figures = report.figures
    names = selectors.reviewer_names(project=project, reviewer_ids=figures["reviewers"])
    documents = selectors.agreement_document_rows(
        documents=selectors.agreement_documents(project=project, **filters.as_dict())
    )
    download = request.GET.get("download")
    if download in ("csv", "json"):
        return _agreement_download(project, report, names, documents, download)

    page = Paginator(documents, AGREEMENT_DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    headline = figures["headline"]
    # The form's own field names, so that download and page links keep the filters.
    fields = (("q", filters.query), ("status", filters.status), ("language", filters.language))
    query = urlencode({key: value for key, value in fields if value})
    categories = {c.code: c for c in selectors.category_list(project=project)}
    return render(
        request,
        "annotator/project_agreement.html",
        {
            "project": project,
            "form": form,
            "report": report,
            "figures": figures,
            "headline": headline,
            "readings": {
                key: reading(headline[key]["value"]) for key in ("unitizing_alpha", "token_alpha")
            },
            "category_rows": [
                {**row, "name": categories[row["code"]].name if row["code"] in categories else ""}
                for row in figures["categories"]
            ],
            "category_chart": bar_chart(
                [
                    (
                        categories[row["code"]].name if row["code"] in categories else row["code"],
                        row["unitizing_alpha"],
                    )
                    for row in figures["categories"]
                ]
            ),
            "pair_rows": [
                {**row, "a_name": names.get(row["a"]), "b_name": names.get(row["b"])}
                for row in figures["pairs"]
            ],
            "pair_map": heat_map(
                figures["reviewers"],
                {(row["a"], row["b"]): row["kappa"] for row in figures["pairs"]},
                names=names,
            ),
            "gold_rows": [
                {**row, "reviewer_name": names.get(row["reviewer"])}
                for row in figures["gold"]["rows"]
            ],
            "page": page,
            "filters": query,
        },
    )


def _agreement_download(project, report, names, documents, kind: str) -> HttpResponse:
    rows = selectors.agreement_document_values(documents=documents)
    stamp = report.computed_at.strftime("%Y%m%dT%H%M%SZ")
    filename = f"{project.slug}-agreement-{stamp}.{kind}"
    if kind == "json":
        document = figures_document(
            project=project.slug,
            filters=report.filters,
            computed_at=report.computed_at.isoformat(),
            names=names,
            figures=report.figures,
            documents=rows,
        )
        response: HttpResponse = JsonResponse(
            document, json_dumps_params={"ensure_ascii": False, "indent": 1}
        )
    else:
        lines = csv_lines(FIGURE_COLUMNS, figure_rows(report.figures, names=names, documents=rows))
        response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


IMPORT_REPORTS_KEPT = 5


def document_import(request: HttpRequest, project_slug: str) -> HttpResponse:
    """Managers upload files; the report of each import is kept in their session to show."""
    project = _member_project(request, project_slug)
    _require_role(project, Role.MANAGER)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        report = documents_import(
            project=project,
            sources=uploaded_sources(form.cleaned_data["files"]),
            imported_by=request.user,
        )
        token = get_random_string(12)
        reports = request.session.get("import_reports", {})
        reports[token] = {
            "project": project.slug,
            "summary": report.summary(),
            "failed": report.failed,
            "results": [
                [r.name, str(r.outcome), r.reason, r.document_id, r.spans] for r in report.results
            ],
            # A bundle's taxonomy the project lacks some of, kept for the button that loads it.
            "taxonomies": {
                str(index): {
                    "categories": list(r.taxonomy.categories),
                    "missing": list(r.taxonomy.missing),
                }
                for index, r in enumerate(report.results)
                if r.taxonomy and r.taxonomy.missing and not r.taxonomy.loaded
            },
        }
        request.session["import_reports"] = dict(list(reports.items())[-IMPORT_REPORTS_KEPT:])
        return redirect("document_import_report", project_slug=project.slug, token=token)
    return render(request, "annotator/document_import.html", {"project": project, "form": form})


def document_import_report(request: HttpRequest, project_slug: str, token: str) -> HttpResponse:
    """What became of each file of an import: imported, duplicate, failed or a note, and why;
    a bundle's taxonomy with categories the project lacks has a button to load them."""
    project = _member_project(request, project_slug)
    _require_role(project, Role.MANAGER)
    report = _import_report(request, project, token)
    offers = report.get("taxonomies", {})
    rows = []
    for index, (name, outcome, reason, pk, spans) in enumerate(report["results"]):
        offer = offers.get(str(index))
        rows.append(
            {
                "name": name,
                "outcome": outcome,
                "reason": reason,
                "document_id": pk,
                "spans": spans,
                "load_form": ActionForm(
                    label=f"Load the {len(offer['missing'])} missing "
                    f"categor{'y' if len(offer['missing']) == 1 else 'ies'}",
                    style="btn-sm btn-outline-primary",
                    action=reverse(
                        "document_import_taxonomy",
                        kwargs={"project_slug": project.slug, "token": token, "row": index},
                    ),
                )
                if offer
                else None,
            }
        )
    return render(
        request,
        "annotator/document_import_report.html",
        {"project": project, "report": report, "rows": rows},
    )


def _import_report(request: HttpRequest, project: Project, token: str) -> dict:
    report = request.session.get("import_reports", {}).get(token)
    if report is None or report["project"] != project.slug:
        raise Http404("This import report is no longer kept; the documents list shows the result.")
    return report


@require_POST
def document_import_taxonomy(
    request: HttpRequest, project_slug: str, token: str, row: int
) -> HttpResponse:
    """Load the categories of an imported bundle's taxonomy that the project lacks."""
    project = _member_project(request, project_slug)
    _require_role(project, Role.MANAGER)
    report = _import_report(request, project, token)
    offer = report.get("taxonomies", {}).get(str(row))
    back = redirect("document_import_report", project_slug=project.slug, token=token)
    if offer is None:
        messages.info(request, "This taxonomy has been loaded already.")
        return back
    name = report["results"][row][0]
    try:
        created = bundle_taxonomy_load(
            project=project, categories=offer["categories"], actor=request.user, source=name
        )
    except TaxonomyError as error:
        messages.error(request, f"The categories of {name} could not be loaded: {error}")
        return back
    report["results"][row][2] = taxonomy_note(len(offer["categories"]), created, loaded=True)
    del report["taxonomies"][str(row)]
    request.session.modified = True
    messages.success(
        request,
        f"Loaded {len(created)} categor{'y' if len(created) == 1 else 'ies'}"
        f"{': ' + ', '.join(created) if created else ''}.",
    )
    return back


def corpus_export(request: HttpRequest, project_slug: str) -> HttpResponse:
    """Managers and moderators export the corpus; the download streams as it is made, and
    a preview shows first what the file would hold."""
    project = _member_project(request, project_slug)
    _require_role(project, Role.MODERATOR, Role.MANAGER)
    formats = [(name, label) for name, (_, _, label) in FORMATS.items()]
    preview = "preview" in request.GET
    form = ExportForm(
        request.GET if preview or "download" in request.GET else None,
        formats=formats,
        categories=selectors.category_list(project=project),
        manager=project.role == Role.MANAGER,
    )
    summary = None
    if form.is_bound and form.is_valid():
        # A moderator's form has no "names" field: pseudonyms, the default.
        options = ExportOptions.from_values(form.cleaned_data)
        try:
            if preview:
                summary = export_summary(project=project, options=options, role=project.role)
            else:
                export = export_start(
                    project=project, options=options, actor=request.user, role=project.role
                )
                return export_response(export)
        except ExportError as error:
            form.add_error(None, str(error))
    return render(
        request,
        "annotator/corpus_export.html",
        {"project": project, "form": form, "summary": summary},
    )


def export_response(export: Export) -> StreamingHttpResponse:
    """An export as a streamed download."""
    response = StreamingHttpResponse(export.chunks, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{export.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
