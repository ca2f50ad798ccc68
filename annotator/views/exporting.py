"""The export page: choose a format, a layer and filters, preview, download as it streams."""

from __future__ import annotations

from django.http.response import HttpResponseBase
from django.shortcuts import render

from annotator.access import AuthenticatedHttpRequest, project_access
from annotator.forms.documents import ExportForm
from annotator.models import Role
from annotator.responses import streamed_download
from annotator.selectors.projects import category_list
from annotator.services.exporting import (
    FORMATS,
    ExportError,
    ExportOptions,
    export_start,
    export_summary,
)


def corpus_export(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponseBase:
    """Managers and moderators export the corpus; the download streams as it is made, and
    a preview shows first what the file would hold."""
    access = project_access(user=request.user, slug=project_slug)
    access.require(Role.MODERATOR, Role.MANAGER, to="export the corpus")
    project = access.project
    formats = [(name, fmt.label) for name, fmt in FORMATS.items()]
    preview = "preview" in request.GET
    form = ExportForm(
        request.GET if preview or "download" in request.GET else None,
        formats=formats,
        categories=category_list(project=project),
        manager=access.is_manager,
    )
    summary = None
    if form.is_bound and form.is_valid():
        # A moderator's form has no "names" field: pseudonyms, the default.
        options = ExportOptions.from_values(form.cleaned_data)
        try:
            if preview:
                summary = export_summary(project=project, options=options, role=access.role)
            else:
                export = export_start(
                    project=project, options=options, actor=request.user, role=access.role
                )
                return streamed_download(
                    export.chunks, content_type=export.content_type, filename=export.filename
                )
        except ExportError as error:
            form.add_error(None, str(error))
    return render(
        request,
        "annotator/corpus_export.html",
        {"project": project, "form": form, "summary": summary},
    )
