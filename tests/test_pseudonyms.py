"""How reviewers appear to whom: per-document pseudonyms, who may see names, and every
page about a document that shows a reviewer (document page, Reopen, history)."""

import json
import re

import pytest
from django.urls import reverse

from annotator.access import document_access, project_access
from annotator.models import Assignment, AuditEvent, Role
from annotator.selectors.pseudonyms import (
    ReviewerLabels,
    document_reviewer_labels,
    history_entries,
    pseudonym_letter,
    reviewer_names_visible,
)
from annotator.services.assignments import assignment_create, review_submit
from annotator.services.moderation import item_resolve
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
TEXT = "She was detained. He was beaten. They were sent to work."


def test_letters_run_past_z_like_spreadsheet_columns():
    assert [pseudonym_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702)] == [
        "A",
        "B",
        "Z",
        "AA",
        "AB",
        "AZ",
        "BA",
        "ZZ",
        "AAA",
    ]
    letters = [pseudonym_letter(i) for i in range(2000)]
    assert len(set(letters)) == len(letters), "no two reviewers share a letter"


@pytest.mark.parametrize(
    ("anonymous", "role", "visible"),
    [
        (False, Role.MODERATOR, True),
        (False, Role.MANAGER, True),
        (False, Role.REVIEWER, False),
        (True, Role.MODERATOR, False),
        (True, Role.MANAGER, True),
        (True, Role.REVIEWER, False),
    ],
)
def test_who_may_see_reviewer_names(anonymous, role, visible):
    project = ProjectFactory(anonymous_moderation=anonymous)
    user = UserFactory()
    MembershipFactory(project=project, user=user, role=role)
    access = project_access(user=user, slug=project.slug)
    assert reviewer_names_visible(access) is visible
    document = make_document(project, TEXT, assign=False)
    Assignment.objects.create(document=document, reviewer=user)
    assert reviewer_names_visible(document_access(access, pk=document.pk)) is visible


@pytest.fixture
def team():
    """An anonymously moderated project with a moderator, a manager and three reviewers
    whose user ids run against the order they are assigned in."""
    project = ProjectFactory(slug="pseudonyms", anonymous_moderation=True)
    category = CategoryFactory(project=project, code="detention")
    other = CategoryFactory(project=project, code="torture")
    # Created in reverse: the first assigned has the highest id.
    third, second, first = (UserFactory(username=f"reviewer-{n}") for n in ("c", "b", "a"))
    moderator, manager = UserFactory(username="mod"), UserFactory(username="boss")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    for user in (first, second, third):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    document = make_document(project, TEXT, assign=False, imported_by=manager)
    for user in (first, second):
        assignment_create(document=document, reviewer=user, actor=manager)
    return {
        "project": project,
        "document": document,
        "categories": (category, other),
        "reviewers": (first, second, third),
        "moderator": moderator,
        "manager": manager,
    }


def labels_for_user(team, user):
    access = project_access(user=user, slug=team["project"].slug)
    return document_reviewer_labels(access, document_id=team["document"].pk)


def test_letters_follow_assignment_order_and_never_move(team):
    first, second, third = team["reviewers"]
    assert first.pk > second.pk > third.pk
    labels = labels_for_user(team, team["moderator"])
    assert labels.letters == {first.pk: "A", second.pk: "B"}
    assert labels.names is None, "a moderator's labels do not even hold the names"
    # A reviewer assigned later, with the lowest id of all, comes last: A and B stay.
    assignment_create(document=team["document"], reviewer=third, actor=team["manager"])
    labels = labels_for_user(team, team["moderator"])
    assert labels.letters == {first.pk: "A", second.pk: "B", third.pk: "C"}
    assert [labels.shown(user.pk) for user in (first, second, third)] == [
        "Reviewer A",
        "Reviewer B",
        "Reviewer C",
    ]
    assert labels.ordered([str(third.pk), first.pk, 10**9]) == [first.pk, third.pk, 10**9]
    assert labels.reviewer_for("C") == third.pk
    assert labels.reviewer_for(str(third.pk)) is None
    manager = labels_for_user(team, team["manager"])
    assert manager.letters == labels.letters
    assert manager.shown(first.pk) == "reviewer-a"
    assert manager.lettered(first.pk) == "A: reviewer-a"


def test_letters_belong_to_one_document(team):
    first, _, third = team["reviewers"]
    other = make_document(team["project"], TEXT + " Again.", assign=False)
    for user in (third, first):
        assignment_create(document=other, reviewer=user, actor=team["manager"])
    access = project_access(user=team["moderator"], slug=team["project"].slug)
    labels = document_reviewer_labels(access, document_id=other.pk)
    assert labels.letters == {third.pk: "A", first.pk: "B"}


def test_labels_cost_one_query(team, django_assert_num_queries):
    access = project_access(user=team["moderator"], slug=team["project"].slug)
    with django_assert_num_queries(1):
        document_reviewer_labels(access, document_id=team["document"].pk)


