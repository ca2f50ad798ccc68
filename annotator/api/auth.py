"""How API callers authenticate: a browser's session (with CSRF), or a script's token."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, JsonResponse
from django.http.response import HttpResponseBase
from ninja.security import HttpBearer, SessionAuth

from annotator.services.tokens import api_token_authenticate


class BrowserSessionAuth(SessionAuth):
    """The browser's session, with Django's CSRF check, only when a session cookie is sent.

    Ninja's cookie authentication checks CSRF before looking for the cookie, which refuses
    a script that sends only its token (and no cookie at all) with "CSRF check Failed".
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return super().authenticate(request, key) if key else None


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


NOT_AUTHENTICATED = "Log in, or send an API token as 'Authorization: Bearer <token>'."


def not_authenticated() -> JsonResponse:
    response = JsonResponse({"detail": NOT_AUTHENTICATED}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


def _bearer_token(request: HttpRequest) -> str | None:
    """The token of an ``Authorization: Bearer`` header, as ninja's ``HttpBearer`` reads it."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def docs_access(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """The OpenAPI schema and its documentation page, for whoever may use the API: a user
    logged in, or a script that sends a valid token.

    Anyone else gets 401 (JSON) for the schema, and for the page the login form, unless a
    token was sent: a script is told that its token is not valid rather than redirected.
    """

    @functools.wraps(view)
    def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated:
            return view(request, *args, **kwargs)
        token = _bearer_token(request)
        if token is not None:
            user = api_token_authenticate(token)
            if user is None:
                return not_authenticated()
            request.user = user
            return view(request, *args, **kwargs)
        match = request.resolver_match
        if match is not None and match.url_name == "openapi-view":
            return redirect_to_login(request.get_full_path())
        return not_authenticated()

    return checked
