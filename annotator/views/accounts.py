"""A user's own account: their API tokens; and the page of a login refused for too many
failures."""

from __future__ import annotations

import datetime
import math
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from annotator.access import AuthenticatedHttpRequest
from annotator.forms.accounts import ApiTokenCreateForm
from annotator.forms.base import ActionForm
from annotator.models import ApiToken
from annotator.models.tokens import ApiTokenStatus
from annotator.selectors.tokens import api_token_list, api_token_of, api_token_status
from annotator.services.tokens import api_token_create, api_token_revoke

# A new token's secret waits here for the one page that shows it, which takes it out.
NEW_TOKEN_SESSION_KEY = "annotator.new_api_token"  # noqa: S105 (a name, not a secret)


@require_http_methods(["GET", "POST"])
def account_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's API tokens: make one (its secret shown once), see them, revoke one."""
    form = ApiTokenCreateForm(request.POST or None, default_days=settings.API_TOKEN_DAYS)
    if request.method == "POST" and form.is_valid():
        token, secret = api_token_create(
            user=request.user,
            actor=request.user,
            name=form.cleaned_data["name"],
            days=form.cleaned_data["days"],
        )
        request.session[NEW_TOKEN_SESSION_KEY] = {"id": token.pk, "secret": secret}
        return redirect("account_tokens")
    new_token = request.session.pop(NEW_TOKEN_SESSION_KEY, None)
    new_id = new_token["id"] if new_token else None
    now = timezone.now()
    rows = [_row(token, now=now, new_id=new_id) for token in api_token_list(user=request.user)]
    response = render(
        request,
        "annotator/account_tokens.html",
        {"form": form, "rows": rows, "new_token": new_token},
    )
    # The page may hold a secret: no copy of it in any cache, the browser's included.
    response["Cache-Control"] = "no-store"
    return response


def _row(token: ApiToken, *, now: datetime.datetime, new_id: int | None) -> dict[str, Any]:
    """One line of the tokens table: the token, its status, a Revoke button while live."""
    status = api_token_status(token, now=now)
    revoke = None
    if token.revoked_at is None:
        revoke = ActionForm(
            label="Revoke",
            action=reverse("account_token_revoke", args=[token.pk]),
            style="btn-sm btn-outline-danger",
        )
    return {
        "token": token,
        "status": status,
        "active": status == ApiTokenStatus.ACTIVE,
        "new": token.pk == new_id,
        "revoke": revoke,
    }


@require_POST
def account_token_revoke(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's own tokens; anyone else's is not found."""
    token = api_token_of(user=request.user, pk=pk)
    if token is None:
        raise Http404("No such token.")
    if api_token_revoke(token=token, actor=request.user, reason="revoked by its user"):
        messages.success(request, f"Revoked the token “{token.name}” ({token.prefix}…).")
    else:
        messages.info(request, f"The token “{token.name}” was revoked already.")
    return redirect("account_tokens")


def login_locked_out(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """The answer to a login refused by django-axes (AXES_LOCKOUT_CALLABLE): 429, saying
    how long to wait and how an administrator lifts the lockout."""
    username = (credentials or {}).get("username") or request.POST.get("username", "")
    cool_off = settings.AXES_COOLOFF_TIME
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
    response = render(
        request,
        "registration/lockout.html",
        {"username": username, "minutes": minutes, "limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