def everything_happens(team):
    """Every kind of event the history shows about a reviewer: assigned (above), spans
    created, changed and deleted, submitted, aligned, an item resolved, a layer reopened."""
    from annotator.services.annotations import annotation_delete, annotation_update

    first, second, _ = team["reviewers"]
    document, (detention, torture) = team["document"], team["categories"]
    make_annotation(document, first, detention, 8, 16)
    changed = make_annotation(document, second, detention, 8, 16)
    annotation_update(
        annotation_id=changed.pk, actor=second, version=1, changes={"category": torture}
    )
    gone = make_annotation(document, second, torture, 0, 3)
    annotation_delete(annotation_id=gone.pk, actor=second, version=1)
    make_annotation(document, first, torture, 25, 31)
    for user in (first, second):
        review_submit(document=document, reviewer=user)
    item = document.moderation_items.order_by("start").first()
    item_resolve(
        item_id=item.pk,
        moderator=team["moderator"],
        version=1,
        resolution="accept_reviewer",
        spans=[(8, 16, "detention")],
    )


def reviewer_ids_in(value) -> set[int]:
    """The ids a snapshot holds where the audit log puts reviewers' ids."""
    found: set[int] = set()
    if isinstance(value, list):
        for item in value:
            found |= reviewer_ids_in(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in ("reviewer", "user") and isinstance(item, int):
                found.add(item)
            elif key in ("reviewers", "proposed_by", "matched_by") and isinstance(item, list):
                found |= {r for r in item if isinstance(r, int)}
            elif key == "versions":
                found |= {int(r) for r in item if r.isdecimal()}
            elif key == "gold" and item and isinstance(item[0], list):  # rows of old events
                found |= {r for row in item for r in row[3] if isinstance(r, int)}
            else:
                found |= reviewer_ids_in(item)
    return found


def test_snapshots_name_reviewers_by_pseudonym_only(team):
    """The audit log's own snapshots (as its services write them) hold reviewers' ids; the
    history shows a moderator each as its pseudonym, and every other value untouched."""
    everything_happens(team)
    first, second, _ = team["reviewers"]
    events = list(AuditEvent.objects.filter(document=team["document"]).select_related("actor"))
    actions = {event.action for event in events}
    assert {
        "assignment.create",
        "annotation.create",
        "annotation.update",
        "annotation.delete",
        "review.submit",
        "moderation.align",
        "item.resolve",
    } <= actions
    seen = set().union(*(reviewer_ids_in(e.before) | reviewer_ids_in(e.after) for e in events))
    assert seen == {first.pk, second.pk}, "the log does hold ids: this test would see them"

    entries = history_entries(events, labels=labels_for_user(team, team["moderator"]))
    for entry in entries:
        for shown in (entry.before, entry.after):
            assert not reviewer_ids_in(json.loads(shown) if shown else None)
        if entry.event.actor in (first, second):
            assert entry.who == ("Reviewer A" if entry.event.actor == first else "Reviewer B")
    by_action: dict = {}
    for entry in entries:
        by_action.setdefault(entry.event.action, entry)  # the first of each action
    created = json.loads(by_action["annotation.create"].after)
    assert created["reviewer"] == "Reviewer A"
    assert created["start"] == 8, "offsets are not reviewers: they stay"
    assigned = json.loads(by_action["assignment.create"].after)
    assert assigned["document"] == team["document"].pk
    assert by_action["assignment.create"].who == "boss", "a manager is no reviewer"
    aligned = json.loads(by_action["moderation.align"].after)
    assert aligned["reviewers"] == ["Reviewer A", "Reviewer B"]
    assert by_action["moderation.align"].who == "system"
    resolved = by_action["item.resolve"]
    assert set(json.loads(resolved.before)["versions"]) == {"Reviewer A", "Reviewer B"}
    [gold] = json.loads(resolved.after)["gold"]
    assert (gold["start"], gold["end"], gold["category"]) == (8, 16, "detention")
    assert gold["proposed_by"] == gold["matched_by"] == ["Reviewer A"]
    assert resolved.who == "mod"

    # A manager reads the log as it is written.
    manager = history_entries(events, labels=labels_for_user(team, team["manager"]))
    assert json.loads({e.event.action: e for e in manager}["annotation.create"].after)[
        "reviewer"
    ] == (first.pk)
    assert {e.event.action: e for e in manager}["review.submit"].who in ("reviewer-a", "reviewer-b")


def test_an_id_of_no_reviewer_of_the_document_is_hidden_too():
    labels = ReviewerLabels(letters={5: "A"}, names=None)
    assert labels.snapshot({"reviewer": 6, "user": 6, "proposed_by": [5, 6]}) == {
        "reviewer": "Reviewer ?",
        "user": 6,  # a member who is not one of the reviewers (a manager) keeps their id
        "proposed_by": ["Reviewer A", "Reviewer ?"],
    }
    assert labels.snapshot({"reviewer": None, "nested": [{"reviewer": 5}]}) == {
        "reviewer": None,
        "nested": [{"reviewer": "Reviewer A"}],
    }


def history(client, team):
    url = reverse(
        "document_history",
        kwargs={"project_slug": team["project"].slug, "pk": team["document"].pk},
    )
    return client.get(url)


def test_history_page_shows_a_moderator_pseudonyms_and_a_manager_names(team):
    everything_happens(team)
    first, second, _ = team["reviewers"]
    page = history(client_for(team["moderator"]), team).content.decode()
    assert "<td>Reviewer A</td>" in page
    assert "<td>Reviewer B</td>" in page
    assert "&quot;reviewer&quot;: &quot;Reviewer A&quot;" in page
    for user in (first, second):
        assert user.username not in page
        assert not re.search(rf"&quot;reviewer&quot;: {user.pk}\b", page)
    page = history(client_for(team["manager"]), team).content.decode()
    assert "<td>reviewer-a</td>" in page
    assert f"&quot;reviewer&quot;: {first.pk}" in page


def test_history_queries_do_not_grow_with_events(team, django_assert_max_num_queries):
    client = client_for(team["moderator"])
    with django_assert_max_num_queries(20) as captured:
        history(client, team)
    before = len(captured)
    everything_happens(team)
    with django_assert_max_num_queries(before):
        assert history(client, team).status_code == 200


def document_page(client, team):
    return client.get(team["document"].get_absolute_url())


def test_document_page_names_reviewers_as_the_viewer_may_see_them(team):
    first, second, _ = team["reviewers"]
    review_submit(document=team["document"], reviewer=first)
    assignment = Assignment.objects.get(document=team["document"], reviewer=first)
    page = document_page(client_for(team["moderator"]), team).content.decode()
    assert "Reviewer A</bdi>: submitted" in page
    assert "Reviewer B</bdi>: annotating" in page
    reopen = f"/documents/{team['document'].pk}/assignments/{assignment.pk}/reopen/"
    assert reopen in page, "Reopen names the assignment"
    for user in (first, second):
        assert user.username not in page
        assert f"/reviewers/{user.pk}/" not in page
    page = document_page(client_for(team["manager"]), team).content.decode()
    assert "reviewer-a</bdi>: submitted" in page
    assert "reviewer-b</bdi>: annotating" in page


def reopen_url(team, assignment):
    return reverse(
        "assignment_reopen",
        kwargs={
            "project_slug": team["project"].slug,
            "pk": team["document"].pk,
            "assignment_id": assignment.pk,
        },
    )


def reopen(client, url) -> list[str]:
    """Post to Reopen, follow to the document page: the messages it shows."""
    response = client.post(url, follow=True)
    assert response.redirect_chain[0][1] == 302
    return [str(message) for message in response.context["messages"]]


def test_reopen_takes_the_assignment_and_says_whose_layer_by_pseudonym(team):
    first, second, _ = team["reviewers"]
    review_submit(document=team["document"], reviewer=first)
    assignment = Assignment.objects.get(document=team["document"], reviewer=first)
    client = client_for(team["moderator"])
    assert reopen(client, reopen_url(team, assignment)) == ["Reopened the layer of Reviewer A."]
    assignment.refresh_from_db()
    assert assignment.submitted_at is None
    # Again: not submitted now. The service's refusal names the reviewer; the page does not.
    assert reopen(client, reopen_url(team, assignment)) == [
        "The layer of Reviewer A is not submitted: nothing to reopen."
    ]
    # A manager is told by name.
    review_submit(document=team["document"], reviewer=second)
    theirs = Assignment.objects.get(document=team["document"], reviewer=second)
    assert reopen(client_for(team["manager"]), reopen_url(team, theirs)) == [
        "Reopened the layer of reviewer-b."
    ]


def test_reopen_refuses_an_assignment_of_another_document(team):
    """An assignment id is checked to be this document's: through a document one moderates,
    no other document's layer is reopened."""
    first = team["reviewers"][0]
    other_project = ProjectFactory(slug="elsewhere")
    MembershipFactory(project=other_project, user=first, role=Role.REVIEWER)
    elsewhere = make_document(other_project, TEXT, assign=False)
    foreign = Assignment.objects.create(document=elsewhere, reviewer=first)
    review_submit(document=elsewhere, reviewer=first)
    response = client_for(team["moderator"]).post(reopen_url(team, foreign))
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.submitted_at is not None
    # And the old address, by user id, is gone.
    document = f"/projects/{team['project'].slug}/documents/{team['document'].pk}"
    old = f"{document}/reviewers/{first.pk}/reopen/"
    assert client_for(team["moderator"]).post(old).status_code == 404


def test_gold_rows_of_events_logged_before_attributes_are_hidden_too():
    labels = ReviewerLabels(letters={5: "A", 9: "B"}, names=None)
    old = {"gold": [[1, 2, "detention", [9, 5]]]}
    new = {"gold": [{"start": 1, "proposed_by": [9], "matched_by": [9, 5]}]}
    assert labels.snapshot(old) == {"gold": [[1, 2, "detention", ["Reviewer A", "Reviewer B"]]]}
    assert labels.snapshot(new) == {
        "gold": [
            {"start": 1, "proposed_by": ["Reviewer B"], "matched_by": ["Reviewer A", "Reviewer B"]}
        ]
    }
