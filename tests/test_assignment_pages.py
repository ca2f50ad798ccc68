"""The assignments page (documents × reviewers, bulk assign and unassign), automatic
assignment with its plan, the rules for unassigning, and the progress page."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from annotator.models import Assignment, AuditEvent, Document, DocumentStatus, Role
from annotator.selectors.assignments import status_history
from annotator.services.assignment_plans import assignments_apply, assignments_plan
from annotator.services.assignments import (
    AssignmentError,
    assignment_create,
    assignment_delete,
    review_submit,
)
from annotator.services.projects import project_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    manager = UserFactory(username="manager")
    project = project_create(actor=manager, slug="grid", name="Grid", managers=[manager])
    reviewers = []
    for name in ("ana", "ben", "chen"):
        user = UserFactory(username=name)
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
        reviewers.append(user)
    category = CategoryFactory(project=project, code="detention")
    documents = [
        make_document(project, f"Document {n}: he was detained.", assign=False, title=f"Doc {n}")
        for n in range(3)
    ]
    return {
        "project": project,
        "manager": manager,
        "reviewers": reviewers,
        "category": category,
        "documents": documents,
        "client": client_for(manager),
    }


def url(world, name, **kwargs) -> str:
    return reverse(name, kwargs={"project_slug": world["project"].slug, **kwargs})


def count_queries(client, address: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(address).status_code == 200
    return len(captured.captured_queries)


def test_the_grid_shows_each_reviewer_on_each_document(world):
    ana, ben, _ = world["reviewers"]
    first, second, _ = world["documents"]
    for document in (first, second):
        for reviewer in (ana, ben):
            assignment_create(document=document, reviewer=reviewer, actor=world["manager"])
    make_annotation(first, ana, world["category"], 0, 8)
    make_annotation(second, ben, world["category"], 0, 8)
    review_submit(document=second, reviewer=ben)
    page = world["client"].get(url(world, "project_assignments"))
    assert page.status_code == 200
    states = {
        (document.title, reviewer.username): cell.state if cell else ""
        for document, cells in page.context["rows"]
        for reviewer, cell in cells
    }
    assert states == {
        ("Doc 0", "ana"): "in progress",
        ("Doc 0", "ben"): "assigned",
        ("Doc 0", "chen"): "",
        ("Doc 1", "ana"): "assigned",
        ("Doc 1", "ben"): "submitted",
        ("Doc 1", "chen"): "",
        ("Doc 2", "ana"): "",
        ("Doc 2", "ben"): "",
        ("Doc 2", "chen"): "",
    }
    filtered = world["client"].get(url(world, "project_assignments") + "?q=Document+1")
    assert [document.title for document, _ in filtered.context["rows"]] == ["Doc 1"]


def test_the_grid_costs_the_same_with_more_documents_and_reviewers(
    world, django_assert_num_queries
):
    client, page = world["client"], url(world, "project_assignments")
    before = count_queries(client, page)
    for number in range(6):
        user = UserFactory(username=f"extra-{number}")
        MembershipFactory(project=world["project"], user=user, role=Role.REVIEWER)
    for number in range(20):
        document = make_document(world["project"], f"More {number}.", assign=False)
        assignment_create(document=document, reviewer=world["reviewers"][0], actor=None)
        make_annotation(document, world["reviewers"][0], world["category"], 0, 4)
    with django_assert_num_queries(before):
        client.get(page)


def test_bulk_assignment_of_the_documents_ticked_or_of_the_filter(world):
    client, ana = world["client"], world["reviewers"][0]
    first, second, _third = world["documents"]
    response = client.post(
        url(world, "project_assignments"),
        {
            "documents": [first.pk, second.pk],
            "scope": "ticked",
            "reviewer": ana.pk,
            "operation": "assign",
        },
    )
    assert response.status_code == 302
    assert set(Assignment.objects.filter(reviewer=ana).values_list("document", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert AuditEvent.objects.filter(action="assignment.create").count() == 2
    first.refresh_from_db()
    assert first.status == DocumentStatus.IN_ANNOTATION
    response = client.post(
        url(world, "project_assignments"),
        {
            "scope": "filtered",
            "q": "Document",
            "status": "",
            "reviewer": ana.pk,
            "operation": "assign",
        },
        follow=True,
    )
    assert "Assigned ana to 1 document; left alone: 2 already assigned" in response.content.decode()
    assert Assignment.objects.filter(reviewer=ana).count() == 3
    # Nothing ticked: refused, nothing made.
    response = client.post(
        url(world, "project_assignments"),
        {"scope": "ticked", "reviewer": world["reviewers"][1].pk, "operation": "assign"},
        follow=True,
    )
    assert "Tick at least one document" in response.content.decode()
    assert not Assignment.objects.filter(reviewer=world["reviewers"][1]).exists()


def test_unassigning_is_only_for_those_who_have_not_started(world):
    client, ana = world["client"], world["reviewers"][0]
    first, second, third = world["documents"]
    for document in world["documents"]:
        assignment_create(document=document, reviewer=ana, actor=None)
    make_annotation(first, ana, world["category"], 0, 8)
    make_annotation(second, ana, world["category"], 0, 8)
    review_submit(document=second, reviewer=ana)
    response = client.post(
        url(world, "project_assignments"),
        {"scope": "filtered", "q": "", "status": "", "reviewer": ana.pk, "operation": "unassign"},
        follow=True,
    )
    text = response.content.decode()
    assert "Unassigned ana from 1 document" in text
    assert "1 started (spans saved)" in text
    assert "1 submitted" in text
    assert set(Assignment.objects.filter(reviewer=ana).values_list("document", flat=True)) == {
        first.pk,
        second.pk,
    }
    third.refresh_from_db()
    assert third.status == DocumentStatus.NEW
    [event] = AuditEvent.objects.filter(action="assignment.delete")
    assert event.document_id == third.pk
    started = Assignment.objects.get(document=first, reviewer=ana)
    with pytest.raises(AssignmentError, match="started"):
        assignment_delete(assignment=started, actor=None)
    # The one-cell button: unassign one who has not started.
    ben = world["reviewers"][1]
    fresh = assignment_create(document=third, reviewer=ben, actor=None)
    response = client.post(url(world, "assignment_unassign", pk=fresh.pk))
    assert response.status_code == 302
    assert not Assignment.objects.filter(pk=fresh.pk).exists()
    response = client.post(url(world, "assignment_unassign", pk=started.pk), follow=True)
    assert "cannot be unassigned" in response.content.decode()


def test_automatic_assignment_shows_its_plan_and_applies_exactly_it(world):
    client = client_for(world["manager"])
    page = client.get(url(world, "assignments_plan"))
    assert page.status_code == 200
    plan = page.context["report"].created
    assert len(plan) == 6, "three documents, two reviewers each"
    assert not Assignment.objects.exists(), "the plan assigns nothing"
    plan_field = ",".join(f"{d}:{r}" for d, r in plan)
    assert f'name="plan" value="{plan_field}"' in page.content.decode()
    response = client.post(url(world, "assignments_plan"), {"plan": plan_field})
    assert response.status_code == 302
    assert sorted(Assignment.objects.values_list("document", "reviewer")) == sorted(plan)
    [event] = AuditEvent.objects.filter(action="assignment.auto")
    assert sorted(map(tuple, event.after["assignments"])) == sorted(plan)
    # The same plan again is out of date: refused whole, nothing made.
    response = client.post(url(world, "assignments_plan"), {"plan": plan_field}, follow=True)
    assert "The plan is out of date" in response.content.decode()
    assert Assignment.objects.count() == 6


def test_a_plan_with_a_reviewer_no_longer_there_is_refused_whole(world):
    plan = assignments_plan(project=world["project"]).created
    world["project"].memberships.filter(user=world["reviewers"][0]).delete()
    with pytest.raises(AssignmentError, match="not a reviewer"):
        assignments_apply(project=world["project"], pairs=plan, actor=None)
    assert not Assignment.objects.exists()


def test_the_progress_page_per_reviewer_and_over_time(world, django_assert_num_queries):
    ana, ben, _ = world["reviewers"]
    first = world["documents"][0]
    for reviewer in (ana, ben):
        assignment_create(document=first, reviewer=reviewer, actor=None)
        make_annotation(first, reviewer, world["category"], 0, 8)
        review_submit(document=first, reviewer=reviewer)
    client, page = world["client"], url(world, "project_progress")
    response = client.get(page)
    rows = {reviewer.username: reviewer for reviewer in response.context["reviewers"]}
    assert (rows["ana"].assigned, rows["ana"].submitted, rows["ana"].spans) == (1, 1, 1)
    assert rows["chen"].assigned == 0
    assert rows["chen"].last_span_at is None
    [today] = response.context["history"]
    assert today.total == 3
    html = response.content.decode()
    assert 'data-testid="status-chart"' in html
    assert "<rect" in html
    before = count_queries(client, page)
    for number in range(10):
        document = make_document(world["project"], f"Later {number}.", assign=False)
        assignment_create(document=document, reviewer=ben, actor=None)
    with django_assert_num_queries(before):
        client.get(page)


def test_documents_by_status_over_time_follow_the_times_kept(world):
    project = world["project"]
    ana, _ben, _ = world["reviewers"]
    first, second, _third = world["documents"]
    start = timezone.now() - datetime.timedelta(days=4)
    Document.objects.filter(project=project).update(imported_at=start)
    for document in (first, second):
        assignment_create(document=document, reviewer=ana, actor=None)
    Assignment.objects.filter(document=first).update(assigned_at=start + datetime.timedelta(days=1))
    Assignment.objects.filter(document=second).update(
        assigned_at=start + datetime.timedelta(days=2)
    )
    points = status_history(project=project)
    assert len(points) == 5
    assert [point.counts for point in points] == [
        (3, 0, 0, 0),
        (2, 1, 0, 0),
        (1, 2, 0, 0),
        (1, 2, 0, 0),
        (1, 2, 0, 0),
    ]
