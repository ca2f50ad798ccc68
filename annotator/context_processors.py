"""What every page's navigation needs to know about the user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from annotator.access import moderated_projects


def navigation(request: HttpRequest) -> dict[str, Any]:
    """``moderates_any_project``: whether the navigation links to the moderation queue.

    Lazy, so that a page pays for it (one query) only when its template reads it, which
    ``base.html`` does for a logged-in user alone; an anonymous user costs nothing. A view
    that already knows the answer puts it in its own context, which takes precedence.
    """

    def moderates() -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        return moderated_projects(user=user).exists()

    return {"moderates_any_project": SimpleLazyObject(moderates)}
