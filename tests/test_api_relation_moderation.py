"""The API of relation moderation: relation items and gold relations, as the curation
page uses them (letters, never user ids; conflicts; refusals that say why; queries)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotator.models import GoldRelation, RelationItem, RelationType, Role
from annotator.services.assignments import review_submit
from annotator.services.relations import relation_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

WORD = "Officials denied that anyone was held. "


@pytest.fixture
def world(project):
    detention = CategoryFactory(project=project, code="detention")
    types = {
        code: RelationType.objects.create(project=project, code=code, name=code.title())
        for code in ("denies", "corroborates")
    }
    alice, bob = UserFactory(username="api-rm-a"), UserFactory(username="api-rm-b")
    for user in (alice, bob):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    moderator = UserFactory(username="api-rm-mod")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    return {
        "project": project,
        "detention": detention,
        "types": types,
        "reviewers": (alice, bob),
        "moderator": moderator,
    }


def document_with_pairs(world, pairs: int, *, agree: bool = False):
    """A document of ``pairs`` passage pairs both reviewers tagged alike, linked by Alice as
    ``denies`` and by Bob as ``corroborates`` (or alike, when ``agree``); submitted and
    aligned."""
    document = make_document(world["project"], WORD * (2 * pairs), name=f"pairs-{pairs}.txt")
    alice, bob = world["reviewers"]
    for index in range(pairs):
        first = 2 * index * len(WORD)
        second = first + len(WORD)
        for user, code in ((alice, "denies"), (bob, "denies" if agree else "corroborates")):
            source = make_annotation(document, user, world["detention"], first, first + 9)
            target = make_annotation(document, user, world["detention"], second, second + 9)
            relation_create(
                document=document,
                reviewer=user,
                source_id=source.pk,
                target_id=target.pk,
                relation_type=world["types"][code],
            )
    for user in (alice, bob):
        review_submit(document=document, reviewer=user)
    return document


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_a_moderator_lists_and_settles_a_relation_item_by_letters(world):
    document = document_with_pairs(world, 1)
    client = client_for(world["moderator"])
    response = client.get(f"/api/v1/documents/{document.pk}/relation-items")
    assert response.status_code == 200, response.content
    (item,) = response.json()
    assert item["kinds"] == ["type"]
    assert set(item["versions"]) == {"A", "B"}, "reviewers are letters, never ids"
    assert "api-rm-a" not in response.content.decode()

    keep = item["versions"]["A"]
    resolved = post(
        client,
        f"/api/v1/relation-items/{item['id']}/resolve",
        {"version": item["version"], "keep": keep, "reason": "reviewer_error"},
    )
    assert resolved.status_code == 200, resolved.content
    body = resolved.json()
    assert body["item"]["status"] == "resolved"
    assert [gold["type"] for gold in body["gold"]] == ["denies"]
    assert body["gold"][0]["proposed_by"] == ["A"]

    again = post(
        client,
        f"/api/v1/relation-items/{item['id']}/resolve",
        {"version": item["version"], "keep": []},
    )
    assert again.status_code == 409
    assert again.json()["current"]["status"] == "resolved"

    gold = client.get(f"/api/v1/documents/{document.pk}/gold-relations").json()
    assert [(g["type"], g["source_span"], g["target_span"]) for g in gold] == [
        ("denies", [0, 9], [len(WORD), len(WORD) + 9])
    ]

    reopened = post(
        client,
        f"/api/v1/relation-items/{item['id']}/reopen",
        {"version": body["item"]["version"], "rationale": "Looked again."},
    )
    assert reopened.status_code == 200, reopened.content
    assert reopened.json()["status"] == "open"
    assert not GoldRelation.objects.filter(document=document).exists()


def test_keeping_a_relation_nobody_drew_is_refused_with_the_reason(world):
    document = document_with_pairs(world, 1)
    item = RelationItem.objects.get(document=document)
    response = post(
        client_for(world["moderator"]),
        f"/api/v1/relation-items/{item.pk}/resolve",
        {"version": item.version, "keep": [["denies", [0, 9], [0, 5], False]]},
    )
    assert response.status_code == 400
    assert "No reviewer drew" in response.json()["detail"]


def test_a_reviewer_cannot_settle_relation_items(world):
    document = document_with_pairs(world, 1)
    item = RelationItem.objects.get(document=document)
    response = post(
        client_for(world["reviewers"][0]),
        f"/api/v1/relation-items/{item.pk}/resolve",
        {"version": item.version, "keep": []},
    )
    assert response.status_code == 403
    assert RelationItem.objects.get(pk=item.pk).status == "open"


def queries_of(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(captured), len(response.content)


@pytest.mark.parametrize(("path", "agree"), [("relation-items", False), ("gold-relations", True)])
def test_relation_lists_cost_the_same_with_three_times_the_rows(world, path, agree):
    client = client_for(world["moderator"])
    few, few_size = queries_of(
        client, f"/api/v1/documents/{document_with_pairs(world, 2, agree=agree).pk}/{path}"
    )
    many, many_size = queries_of(
        client, f"/api/v1/documents/{document_with_pairs(world, 6, agree=agree).pk}/{path}"
    )
    assert many_size > few_size, f"{path}: the list did not grow"
    assert many == few, f"{path}: {few} queries for 2 pairs, {many} for 6"
