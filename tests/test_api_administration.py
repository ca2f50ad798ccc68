"""The API that runs a project: projects, taxonomy, members, documents, assignments,
layers and agreement; errors that name their field; query counts that do not grow; an
audit event for every change."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from annotator.models import (
    ApiToken,
    Assignment,
    AuditEvent,
    Category,
    Document,
    Membership,
    Project,
    Role,
    TaxonomyVersion,
)
from annotator.services.assignments import assignment_create, review_submit
from annotator.services.projects import project_create
from annotator.services.tokens import api_token_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

TAXONOMY = [
    {"code": "detention", "name": "Arbitrary detention", "colour": "#0072B2", "shortcut": "1"},
    {
        "code": "torture",
        "name": "Torture",
        "colour": "#D55E00",
        "children": [{"code": "beating", "name": "Beating"}],
    },
]


class Api:
    """A client for one user's token."""

    def __init__(self, user) -> None:
        self.user = user
        self.token = api_token_create(user=user, name="test")[1]
        self.client = Client()

    def __call__(self, method: str, path: str, body=None, **extra):
        headers = {"Authorization": f"Bearer {self.token}"}
        call = getattr(self.client, method)
        if body is not None and method != "get":
            return call(
                "/api/v1" + path, json.dumps(body), content_type="application/json", headers=headers
            )
        return call("/api/v1" + path, body or {}, headers=headers, **extra)


@pytest.fixture
def world():
    staff = UserFactory(username="staff", is_staff=True)
    manager = UserFactory(username="manager")
    project = project_create(actor=staff, slug="api", name="API", managers=[manager])
    reviewers = []
    for name in ("rev-a", "rev-b"):
        user = UserFactory(username=name)
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
        reviewers.append(user)
    moderator = UserFactory(username="mod")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)
    return {
        "project": project,
        "staff": Api(staff),
        "manager": Api(manager),
        "reviewer": Api(reviewers[0]),
        "moderator": Api(moderator),
        "reviewers": reviewers,
    }


def queries(api: Api, method: str, path: str, body=None) -> int:
    """The queries of a request, after one that warms up (a token's first use is written)."""
    api(method, path, body)
    with CaptureQueriesContext(connection) as captured:
        response = api(method, path, body)
    assert response.status_code == 200, response.content
    return len(captured.captured_queries)


# --- Projects --------------------------------------------------------------------------------


def test_projects_are_created_by_staff_read_and_changed_by_managers(world):
    staff, manager, reviewer = world["staff"], world["manager"], world["reviewer"]
    body = {"slug": "new", "name": "New", "guidelines": "Tag.", "managers": ["manager"]}
    assert manager("post", "/projects", body).status_code == 403
    response = staff("post", "/projects", body)
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["role"], made["taxonomy_version"], made["guidelines"]) == ("manager", 1, "Tag.")
    roles = set(
        Membership.objects.filter(project__slug="new").values_list("user__username", "role")
    )
    assert roles == {("staff", "manager"), ("manager", "manager")}
    response = staff("post", "/projects", {**body, "slug": "new"})
    assert response.status_code == 400
    assert response.json()["field"] == "slug"
    response = staff("post", "/projects", {**body, "slug": "other", "managers": ["ghost"]})
    assert response.status_code == 400
    assert "ghost" in response.json()["detail"]

    listed = reviewer("get", "/projects").json()
    assert [(p["slug"], p["role"]) for p in listed] == [("api", "reviewer")]
    assert reviewer("get", "/projects/api").json()["role"] == "reviewer"
    assert reviewer("patch", "/projects/api", {"name": "No"}).status_code == 403
    response = manager(
        "patch", "/projects/api", {"guidelines": "New guidelines.", "reviewers_per_document": 3}
    )
    assert response.status_code == 200
    assert response.json()["taxonomy_version"] == 2
    [event] = AuditEvent.objects.filter(action="project.update")
    assert event.after == {"guidelines": "New guidelines.", "reviewers_per_document": 3}
    response = manager("patch", "/projects/api", {"reviewers_per_document": 0})
    assert response.status_code == 400


