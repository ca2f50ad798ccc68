"""API: projects and their taxonomy."""

from __future__ import annotations

from typing import Any

from ninja import Router

from annotator.access import AuthenticatedHttpRequest, project_access
from annotator.api.schemas import CategoryOut, Slug, responses
from annotator.selectors.projects import category_list

router = Router(tags=["taxonomy"])


@router.get("/projects/{slug}/categories", response=responses({200: list[CategoryOut]}))
def list_categories(request: AuthenticatedHttpRequest, slug: Slug) -> list[dict[str, Any]]:
    """The project's taxonomy, in its order, with the definitions reviewers see."""
    access = project_access(user=request.user, slug=slug)
    return [
        {
            "code": category.code,
            "name": category.name,
            "definition": category.definition,
            "colour": category.colour,
            "shortcut": category.shortcut,
            "parent": category.parent.code if category.parent else None,
        }
        for category in category_list(project=access.project)
    ]
