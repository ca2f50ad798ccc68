"""Relation agreement in the product: the stored figures read the submitted layers'
relations (an unsubmitted reviewer's never count), the page shows them, and a project
without relations says so."""

import pytest

from annotator.models import RelationType, Role
from annotator.services.agreement import agreement_report
from annotator.services.assignments import review_submit
from annotator.services.relations import relation_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    assign_reviewer,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db
TEXT = "Police detained him in 2018. The ministry denied it. A neighbour saw the arrest."


def at(needle):
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def world(project):
    detention = CategoryFactory(project=project, code="detention", name="Arbitrary detention")
    denies = RelationType.objects.create(project=project, code="denies", name="Denies")
    corroborates = RelationType.objects.create(
        project=project, code="corroborates", name="Corroborates"
    )
    document = make_document(project, TEXT, title="Arrest")
    reviewers = {}
    for name in ("ana", "ben", "cem"):
        user = UserFactory(username=name)
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
        assign_reviewer(document, user)
        reviewers[name] = {
            needle: make_annotation(document, user, detention, *at(needle))
            for needle in ("Police detained him", "The ministry denied it", "saw the arrest")
        }
        reviewers[name]["user"] = user

    def link(name, source, target, kind):
        spans = reviewers[name]
        relation_create(
            document=document,
            reviewer=spans["user"],
            source_id=spans[source].pk,
            target_id=spans[target].pk,
            relation_type=kind,
        )

    # ana and ben agree that the denial denies the arrest; ana adds a corroboration that ben
    # calls a denial; cem draws a link but never submits.
    link("ana", "The ministry denied it", "Police detained him", denies)
    link("ben", "The ministry denied it", "Police detained him", denies)
    link("ana", "saw the arrest", "Police detained him", corroborates)
    link("ben", "saw the arrest", "Police detained him", denies)
    link("cem", "Police detained him", "saw the arrest", corroborates)
    for name in ("ana", "ben"):
        review_submit(document=document, reviewer=reviewers[name]["user"])
    moderator = UserFactory(username="moderator")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    return project, moderator


def test_the_figures_compare_the_submitted_reviewers_relations(world):
    project, _ = world
    relations = agreement_report(project=project).figures["relations"]
    assert relations["relations"] == 4, "cem's relation, not submitted, is not counted"
    assert (relations["matched"], relations["with_matched_ends"]) == (2, 4)
    assert relations["f1"] == 1.0
    # Two units: (denies<, denies<) agree, (corroborates<, denies<) do not: with n = 4,
    # n_denies = 3, n_corroborates = 1, Σ o_cc = 2: alpha = 1 - 3 · 2 / (16 - 10) = 0.
    assert relations["type_units"] == 2
    assert relations["types_all_agree"] == 1
    assert relations["type_alpha"]["value"] == pytest.approx(0.0)


def test_the_agreement_page_shows_relation_agreement(world):
    project, moderator = world
    response = client_for(moderator).get(f"/projects/{project.slug}/agreement/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="relation-table"' in page
    assert 'data-testid="relation-f1">1.000<' in page
    assert "2 matched of 4 relations with matched ends" in page