def test_the_project_list_costs_the_same_with_more_projects(world):
    staff = world["staff"]
    before = queries(staff, "get", "/projects")
    for number in range(8):
        project_create(actor=None, slug=f"p{number}", name=f"P {number}", managers=[staff.user])
    assert queries(staff, "get", "/projects") == before


# --- Taxonomy ------------------------------------------------------------------------------


def test_the_taxonomy_is_replaced_with_a_dry_run_first(world):
    manager, reviewer = world["manager"], world["reviewer"]
    project = world["project"]
    CategoryFactory(project=project, code="legacy", name="Legacy")
    response = manager("put", "/projects/api/taxonomy", {"categories": TAXONOMY, "dry_run": True})
    assert response.status_code == 200
    preview = response.json()
    assert preview["applied"] is False
    assert preview["created"] == ["detention", "torture", "beating"]
    assert preview["retired"] == ["legacy"]
    assert Category.objects.filter(project=project).count() == 1
    assert reviewer("put", "/projects/api/taxonomy", {"categories": TAXONOMY}).status_code == 403
    applied = manager("put", "/projects/api/taxonomy", {"categories": TAXONOMY}).json()
    assert applied["applied"]
    assert applied["version"] == 2
    taxonomy = reviewer("get", "/projects/api/taxonomy").json()
    assert taxonomy["version"] == 2
    codes = [c["code"] for c in taxonomy["categories"]]
    assert codes == ["detention", "torture", "legacy"]
    assert taxonomy["categories"][1]["children"][0]["code"] == "beating"
    assert taxonomy["categories"][2]["retired"] is True
    # What GET gives, PUT back, changes nothing.
    again = manager("put", "/projects/api/taxonomy", {"categories": taxonomy["categories"]}).json()
    assert not again["applied"]
    assert again["version"] is None
    # A change names each field.
    changed = [{**TAXONOMY[0], "name": "Detention"}, TAXONOMY[1]]
    result = manager(
        "put", "/projects/api/taxonomy", {"categories": changed, "dry_run": True}
    ).json()
    assert result["updated"] == {
        "detention": [{"field": "name", "before": "Arbitrary detention", "after": "Detention"}]
    }
    response = manager("put", "/projects/api/taxonomy", {"categories": [{"code": "x"}]})
    assert response.status_code == 400
    assert response.json()["field"] == "categories"
    assert "name is missing" in response.json()["detail"]


