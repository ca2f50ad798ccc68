"""The editor page and the stylesheet of category colours, served by the server."""

import json
import re

import pytest
from django.urls import reverse

from annotator.models import Category, Role
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db


def editor_url(document) -> str:
    return reverse(
        "document_annotate", kwargs={"project_slug": document.project.slug, "pk": document.pk}
    )


def editor_data(response) -> dict:
    match = re.search(
        r'<script id="editor-data" type="application/json">(.*?)</script>',
        response.content.decode(),
        re.S,
    )
    return json.loads(match.group(1))


def test_editor_shows_only_the_reviewers_own_spans(project, reviewer, reviewer_client):
    category = CategoryFactory(project=project, code="detention", shortcut="1")
    document = make_document(project, "He was detained in a camp.")
    mine = make_annotation(document, reviewer, category, 7, 15)
    other = UserFactory(username="other")
    MembershipFactory(project=project, user=other, role=Role.REVIEWER)
    make_annotation(document, other, category, 0, 2)
    response = reviewer_client.get(editor_url(document))
    assert response.status_code == 200
    data = editor_data(response)
    assert [a["id"] for a in data["annotations"]] == [mine.pk]
    assert data["text"] == document.text
    assert data["categories"] == [
        {
            "code": "detention",
            "name": category.name,
            "colour": "#0072B2",
            "shortcut": "1",
            "parent": "",
        }
    ]
    assert data["apiBase"] == "/api/v1/"


def test_editor_data_cannot_break_out_of_its_script_element(project, reviewer_client):
    document = make_document(project, "</script><script>alert(1)</script>")
    content = reviewer_client.get(editor_url(document)).content.decode()
    assert "</script><script>alert(1)" not in content
    assert editor_data(reviewer_client.get(editor_url(document)))["text"] == document.text


def test_only_reviewers_open_the_editor(project):
    document = make_document(project, "text")
    for role in (Role.MODERATOR, Role.MANAGER):
        user = UserFactory()
        MembershipFactory(project=project, user=user, role=role)
        client = client_for(user)
        response = client.get(editor_url(document))
        assert response.status_code == 403
        assert b"Only reviewers annotate" in response.content
        assert b">Annotate<" not in client.get(document.get_absolute_url()).content


def test_reviewers_find_the_editor_from_the_document_and_the_list(project, reviewer_client):
    document = make_document(project, "text")
    assert editor_url(document).encode() in reviewer_client.get(document.get_absolute_url()).content
    listing = reviewer_client.get(reverse("document_list", kwargs={"project_slug": project.slug}))
    assert editor_url(document).encode() in listing.content


def test_editor_query_count_does_not_grow_with_spans(
    project, reviewer, reviewer_client, django_assert_num_queries
):
    category = CategoryFactory(project=project)
    document = make_document(project, "x" * 500)
    make_annotation(document, reviewer, category, 0, 1)
    # session, user, project with role, document, categories, annotations, the imported
    # layers shown beside them, the relation types (none here, so neither their ends nor the
    # relations are read), whether the user moderates (the navigation's link to the queue)
    with django_assert_num_queries(9):
        reviewer_client.get(editor_url(document))
    for start in range(1, 200, 2):
        make_annotation(document, reviewer, category, start, start + 3)
    with django_assert_num_queries(9):
        response = reviewer_client.get(editor_url(document))
    assert len(editor_data(response)["annotations"]) == 101


def test_a_changed_colour_shows_on_the_next_page_an_unchanged_stylesheet_is_a_304(
    project, reviewer_client
):
    category = CategoryFactory(project=project, code="detention", colour="#0072B2")
    url = reverse("category_styles", kwargs={"project_slug": project.slug})
    first = reviewer_client.get(url)
    assert "no-cache" in first["Cache-Control"], "the browser must ask again on every page"
    again = reviewer_client.get(url, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304, "an unchanged stylesheet is not sent twice"
    category.colour = "#D55E00"
    category.save()
    changed = reviewer_client.get(url, headers={"If-None-Match": first["ETag"]})
    assert changed.status_code == 200, "a changed colour is sent at once, not after a minute"
    assert ".swatch-detention { background-color: #D55E00; }" in changed.content.decode()


def test_category_stylesheet_has_a_highlight_and_a_swatch_per_category(project, reviewer_client):
    CategoryFactory(project=project, code="detention", colour="#0072B2")
    response = reviewer_client.get(
        reverse("category_styles", kwargs={"project_slug": project.slug})
    )
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert "::highlight(cat-detention) { background-color: rgb(0 114 178 / 0.32); }" in css
    assert ".swatch-detention { background-color: #0072B2; }" in css


def test_category_stylesheet_never_writes_unchecked_values(project, reviewer_client):
    CategoryFactory(project=project, code="safe", colour="#E69F00")
    # Values that bypassed validation (a raw update) must not reach the stylesheet.
    bad = CategoryFactory(project=project, code="bad")
    Category.objects.filter(pk=bad.pk).update(colour="red;}*{")
    css = reviewer_client.get(
        reverse("category_styles", kwargs={"project_slug": project.slug})
    ).content.decode()
    assert "red;}" not in css
    assert "cat-safe" in css
    assert "cat-bad" not in css


def test_category_stylesheet_is_for_members_only(project):
    client = client_for(UserFactory())
    assert (
        client.get(reverse("category_styles", kwargs={"project_slug": project.slug})).status_code
        == 404
    )
