"""Pages about projects: the list of a user's projects, logging in, the category styles."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.http import HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.shortcuts import render
from django.templatetags.static import static

from annotator.access import MODERATING_ROLES, AuthenticatedHttpRequest, project_access
from annotator.forms.accounts import LoginForm
from annotator.middleware import session_refreshed
from annotator.selectors.projects import category_list
from annotator.selectors.projects import project_list as projects_of_member
from annotator.text import sha256_hex

HEX_COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
CSS_SAFE_CODE = re.compile(r"^[a-zA-Z0-9_-]+$")


@login_not_required
def favicon(request: AuthenticatedHttpRequest) -> HttpResponseRedirect:
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's)."""
    return HttpResponseRedirect(static("annotator/favicon.svg"))


class AnnotatorLoginView(LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        session_refreshed(self.request)  # saved with the new session: no extra write
        return response


def project_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    projects = list(projects_of_member(user=request.user))
    moderates = any(project.role in MODERATING_ROLES for project in projects)
    return render(
        request, "annotator/project_list.html", {"projects": projects, "moderates": moderates}
    )


def category_styles(request: AuthenticatedHttpRequest, project_slug: str) -> HttpResponse:
    """The project's category colours as CSS: highlight and swatch rules, from 'self'."""
    access = project_access(user=request.user, slug=project_slug)
    rules = []
    for category in category_list(project=access.project):
        if not HEX_COLOUR_PATTERN.match(category.colour) or not CSS_SAFE_CODE.match(category.code):
            continue  # never write a value into CSS that was not checked
        red, green, blue = (int(category.colour[i : i + 2], 16) for i in (1, 3, 5))
        rules.append(
            f"::highlight(cat-{category.code}) {{ background-color: "
            f"rgb({red} {green} {blue} / 0.32); }}\n"
            f".swatch-{category.code} {{ background-color: {category.colour}; }}\n"
        )
    css = "".join(rules)
    # Revalidated on every page (no-cache, with an ETag): a colour a manager just changed
    # shows on the next page, while an unchanged stylesheet costs only a 304.
    etag = f'"{sha256_hex(css.encode())[:32]}"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    return response
