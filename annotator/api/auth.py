"""How API callers authenticate: a browser's session (with CSRF), or a script's token."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
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
