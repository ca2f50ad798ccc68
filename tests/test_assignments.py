"""Assignment, blind visibility, submission and reopening."""

import json
from collections import Counter

import pytest
from django.urls import reverse

from annotator.models import Assignment, AuditEvent, DocumentStatus, Role
from annotator.services.assignment_plans import assignments_auto
from annotator.services.assignments import (
    AssignmentError,
    assignment_create,
    review_reopen,
    review_submit,
)
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    assign_reviewer,
    client_for,
    make_document,
)

pytestmark = pytest.mark.django_db


def member(project, username, role):
    user = UserFactory(username=username)
    MembershipFactory(project=project, user=user, role=role)
    return user


@pytest.fixture
def team(project):
    return {
        "manager": member(project, "manager", Role.MANAGER),
        "moderator": member(project, "moderator", Role.MODERATOR),
        "reviewers": [member(project, f"reviewer-{n}", Role.REVIEWER) for n in range(3)],
    }


def test_auto_assignment_gives_distinct_balanced_reviewers(project, team):
    documents = [make_document(project, f"text {n}", assign=False) for n in range(4)]
    report = assignments_auto(project=project, actor=team["manager"])
    assert len(report.created) == 8
    assert report.short == {}
    for document in documents:
        reviewers = list(
            Assignment.objects.filter(document=document).values_list("reviewer", flat=True)
        )
        assert len(reviewers) == 2
        assert len(set(reviewers)) == 2
        document.refresh_from_db()
        assert document.status == DocumentStatus.IN_ANNOTATION
    load = Counter(Assignment.objects.values_list("reviewer", flat=True))
    assert sorted(load.values()) == [2, 3, 3]
    assert AuditEvent.objects.filter(action="assignment.auto").count() == 1
    # Running it again changes nothing.
    assert assignments_auto(project=project, actor=team["manager"]).created == []


def test_auto_assignment_reports_when_reviewers_are_too_few(project, team):
    project.reviewers_per_document = 5
    project.save()
    document = make_document(project, "text", assign=False)
    report = assignments_auto(project=project, actor=team["manager"])
    assert report.short == {document.pk: 2}
    assert "still lack reviewers" in report.summary()


def test_manual_assignment_checks_the_reviewer(project, team):
    document = make_document(project, "text", assign=False)
    assignment_create(document=document, reviewer=team["reviewers"][0], actor=team["manager"])
    with pytest.raises(AssignmentError, match="already assigned"):
        assignment_create(document=document, reviewer=team["reviewers"][0], actor=team["manager"])
    with pytest.raises(AssignmentError, match="not a reviewer"):
        assignment_create(document=document, reviewer=team["moderator"], actor=team["manager"])


def test_status_follows_submissions_and_reopening(project, team):
    first, second = team["reviewers"][:2]
    document = make_document(project, "text", assign=False)
    assert document.status == DocumentStatus.NEW
    for reviewer in (first, second):
        assignment_create(document=document, reviewer=reviewer, actor=team["manager"])
    document.refresh_from_db()
    assert document.status == DocumentStatus.IN_ANNOTATION
    review_submit(document=document, reviewer=first)
    document.refresh_from_db()
    assert document.status == DocumentStatus.IN_ANNOTATION
    review_submit(document=document, reviewer=second)
    document.refresh_from_db()
    # Every assigned reviewer submitted: the layers were aligned at once, and as neither
    # tagged anything there is nothing to moderate.
    assert document.status == DocumentStatus.RECONCILED
    with pytest.raises(AssignmentError, match="already submitted"):
        review_submit(document=document, reviewer=second)
    review_reopen(document=document, reviewer=second, actor=team["moderator"])
    document.refresh_from_db()
    assert document.status == DocumentStatus.IN_ANNOTATION
    actions = list(AuditEvent.objects.values_list("action", flat=True))
    assert actions.count("review.submit") == 2
    assert actions.count("review.reopen") == 1


def test_a_submitted_layer_is_read_only_until_reopened(project, team):
    reviewer = team["reviewers"][0]
    CategoryFactory(project=project, code="detention")
    document = make_document(project, "He was detained.", assign=False)
    assign_reviewer(document, reviewer)
    client = client_for(reviewer)
    url = f"/api/v1/documents/{document.pk}/annotations"
    body = json.dumps({"start": 7, "end": 15, "quote": "detained", "category": "detention"})
    assert client.post(url, body, content_type="application/json").status_code == 201
    review_submit(document=document, reviewer=reviewer)
    response = client.post(url, body, content_type="application/json")
    assert response.status_code == 403
    assert "submitted" in response.json()["detail"]
    annotation_id = client.get(url).json()[0]["id"]
    response = client.delete(f"/api/v1/annotations/{annotation_id}?version=1")
    assert response.status_code == 403
    review_reopen(document=document, reviewer=reviewer, actor=team["moderator"])
    assert client.delete(f"/api/v1/annotations/{annotation_id}?version=1").status_code == 204


