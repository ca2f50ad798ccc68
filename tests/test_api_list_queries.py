"""Every list endpoint of the API costs the same number of queries whatever the number of
rows it lists: each is called with a few rows, then with three times as many."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotator.alignment import Span
from annotator.models import Role
from annotator.services.assignments import review_submit
from annotator.services.gold import gold_create
from annotator.services.moderation_start import moderation_start
from annotator.services.taxonomy import taxonomy_version_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

WORD = "Detained. "  # ten characters a passage, so that passages never touch


@pytest.fixture
def world():
    project = ProjectFactory(slug="lists")
    category = CategoryFactory(project=project, code="detention")
    other = CategoryFactory(project=project, code="torture")
    manager, moderator = UserFactory(username="lead"), UserFactory(username="mod")
    first, second = UserFactory(username="first"), UserFactory(username="second")
    for user, role in [
        (manager, Role.MANAGER),
        (moderator, Role.MODERATOR),
        (first, Role.REVIEWER),
        (second, Role.REVIEWER),
    ]:
        MembershipFactory(project=project, user=user, role=role)
    document = make_document(project, WORD * 60)
    return {
        "project": project,
        "categories": (category, other),
        "manager": manager,
        "moderator": moderator,
        "reviewers": (first, second),
        "document": document,
        "reviewer": first,
        "grown": 0,
    }


def more_documents(world, count: int) -> None:
    for _ in range(count):
        world["grown"] += 1
        make_document(world["project"], f"Document {world['grown']}. " + WORD)


def more_members(world, count: int) -> None:
    for _ in range(count):
        world["grown"] += 1
        user = UserFactory(username=f"member-{world['grown']}")
        MembershipFactory(project=world["project"], user=user, role=Role.REVIEWER)


def more_versions(world, count: int) -> None:
    for _ in range(count):
        taxonomy_version_create(project=world["project"], actor=world["manager"])


def more_categories(world, count: int) -> None:
    for _ in range(count):
        world["grown"] += 1
        CategoryFactory(project=world["project"], code=f"extra-{world['grown']}")


def more_incidents(world, count: int) -> None:
    """Incidents of the first reviewer's on the document, each with a victim and a
    perpetrator slot (the roles are made on first use)."""
    from annotator.models import IncidentRole
    from annotator.services.incidents import incident_create, incident_slot_add

    roles = [
        IncidentRole.objects.get_or_create(
            project=world["project"], code=code, defaults={"name": code, "multiple": True}
        )[0]
        for code in ("victims", "perpetrators")
    ]
    category, reviewer = world["categories"][0], world["reviewer"]
    for _ in range(count):
        world["grown"] += 1
        start = world["grown"] * 3 * len(WORD)
        spans = [
            make_annotation(world["document"], reviewer, category, at, at + 8)
            for at in (start, start + len(WORD), start + 2 * len(WORD))
        ]
        incident = incident_create(
            document=world["document"], reviewer=reviewer, act_id=spans[0].pk
        )
        for role, span in zip(roles, spans[1:], strict=True):
            incident_slot_add(
                incident_id=incident.pk, actor=reviewer, role=role, annotation_id=span.pk
            )


def more_incident_roles(world, count: int) -> None:
    from annotator.models import IncidentRole

    for _ in range(count):
        world["grown"] += 1
        role = IncidentRole.objects.create(
            project=world["project"], code=f"role-{world['grown']}", name="Role"
        )
        role.categories.set(world["categories"])


def moderated(world, passages: int, offset: int = 0) -> None:
    """The document in moderation with one item a passage (the reviewers disagree on the
    category) and one gold span of the moderator's own a passage."""
    document = world["document"]
    (first, second), (category, other) = world["reviewers"], world["categories"]
    for passage in range(passages):
        start = offset + passage * len(WORD)
        make_annotation(document, first, category, start, start + 8)
        make_annotation(document, second, other, start, start + 8)
    for reviewer in (first, second):
        review_submit(document=document, reviewer=reviewer)
    moderation_start(document=document, actor=world["moderator"])
    for passage in range(passages):
        start = offset + 30 * len(WORD) + passage * len(WORD)
        gold_create(
            document=document,
            moderator=world["moderator"],
            span=Span(start, start + 8, "detention", "", "", ""),
        )


LISTS: dict[str, tuple[str, Callable[[dict], str], Callable[[dict, int], None]]] = {
    "documents": (
        "manager",
        lambda w: "/api/v1/projects/lists/documents",
        more_documents,
    ),
    "members": ("manager", lambda w: "/api/v1/projects/lists/members", more_members),
    "assignments": (
        "manager",
        lambda w: "/api/v1/projects/lists/assignments",
        more_documents,  # each assigned to both reviewers
    ),
    "categories": (
        "manager",
        lambda w: "/api/v1/projects/lists/categories",
        more_categories,
    ),
    "taxonomy versions": (
        "manager",
        lambda w: "/api/v1/projects/lists/taxonomy/versions",
        more_versions,
    ),
    "incidents": (
        "reviewer",
        lambda w: f"/api/v1/documents/{w['document'].pk}/incidents",
        more_incidents,
    ),
    "incident roles": (
        "reviewer",
        lambda w: "/api/v1/projects/lists/incident-roles",
        more_incident_roles,
    ),
}


def queries_of(client, url: str) -> tuple[int, int]:
    """The queries of one call, and the size of its answer (which must grow with rows)."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code} {response.content[:200]}"
    return len(captured), len(response.content)


@pytest.mark.parametrize("name", list(LISTS))
def test_a_list_endpoint_costs_the_same_with_three_times_the_rows(world, name):
    who, url_of, grow = LISTS[name]
    client = client_for(world[who])
    grow(world, 2)
    few, few_size = queries_of(client, url_of(world))
    grow(world, 4)
    many, many_size = queries_of(client, url_of(world))
    assert many_size > few_size, f"{name}: the list did not grow; the test measures nothing"
    assert many == few, f"{name}: {few} queries with few rows, {many} with three times as many"


def test_more_projects_cost_no_more_queries(world):
    client = client_for(world["manager"])
    few, few_size = queries_of(client, "/api/v1/projects")
    for number in range(4):
        project = ProjectFactory(slug=f"more-{number}")
        MembershipFactory(project=project, user=world["manager"], role=Role.MANAGER)
    many, many_size = queries_of(client, "/api/v1/projects")
    assert many_size > few_size, "the list did not grow"
    assert many == few, f"{few} queries for one project, {many} for five"


@pytest.mark.parametrize(
    "path", ["items", "items?status=open", "gold"], ids=["items", "open items", "gold"]
)
def test_items_and_gold_cost_the_same_with_three_times_the_rows(world, path):
    client = client_for(world["moderator"])
    moderated(world, 2)
    url = f"/api/v1/documents/{world['document'].pk}/{path}"
    few, few_size = queries_of(client, url)
    other = make_document(world["project"], "Second. " + WORD * 60, name="second.txt")
    world["document"] = other
    moderated(world, 6, offset=len("Second. "))
    many, many_size = queries_of(client, f"/api/v1/documents/{other.pk}/{path}")
    assert many_size > few_size, f"{path}: the list did not grow"
    assert many == few, f"{path}: {few} queries for 2 passages, {many} for 6"
