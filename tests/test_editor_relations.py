"""What the editor page gives the browser of relations: the project's relation types, with
the categories each end allows and each category's parent (so that a subcategory fits its
parent's end), and the reviewer's own relations only: relations are blind like spans."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotator.models import RelationType, Role
from annotator.services.relations import relation_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    assign_reviewer,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db


def editor_data(client, document) -> dict:
    url = f"/projects/{document.project.slug}/documents/{document.pk}/annotate/"
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    html = response.content.decode()
    start = html.index('<script id="editor-data" type="application/json">')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


@pytest.fixture
def setting():
    project = ProjectFactory()
    detention = CategoryFactory(project=project, code="detention", name="Arbitrary detention")
    camps = CategoryFactory(project=project, code="camps", name="Camps", parent=detention)
    denies = RelationType.objects.create(project=project, code="denies", name="Denies")
    denies.source_categories.add(detention)
    document = make_document(project, "Police detained him. The ministry denied it.")
    reviewers = []
    for name in ("ana", "ben"):
        reviewer = UserFactory(username=name)
        MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
        assign_reviewer(document, reviewer)
        allegation = make_annotation(document, reviewer, camps, 0, 19)
        denial = make_annotation(document, reviewer, detention, 21, 44)
        relation_create(
            document=document,
            reviewer=reviewer,
            source_id=denial.pk,
            target_id=allegation.pk,
            relation_type=denies,
        )
        reviewers.append(reviewer)
    return document, reviewers, denies


def test_the_editor_gives_the_relation_types_and_only_the_reviewers_own_relations(setting):
    document, (ana, ben), _ = setting
    data = editor_data(client_for(ana), document)
    assert [(t["code"], t["source_categories"], t["symmetric"]) for t in data["relationTypes"]] == [
        ("denies", ["detention"], False)
    ]
    parents = {category["code"]: category["parent"] for category in data["categories"]}
    assert parents == {"detention": "", "camps": "detention"}
    own = {a["id"]: a["quote"] for a in data["annotations"]}
    assert len(data["relations"]) == 1, "ben's relation is not ana's to see"
    (relation,) = data["relations"]
    assert own[relation["source"]] == document.text[21:44]
    assert own[relation["target"]] == document.text[0:19]
    assert relation["type"] == "denies"
    assert not set(own) & {a.pk for a in ben.annotations.all()}


def test_the_editor_pages_queries_do_not_grow_with_relations(setting):
    document, (ana, _), denies = setting
    client = client_for(ana)
    editor_data(client, document)
    with CaptureQueriesContext(connection) as few:
        editor_data(client, document)
    detention = document.project.categories.get(code="detention")
    for n in range(6):
        a = make_annotation(document, ana, detention, n, n + 1)
        b = make_annotation(document, ana, detention, n + 30, n + 31)
        relation_create(
            document=document, reviewer=ana, source_id=a.pk, target_id=b.pk, relation_type=denies
        )
    with CaptureQueriesContext(connection) as many:
        data = editor_data(client, document)
    assert len(data["relations"]) == 7
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_legend_lists_violations_and_entities_apart(setting):
    document, (ana, _), _ = setting
    CategoryFactory(project=document.project, code="victim", name="Victim", group="entity")
    page = client_for(ana).get(
        f"/projects/{document.project.slug}/documents/{document.pk}/annotate/"
    )
    html = page.content.decode()
    violations = html.index('data-category-group="violation"')
    entities = html.index('data-category-group="entity"')
    # (The category popup names them before the legend does.)
    assert html.index('data-category="detention"', violations) < entities
    assert html.index('data-category="victim"', violations) > entities
    assert ">Violations</h3>" in html
    assert ">Entities (victims, perpetrators, places, dates)</h3>" in html


def test_a_legend_of_one_group_has_no_group_heading(setting):
    document, (ana, _), _ = setting
    page = client_for(ana).get(
        f"/projects/{document.project.slug}/documents/{document.pk}/annotate/"
    )
    html = page.content.decode()
    assert html.count("data-category-group=") == 1
    assert ">Violations</h3>" not in html