def test_reviewers_see_only_their_documents_and_never_who_else(project, team):
    mine = make_document(project, "assigned to me", assign=False)
    theirs = make_document(project, "assigned to someone else", assign=False)
    me, other = team["reviewers"][:2]
    assign_reviewer(mine, me)
    assign_reviewer(mine, other)
    assign_reviewer(theirs, other)
    client = client_for(me)
    listing = client.get(reverse("document_list", kwargs={"project_slug": project.slug}))
    assert [d.pk for d in listing.context["page"].object_list] == [mine.pk]
    projects = client.get(reverse("project_list")).context["projects"]
    assert projects[0].document_count == 1
    assert client.get(theirs.get_absolute_url()).status_code == 404
    annotate = reverse("document_annotate", kwargs={"project_slug": project.slug, "pk": theirs.pk})
    assert client.get(annotate).status_code == 404
    assert client.get(f"/api/v1/documents/{theirs.pk}").status_code == 404
    page = client.get(mine.get_absolute_url()).content.decode()
    assert "reviewer-1" not in page, (
        "blind annotation: a reviewer never learns who else is assigned"
    )


def test_moderators_see_every_document_with_its_reviewers(project, team):
    document = make_document(project, "text", assign=False)
    make_document(project, "unassigned", assign=False)
    assign_reviewer(document, team["reviewers"][1])
    client = client_for(team["moderator"])
    listing = client.get(reverse("document_list", kwargs={"project_slug": project.slug}))
    rows = listing.context["page"].object_list
    assert len(rows) == 2
    assert (rows[0].assigned_count, rows[0].submitted_count) == (1, 0)
    assert client.get(reverse("project_list")).context["projects"][0].document_count == 2
    assert "reviewer-1" in client.get(document.get_absolute_url()).content.decode()


def test_document_list_filters_by_status(project, team):
    new = make_document(project, "new one", assign=False)
    busy = make_document(project, "busy one", assign=False)
    assign_reviewer(busy, team["reviewers"][0])
    busy.status = DocumentStatus.IN_ANNOTATION
    busy.save()
    client = client_for(team["manager"])
    url = reverse("document_list", kwargs={"project_slug": project.slug})
    listing = client.get(url, {"status": "new"})
    assert [d.pk for d in listing.context["page"].object_list] == [new.pk]


def test_manager_list_query_count_does_not_grow(project, team, django_assert_num_queries):
    client = client_for(team["manager"])
    url = reverse("document_list", kwargs={"project_slug": project.slug})
    make_document(project, "first")
    # session, user, project with role, count, page of documents with assignment counts,
    # whether the user moderates (the navigation's link to the queue), and the documents
    # whose language was never detected (the manager's button to detect it)
    with django_assert_num_queries(7):
        client.get(url)
    for number in range(30):
        make_document(project, f"document {number}")
    with django_assert_num_queries(7):
        client.get(url)


def test_pages_for_assigning_submitting_and_reopening(project, team):
    document = make_document(project, "text", assign=False)
    manager = client_for(team["manager"])
    response = manager.post(reverse("project_assign", kwargs={"project_slug": project.slug}))
    assert response.status_code == 302
    assert Assignment.objects.filter(document=document).count() == 2

    reviewer = Assignment.objects.filter(document=document).first().reviewer
    client = client_for(reviewer)
    next_url = reverse("next_document", kwargs={"project_slug": project.slug})
    annotate = reverse(
        "document_annotate", kwargs={"project_slug": project.slug, "pk": document.pk}
    )
    assert client.get(next_url)["Location"] == annotate
    submit = reverse("document_submit", kwargs={"project_slug": project.slug, "pk": document.pk})
    assert client.post(submit)["Location"] == next_url
    assert b"You submitted this document" in client.get(annotate).content
    assert client.get(next_url)["Location"] == reverse(
        "document_list", kwargs={"project_slug": project.slug}
    )

    assignment = Assignment.objects.get(document=document, reviewer=reviewer)
    reopen = reverse(
        "assignment_reopen",
        kwargs={"project_slug": project.slug, "pk": document.pk, "assignment_id": assignment.pk},
    )
    assert client.post(reopen).status_code == 403, "reviewers cannot reopen their own layer"
    assert client_for(team["moderator"]).post(reopen).status_code == 302
    assert Assignment.objects.get(document=document, reviewer=reviewer).submitted_at is None
    assert (
        manager.get(reverse("project_assign", kwargs={"project_slug": project.slug})).status_code
        == 405
    )


def test_only_managers_assign(project, team):
    url = reverse("project_assign", kwargs={"project_slug": project.slug})
    assert client_for(team["moderator"]).post(url).status_code == 403
    assert client_for(team["reviewers"][0]).post(url).status_code == 403
    outsider = UserFactory()
    MembershipFactory(project=ProjectFactory(), user=outsider)
    assert client_for(outsider).post(url).status_code == 404
