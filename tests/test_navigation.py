"""The navigation bar: its link to the moderation queue, for whom, and what it costs."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotator.models import Role
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, client_for

pytestmark = pytest.mark.django_db
NAV_LINK = 'data-testid="nav-moderation"'


def moderation_checks(queries) -> list[str]:
    """The navigation's question (does the user moderate any project?) among ``queries``."""
    return [
        query["sql"]
        for query in queries
        if query["sql"].startswith('SELECT 1 AS "a"') and "annotator_membership" in query["sql"]
    ]


def page(client: Client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), moderation_checks(queries.captured_queries)


@pytest.mark.parametrize("role", [Role.MODERATOR, Role.MANAGER])
def test_moderators_and_managers_see_the_queue_in_the_navigation(project, role):
    user = UserFactory()
    MembershipFactory(project=project, user=user, role=role)
    html, checks = page(client_for(user), reverse("project_list"))
    assert NAV_LINK in html
    assert f'href="{reverse("moderation_queue")}"' in html
    assert len(checks) == 1, "one query, once a page"


def test_a_reviewer_sees_no_queue_link(project, reviewer_client):
    html, checks = page(reviewer_client, reverse("project_list"))
    assert NAV_LINK not in html
    assert len(checks) == 1


def test_a_moderator_elsewhere_sees_the_link_on_every_project(project, reviewer):
    MembershipFactory(project=ProjectFactory(), user=reviewer, role=Role.MODERATOR)
    html, _ = page(client_for(reviewer), reverse("document_list", args=[project.slug]))
    assert NAV_LINK in html
    assert 'data-testid="project-queue"' not in html, "a reviewer here: no queue for this one"


def test_an_anonymous_visitor_costs_no_query(db):
    html, checks = page(Client(), reverse("login"))
    assert NAV_LINK not in html
    assert checks == []


def test_the_queue_page_marks_its_link_and_asks_nothing_more(project):
    moderator = UserFactory()
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    html, checks = page(client_for(moderator), reverse("moderation_queue"))
    assert f'href="{reverse("moderation_queue")}" aria-current="page" {NAV_LINK}' in html
    assert checks == [], "the queue knows its user moderates"


def test_the_moderator_s_project_page_links_to_its_queue(project):
    moderator = UserFactory()
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    html, _ = page(client_for(moderator), reverse("document_list", args=[project.slug]))
    link = f'href="{reverse("moderation_queue")}?project={project.slug}"'
    assert link in html
    queue = client_for(moderator).get(reverse("moderation_queue"), {"project": project.slug})
    assert queue.context["form"].cleaned_data["project"] == project.slug