def test_a_taxonomy_file_is_uploaded_and_its_versions_read(world):
    manager, moderator = world["manager"], world["moderator"]
    content = "categories:\n  - code: detention\n    name: Detention\n"
    upload = SimpleUploadedFile("taxonomy.yaml", content.encode())
    response = manager.client.post(
        "/api/v1/projects/api/taxonomy/file",
        {"file": upload, "dry_run": "true"},
        headers={"Authorization": f"Bearer {manager.token}"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["created"] == ["detention"]
    assert not response.json()["applied"]
    upload = SimpleUploadedFile("taxonomy.yaml", content.encode())
    response = manager.client.post(
        "/api/v1/projects/api/taxonomy/file",
        {"file": upload},
        headers={"Authorization": f"Bearer {manager.token}"},
    )
    assert response.json()["version"] == 2
    listed = moderator("get", "/projects/api/taxonomy/versions").json()
    assert [(v["number"], v["created_by"]) for v in listed] == [(2, "manager"), (1, "staff")]
    second = moderator("get", "/projects/api/taxonomy/versions/2").json()
    assert second["taxonomy"]["categories"][0]["code"] == "detention"
    assert moderator("get", "/projects/api/taxonomy/versions/9").status_code == 404
    assert world["reviewer"]("get", "/projects/api/taxonomy/versions").status_code == 403


# --- Members -----------------------------------------------------------------------------


def test_members_are_listed_added_changed_removed_and_made(world):
    manager, project = world["manager"], world["project"]
    UserFactory(username="existing")
    response = manager(
        "post", "/projects/api/members", {"username": "existing", "role": "moderator"}
    )
    assert response.status_code == 201
    assert response.json()["role"] == "moderator"
    response = manager("post", "/projects/api/members", {"username": "nobody"})
    assert response.status_code == 400
    assert response.json()["field"] == "username"
    response = manager("patch", "/projects/api/members/existing", {"role": "reviewer"})
    assert response.json()["role"] == "reviewer"
    response = manager("patch", "/projects/api/members/manager", {"role": "reviewer"})
    assert response.status_code == 400
    assert "last manager" in response.json()["detail"]
    assert manager("delete", "/projects/api/members/manager").status_code == 400
    made = manager("post", "/projects/api/users", {"username": "fresh", "role": "reviewer"})
    assert made.status_code == 201
    assert "/accounts/set-password/" in made.json()["set_password_url"]
    listed = {m["username"]: m for m in manager("get", "/projects/api/members").json()}
    assert listed["fresh"]["has_password"] is False
    assert listed["rev-a"]["has_password"] is True
    assert next(iter(listed)) == "manager", "managers first"
    removed = manager("delete", "/projects/api/members/existing").json()
    assert removed == {"username": "existing", "unassigned": [], "kept": []}
    assert manager("delete", "/projects/api/members/existing").status_code == 404
    assert world["moderator"]("get", "/projects/api/members").status_code == 403
    actions = list(
        AuditEvent.objects.filter(project=project).values_list("action", flat=True).order_by("pk")
    )
    assert actions[-4:] == ["membership.set", "user.create", "membership.set", "membership.remove"]


def test_the_member_list_costs_the_same_with_more_members(world):
    manager = world["manager"]
    before = queries(manager, "get", "/projects/api/members")
    for number in range(10):
        MembershipFactory(project=world["project"], user=UserFactory(username=f"m{number}"))
    assert queries(manager, "get", "/projects/api/members") == before


# --- Documents ------------------------------------------------------------------------------


def test_documents_are_listed_filtered_paged_described_and_downloaded(world):
    manager, reviewer, project = world["manager"], world["reviewer"], world["project"]
    documents = [
        make_document(project, f"Report {n} on detention.", assign=False, title=f"Report {n}")
        for n in range(5)
    ]
    assignment_create(document=documents[0], reviewer=reviewer.user, actor=None)
    page = manager("get", "/projects/api/documents", {"page_size": 2, "page": 2}).json()
    assert (page["count"], page["page"], page["pages"]) == (5, 2, 3)
    assert [d["title"] for d in page["results"]] == ["Report 2", "Report 3"]
    assert page["results"][0]["assigned"] == 0
    mine = reviewer("get", "/projects/api/documents").json()
    assert [d["id"] for d in mine["results"]] == [documents[0].pk]
    assert mine["results"][0]["assigned"] is None, "reviewers are not told who else works"
    filtered = manager("get", "/projects/api/documents", {"q": "Report 4"}).json()
    assert [d["title"] for d in filtered["results"]] == ["Report 4"]
    assert manager("get", "/projects/api/documents", {"status": "reconciled"}).json()["count"] == 0

    document = documents[0]
    response = manager(
        "patch",
        f"/documents/{document.pk}",
        {
            "title": "Report zero",
            "publisher": "UN OHCHR",
            "published_on": "2022-08-31",
            "metadata": {"series": "Assessments"},
        },
    )
    assert response.status_code == 200, response.content
    described = response.json()
    assert (described["title"], described["publisher"], described["published_on"]) == (
        "Report zero",
        "UN OHCHR",
        "2022-08-31",
    )
    assert described["metadata"] == {"series": "Assessments"}
    assert described["text_sha256"] == document.text_sha256
    assert reviewer("patch", f"/documents/{document.pk}", {"title": "No"}).status_code == 403
    response = manager("patch", f"/documents/{document.pk}", {"source_url": "not a url"})
    assert response.status_code == 400
    assert response.json()["field"] == "source_url"
    assert {e.action for e in AuditEvent.objects.filter(document=document)} >= {
        "document.retitle",
        "document.update",
    }
    original = reviewer("get", f"/documents/{document.pk}/original")
    data = b"".join(original.streaming_content)
    assert (
        hashlib.sha256(data).hexdigest() == original["X-Content-SHA256"] == document.source_sha256
    )
    assert "attachment" in original["Content-Disposition"]
    other = documents[1]
    assert reviewer("get", f"/documents/{other.pk}/original").status_code == 404


def test_the_document_list_costs_the_same_with_more_documents(world):
    manager = world["manager"]
    make_document(world["project"], "First.", assign=False)
    before = queries(manager, "get", "/projects/api/documents")
    for number in range(12):
        document = make_document(world["project"], f"Document {number}.", assign=False)
        assignment_create(document=document, reviewer=world["reviewers"][0], actor=None)
    assert queries(manager, "get", "/projects/api/documents") == before


# --- Assignments and layers ---------------------------------------------------------------------


def test_assignments_are_made_listed_removed_and_planned(world):
    manager, project = world["manager"], world["project"]
    category = CategoryFactory(project=project, code="detention")
    documents = [make_document(project, f"Text {n} detained.", assign=False) for n in range(3)]
    ids = [document.pk for document in documents]
    made = manager("post", "/projects/api/assignments", {"documents": ids[:2], "reviewer": "rev-a"})
    assert made.json() == {"changed": ids[:2], "skipped": {}}
    again = manager(
        "post", "/projects/api/assignments", {"documents": ids[:2], "reviewer": "rev-a"}
    )
    assert again.json()["skipped"] == {str(i): "already assigned" for i in ids[:2]}
    assert (
        manager(
            "post", "/projects/api/assignments", {"documents": ids, "reviewer": "nobody"}
        ).status_code
        == 404
    )
    assert (
        manager(
            "post", "/projects/api/assignments", {"documents": ids, "reviewer": "mod"}
        ).status_code
        == 400
    )
    make_annotation(documents[0], world["reviewers"][0], category, 0, 4)
    listed = manager("get", "/projects/api/assignments", {"reviewer": "rev-a"}).json()
    assert [(a["document"], a["state"]) for a in listed["results"]] == [
        (ids[0], "in progress"),
        (ids[1], "assigned"),
    ]
    started = listed["results"][0]["id"]
    response = manager("delete", f"/projects/api/assignments/{started}")
    assert response.status_code == 400
    assert "started" in response.json()["detail"]
    response = manager("delete", f"/projects/api/assignments/{listed['results'][1]['id']}")
    assert response.status_code == 204
    removed = manager(
        "post", "/projects/api/assignments/delete", {"documents": ids, "reviewer": "rev-a"}
    )
    assert removed.json()["skipped"] == {
        str(ids[0]): "started (spans saved)",
        str(ids[1]): "not assigned",
        str(ids[2]): "not assigned",
    }

    plan = manager("post", "/projects/api/assignments/auto", {"dry_run": True}).json()
    assert not plan["applied"], "a dry run applies nothing"
    assert len(plan["plan"]) == 5, "one more on the first, two on each other"
    before = Assignment.objects.count()
    assert before == 1
    applied = manager("post", "/projects/api/assignments/auto", {"plan": plan["plan"]}).json()
    assert applied["applied"]
    assert Assignment.objects.count() == 6
    stale = manager("post", "/projects/api/assignments/auto", {"plan": plan["plan"]})
    assert stale.status_code == 400
    assert "out of date" in stale.json()["detail"]
    assert manager("post", "/projects/api/assignments/auto", {}).json()["plan"] == []
    assert world["reviewer"]("get", "/projects/api/assignments").status_code == 403


def test_the_assignment_list_costs_the_same_with_more_assignments(world):
    manager = world["manager"]
    document = make_document(world["project"], "First.", assign=False)
    assignment_create(document=document, reviewer=world["reviewers"][0], actor=None)
    before = queries(manager, "get", "/projects/api/assignments")
    for number in range(10):
        document = make_document(world["project"], f"More {number}.", assign=False)
        for reviewer in world["reviewers"]:
            assignment_create(document=document, reviewer=reviewer, actor=None)
    assert queries(manager, "get", "/projects/api/assignments") == before


def test_a_reviewer_submits_a_moderator_reopens_and_agreement_is_read(world):
    project, reviewer, moderator = world["project"], world["reviewer"], world["moderator"]
    category = CategoryFactory(project=project, code="detention")
    document = make_document(project, "He was detained.", assign=False)
    for user in world["reviewers"]:
        assignment_create(document=document, reviewer=user, actor=None)
        make_annotation(document, user, category, 7, 15)
    response = reviewer("post", f"/documents/{document.pk}/submit")
    assert response.status_code == 200
    assert response.json()["submitted_at"]
    assert reviewer("post", f"/documents/{document.pk}/submit").status_code == 400
    assert moderator("post", f"/documents/{document.pk}/submit").status_code == 403
    review_submit(document=document, reviewer=world["reviewers"][1])
    assignment = Assignment.objects.get(document=document, reviewer=reviewer.user)
    path = f"/documents/{document.pk}/assignments/{assignment.pk}/reopen"
    assert reviewer("post", path).status_code == 403
    response = moderator("post", path)
    assert response.json() == {"assignment": assignment.pk, "document": document.pk}
    response = moderator("post", path)
    assert response.status_code == 400
    assert "rev-a" not in response.json()["detail"]
    review_submit(document=document, reviewer=reviewer.user)
    figures = moderator("get", "/projects/api/agreement").json()
    assert figures["figures"]["documents"] == 1
    assert figures["taxonomy_versions"]["first"] == 1
    assert figures["taxonomy_versions"]["described"] == "taxonomy version 1"
    assert reviewer("get", "/projects/api/agreement").status_code == 403


def test_removing_a_member_over_the_api_says_what_became_of_their_work(world):
    manager, project = world["manager"], world["project"]
    category = CategoryFactory(project=project, code="detention")
    untouched = make_document(project, "Untouched.", assign=False)
    started = make_document(project, "Started detained.", assign=False)
    for document in (untouched, started):
        assignment_create(document=document, reviewer=world["reviewers"][0], actor=None)
    make_annotation(started, world["reviewers"][0], category, 0, 7)
    removed = manager("delete", "/projects/api/members/rev-a").json()
    assert removed == {"username": "rev-a", "unassigned": [untouched.pk], "kept": [started.pk]}
    assert not ApiToken.objects.filter(user=world["reviewers"][0], revoked_at=None).exists()


def test_exports_say_which_taxonomy_versions_their_spans_were_made_under(world):
    manager, project = world["manager"], world["project"]
    manager("put", "/projects/api/taxonomy", {"categories": TAXONOMY})
    detention = Category.objects.get(project=project, code="detention")
    document = make_document(project, "He was detained. She was detained.", assign=False)
    for user in world["reviewers"]:
        assignment_create(document=document, reviewer=user, actor=None)
    make_annotation(document, world["reviewers"][0], detention, 7, 15)
    manager("patch", "/projects/api", {"guidelines": "Changed."})
    make_annotation(document, world["reviewers"][1], detention, 25, 33)
    for user in world["reviewers"]:
        review_submit(document=document, reviewer=user)
    import io
    import zipfile

    response = manager(
        "get", "/projects/api/export", {"format": "jsonl", "layer": "reviewers", "bundle": "true"}
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    [name] = [n for n in archive.namelist() if n.endswith("manifest.json")]
    versions = json.loads(archive.read(name))["taxonomy_versions"]
    assert versions == {
        "first": 2,
        "last": 3,
        "current": 3,
        "spans_without_version": 0,
        "described": "taxonomy versions 2–3",
    }
    assert TaxonomyVersion.objects.filter(project=project).count() == 3
    page = Client()
    page.force_login(manager.user)
    html = page.get(f"/projects/{project.slug}/agreement/").content.decode()
    assert "taxonomy versions 2–3" in html


def test_every_new_endpoint_keeps_to_json_errors(world):
    """Unknown projects and users are 404, as JSON with ``detail``."""
    manager = world["manager"]
    for method, path, body in [
        ("get", "/projects/nope", None),
        ("get", "/projects/nope/taxonomy", None),
        ("patch", "/projects/api/members/ghost", {"role": "reviewer"}),
        ("delete", "/projects/api/assignments/999999", None),
        ("get", "/documents/999999/original", None),
    ]:
        response = manager(method, path, body)
        assert response.status_code == 404, path
        assert "detail" in response.json()
    assert Project.objects.count() == 1
    assert Document.objects.count() == 0
