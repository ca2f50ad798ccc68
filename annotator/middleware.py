"""What every request and response goes through: security headers that keep the browser on
this host, no caching of confidential pages, JSON-only errors under the API, and limits on
what a request may send before anything reads it."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import Resolver404, resolve

API_PREFIX = "/api/"

# Researchers read sensitive material: a request to a CDN, a font host or an analytics
# service would tell a third party who reads what. The policy forbids every origin but
# this one, for scripts, styles, images, fonts and connections alike; Bootstrap's inline
# SVG icons are data: URLs.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs a logged-in user; the JSON API answers 401 itself instead.

    API requests may carry a token rather than a session, so redirecting them to the login
    page would be wrong: the API's own authentication decides.
    """

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path_info.startswith(API_PREFIX):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response that says nothing of caching itself.

    Documents, annotations, moderation, history, the API, original files and exports are
    confidential material: no shared cache (a proxy, a CDN) nor the browser's disk may keep
    a copy. Static files (served by WhiteNoise before this runs, with their own long
    caching) and responses that set their own policy keep it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + urlsplit(settings.STATIC_URL).path.lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.has_header("Cache-Control") and not request.path_info.startswith(
            self.static_prefix
        ):
            response["Cache-Control"] = "no-store"
        return response


# What the API says for an error that Django answered before or around the API's own
# handlers (an unknown URL, a refused request, a server error), in place of an HTML page.
API_ERROR_DETAILS = {
    400: "Bad request.",
    401: "Log in, or send an API token as 'Authorization: Bearer <token>'.",
    403: "Not allowed.",
    404: "Not found.",
    405: "Method not allowed.",
    413: "The request is too large.",
    500: "Server error.",
}
# Headers of the HTML answer that do not apply to the JSON one.
_CONTENT_HEADERS = {"content-type", "content-length", "content-disposition", "content-encoding"}


class ApiJsonErrorsMiddleware:
    """Under ``/api/`` every answer is JSON: an error page that Django made in HTML (a URL
    that matches no endpoint, a request refused before the API ran, a server error) is
    replaced by ``{"detail": ...}`` with the same status and headers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api(request)
            or response.get("Content-Type", "").startswith("application/json")
            or response.streaming
        ):
            return response
        return self.as_json(response)

    @staticmethod
    def as_json(response: HttpResponseBase) -> HttpResponseBase:
        status = response.status_code
        detail = API_ERROR_DETAILS.get(status) or (
            f"{response.reason_phrase}." if response.reason_phrase else "Error."
        )
        replacement = JsonResponse({"detail": detail}, status=status)
        for name, value in response.headers.items():
            if name.lower() not in _CONTENT_HEADERS:
                replacement[name] = value
        replacement.cookies = response.cookies
        # The replaced page holds no resource, and is not closed: ``close()`` sends
        # ``request_finished``, which mid-request closes the database connection under
        # whatever runs after this middleware.
        return replacement


# The methods whose body Django or the API reads (multipart parsing, the JSON payload).
BODY_METHODS = {"POST", "PUT", "PATCH"}


def _content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


class UploadLimitMiddleware:
    """Refuses a request body before anything reads it, when it is larger than
    ``IMPORT_MAX_UPLOAD_MB`` (413), or when it is a multipart upload from nobody: no user
    logged in and, for the API, no token sent (the login page, or 401 for the API). The
    login form, which nobody can be logged in to post, takes a multipart body no larger
    than ``DATA_UPLOAD_MAX_MEMORY_SIZE``.

    Django reads a multipart body whole (spooling its files to disk) the first time
    anything asks for ``request.POST``, and the CSRF check asks before the login check
    runs: an anonymous upload of hundreds of megabytes reached the disk before it was
    redirected to the login page. This runs before any of that (it must come after
    ``AuthenticationMiddleware``, to know the user).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.refusal(request) or self.get_response(request)

    def refusal(self, request: HttpRequest) -> HttpResponseBase | None:
        size, limit = _content_length(request), settings.IMPORT_MAX_UPLOAD_BYTES
        if size > limit:
            detail = (
                f"The request is {size / 1e6:,.1f} MB; at most {limit / 1e6:,.0f} MB may be "
                "sent at once. Send the files in smaller batches."
            )
            if is_api(request):
                return JsonResponse({"detail": detail}, status=413)
            return HttpResponse(detail, status=413, content_type="text/plain; charset=utf-8")
        if (
            request.method not in BODY_METHODS
            or not (request.content_type or "").startswith("multipart/")
            or self.authenticated(request)
        ):
            return None
        if is_api(request):
            response = JsonResponse({"detail": API_ERROR_DETAILS[401]}, status=401)
            response["WWW-Authenticate"] = "Bearer"
            return response
        if self.needs_login(request):
            return redirect_to_login(request.get_full_path())
        # The login form itself: nobody is logged in yet, and a login is a few bytes.
        if size > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return HttpResponse(
                "The request is too large.", status=413, content_type="text/plain; charset=utf-8"
            )
        return None

    @staticmethod
    def needs_login(request: HttpRequest) -> bool:
        """Whether the page asked for needs a logged-in user, as LoginRequiredMiddleware
        decides it (an unknown URL: no page, nothing to read the body for)."""
        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return True
        return getattr(match.func, "login_required", True)

    @staticmethod
    def authenticated(request: HttpRequest) -> bool:
        """A user is logged in, or (for the API) a token is sent; the API checks the token
        itself, before it reads the body."""
        if request.user.is_authenticated:
            return True
        authorization = request.headers.get("Authorization", "")
        return is_api(request) and authorization.lower().startswith("bearer ")


SESSION_REFRESHED = "refreshed_at"


def session_refreshed(request: HttpRequest) -> None:
    """Note that the session was just saved (at login): the time it lasts starts now."""
    request.session[SESSION_REFRESHED] = int(time.time())


class SessionRefreshMiddleware:
    """Slide a logged-in session's expiry with use, saving it at most once every
    ``SESSION_REFRESH_SECONDS`` (instead of on every request, which would make every page
    read a database write). Sessions made without the login page (the admin's) last their
    full time from their start."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            refreshed = session.get(SESSION_REFRESHED)
            now = int(time.time())
            if refreshed is not None and now - refreshed >= settings.SESSION_REFRESH_SECONDS:
                session[SESSION_REFRESHED] = now  # saved by SessionMiddleware, cookie renewed
        return response
