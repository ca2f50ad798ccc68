"""Running a project without the admin: creating it, its settings, its taxonomy page (add,
edit, nest, reorder, retire, delete), the file's upload with its preview and download, and
the versions every change makes."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotator.models import (
    Annotation,
    AuditEvent,
    Category,
    Membership,
    Project,
    Role,
    TaxonomyVersion,
)
from annotator.services.categories import category_move, category_retire, category_save
from annotator.services.projects import project_create, project_update
from annotator.services.taxonomy import taxonomy_load, taxonomy_preview
from annotator.taxonomy import parse_taxonomy, taxonomy_from_data, taxonomy_yaml
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

TAXONOMY = """
categories:
  - code: detention
    name: Arbitrary detention
    colour: "#0072B2"
    shortcut: "1"
    definition: Deprivation of liberty without legal basis.
    children:
      - code: disappearance
        name: Enforced disappearance
  - code: torture
    name: Torture
    colour: "#D55E00"
    shortcut: "2"
"""


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured.captured_queries)


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def versions(project: Project) -> list[int]:
    return list(TaxonomyVersion.objects.filter(project=project).values_list("number", flat=True))


@pytest.fixture
def staff():
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def managed(staff):
    """A project made through the service by staff, who manages it, with a reviewer."""
    project = project_create(actor=staff, slug="run", name="Run", managers=[staff])
    reviewer = UserFactory(username="reviewer")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    return {"project": project, "manager": staff, "reviewer": reviewer}


def url(name: str, project: Project, **kwargs) -> str:
    return reverse(name, kwargs={"project_slug": project.slug, **kwargs})


# --- Creating a project ----------------------------------------------------------------


def test_staff_create_a_project_and_become_its_manager(staff):
    other = UserFactory(username="colleague")
    client = client_for(staff)
    assert b"New project" in client.get("/").content
    response = client.post(
        "/new-project/",
        {
            "name": "Xinjiang documentation",
            "slug": "xinjiang",
            "description": "",
            "guidelines": "Tag every violation.",
            "reviewers_per_document": 3,
            "blind_annotation": "on",
            "auto_accept_unanimous": "on",
            "manager": "colleague",
        },
    )
    assert response.status_code == 302
    project = Project.objects.get(slug="xinjiang")
    assert response["Location"] == url("project_taxonomy", project)
    assert project.reviewers_per_document == 3
    assert not project.anonymous_moderation
    roles = dict(Membership.objects.filter(project=project).values_list("user", "role"))
    assert roles == {staff.pk: Role.MANAGER, other.pk: Role.MANAGER}
    [version] = TaxonomyVersion.objects.filter(project=project)
    assert (version.number, version.guidelines, version.taxonomy) == (
        1,
        "Tag every violation.",
        {"categories": []},
    )
    assert [e.action for e in AuditEvent.objects.filter(project=project).order_by("pk")] == [
        "project.create",
        "taxonomy.version",
        "membership.set",
        "membership.set",
    ]


def test_only_staff_create_projects():
    someone = UserFactory(username="someone")
    client = client_for(someone)
    assert b"New project" not in client.get("/").content
    assert client.get("/new-project/").status_code == 403
    assert client.post("/new-project/", {"name": "X", "slug": "x"}).status_code == 403
    assert not Project.objects.exists()


def test_a_taken_slug_or_unknown_manager_is_refused_on_the_form(staff, managed):
    client = client_for(staff)
    form = {"name": "Again", "slug": "run", "reviewers_per_document": 2}
    response = client.post("/new-project/", form)
    assert response.status_code == 200
    assert "slug" in response.context["form"].errors
    response = client.post("/new-project/", {**form, "slug": "other", "manager": "nobody"})
    assert "manager" in response.context["form"].errors
    assert Project.objects.count() == 1


# --- The project's settings --------------------------------------------------------------


def test_the_document_list_leads_managers_to_the_settings(managed):
    project = managed["project"]
    page = client_for(managed["manager"]).get(url("document_list", project)).content.decode()
    assert url("project_settings", project) in page
    page = client_for(managed["reviewer"]).get(url("document_list", project)).content.decode()
    assert url("project_settings", project) not in page
    settings = client_for(managed["manager"]).get(url("project_settings", project))
    tabs = settings.content.decode()
    for name in ("project_taxonomy", "project_members", "project_assignments", "project_progress"):
        assert url(name, project) in tabs
    assert reverse("account_tokens") in tabs


def test_settings_are_changed_and_a_guidelines_change_makes_a_version(managed):
    project, client = managed["project"], client_for(managed["manager"])
    form = {
        "name": "Run, renamed",
        "slug": "run",
        "description": "About",
        "guidelines": "New guidelines.",
        "reviewers_per_document": 1,
        "anonymous_moderation": "on",
    }
    assert client.post(url("project_settings", project), form).status_code == 302
    project.refresh_from_db()
    assert (project.name, project.reviewers_per_document) == ("Run, renamed", 1)
    assert project.anonymous_moderation
    assert not project.blind_annotation
    [event] = events("project.update")
    assert event.before["guidelines"] == ""
    assert event.after["guidelines"] == "New guidelines."
    assert versions(project) == [1, 2]
    assert TaxonomyVersion.objects.get(project=project, number=2).guidelines == "New guidelines."
    # A change of anything else makes no version.
    assert client.post(url("project_settings", project), {**form, "name": "Run"}).status_code == 302
    assert versions(project) == [1, 2]


def test_a_refused_setting_changes_nothing(managed):
    project, client = managed["project"], client_for(managed["manager"])
    response = client.post(
        url("project_settings", project), {"name": "", "slug": "run", "reviewers_per_document": 0}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"name", "reviewers_per_document"}
    project.refresh_from_db()
    assert project.name == "Run"
    assert not events("project.update")


# --- The taxonomy page ---------------------------------------------------------------------


def category_form(**fields) -> dict:
    return {"code": "", "name": "", "definition": "", "colour": "#0072B2", "shortcut": "", **fields}


def test_categories_are_added_edited_nested_and_each_change_makes_a_version(managed):
    project, client = managed["project"], client_for(managed["manager"])
    taxonomy = url("project_taxonomy", project)
    response = client.post(
        taxonomy, category_form(code="detention", name="Detention", shortcut="1")
    )
    assert response.status_code == 302
    detention = Category.objects.get(project=project, code="detention")
    response = client.post(
        taxonomy, category_form(code="arrest", name="Arrest", parent=str(detention.pk))
    )
    assert response.status_code == 302
    arrest = Category.objects.get(project=project, code="arrest")
    assert arrest.parent == detention
    edit = url("category_edit", project, pk=detention.pk)
    response = client.post(
        edit,
        category_form(code="detention", name="Arbitrary detention", colour="#d55e00", shortcut="d"),
    )
    assert response.status_code == 302
    detention.refresh_from_db()
    assert (detention.name, detention.colour, detention.shortcut) == (
        "Arbitrary detention",
        "#D55E00",
        "d",
    )
    assert [e.action for e in events("category.create")] == ["category.create"] * 2
    [update] = events("category.update")
    assert update.before["name"] == "Detention"
    assert update.after["name"] == "Arbitrary detention"
    assert versions(project) == [1, 2, 3, 4]
    latest = TaxonomyVersion.objects.get(project=project, number=4).taxonomy
    assert latest["categories"][0]["code"] == "detention"
    assert latest["categories"][0]["children"][0]["code"] == "arrest"
    # A category cannot become its own descendant's child: its descendants are not offered.
    response = client.post(
        edit, category_form(code="detention", name="Arbitrary detention", parent=str(arrest.pk))
    )
    assert response.status_code == 200
    assert "parent" in response.context["form"].errors


def test_a_used_code_is_locked_on_the_page(managed):
    project, client = managed["project"], client_for(managed["manager"])
    category = CategoryFactory(project=project, code="detention", name="Detention")
    document = make_document(project, "He was detained.")
    make_annotation(document, managed["reviewer"], category, 7, 15)
    edit = url("category_edit", project, pk=category.pk)
    page = client.get(edit)
    assert page.context["form"].fields["code"].disabled
    client.post(edit, category_form(code="renamed", name="Detention, renamed"))
    category.refresh_from_db()
    assert (category.code, category.name) == ("detention", "Detention, renamed")


def test_categories_move_up_and_down_among_their_siblings_with_the_focus_kept(managed):
    project, client = managed["project"], client_for(managed["manager"])
    taxonomy_load(project=project, specs=parse_taxonomy(TAXONOMY), actor=managed["manager"])
    torture = Category.objects.get(project=project, code="torture")
    move = url("category_move", project, pk=torture.pk)
    response = client.post(move, {"direction": "up"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"?focus=up-{torture.pk}#category-{torture.pk}")
    order = list(Category.objects.filter(project=project).values_list("code", flat=True))
    assert order == ["torture", "detention", "disappearance"], "a parent moves with its children"
    page = client.get(response["Location"]).content.decode()
    assert f'aria-label="Move {torture.name} up">' in page
    button = page[page.index('value="up" class="btn btn-sm btn-outline-secondary" disabled') :]
    assert "autofocus" in button[: button.index(">")], "the first cannot move up: disabled"
    [moved] = events("category.move")
    assert moved.after == {"order": 0, "direction": "up"}
    assert not category_move(category=torture, direction="up", actor=None), "already first"
    assert TaxonomyVersion.objects.filter(project=project).count() == 3


def test_a_used_category_is_retired_not_deleted_and_leaves_the_editor(managed):
    project, client = managed["project"], client_for(managed["manager"])
    taxonomy_load(project=project, specs=parse_taxonomy(TAXONOMY), actor=managed["manager"])
    torture = Category.objects.get(project=project, code="torture")
    document = make_document(project, "He was beaten.")
    make_annotation(document, managed["reviewer"], torture, 7, 13)
    assert client.post(url("category_delete", project, pk=torture.pk)).status_code == 302
    assert Category.objects.filter(pk=torture.pk).exists(), "in use: never deleted"
    client.post(url("category_retire", project, pk=torture.pk), {"retired": "1"})
    torture.refresh_from_db()
    assert torture.retired, "a category in use is retired, not deleted"
    assert torture.shortcut == "", "its key is freed"
    editor = client_for(managed["reviewer"]).get(
        reverse("document_annotate", kwargs={"project_slug": project.slug, "pk": document.pk})
    )
    html = editor.content.decode()
    popup = html[
        html.index('id="category-popup"') : html.index("</div>", html.index('id="category-popup"'))
    ]
    assert 'data-category="torture"' not in popup
    assert 'data-category="detention"' in popup
    assert '<option dir="auto" value="torture" disabled>Torture (retired)</option>' in html
    data = editor.context["editor_data"]
    assert [c["code"] for c in data["categories"]].count("torture") == 1, "still drawn"
    assert [a["category"] for a in data["annotations"]] == ["torture"]
    # New spans cannot take it, through the API either.
    response = client_for(managed["reviewer"]).post(
        f"/api/v1/documents/{document.pk}/annotations",
        json.dumps({"start": 0, "end": 2, "quote": "He", "category": "torture"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    # It comes back on request, and an unused category can be deleted.
    client.post(url("category_retire", project, pk=torture.pk), {"retired": "0"})
    torture.refresh_from_db()
    assert not torture.retired
    disappearance = Category.objects.get(project=project, code="disappearance")
    client.post(url("category_delete", project, pk=disappearance.pk))
    assert not Category.objects.filter(pk=disappearance.pk).exists()
    assert [e.action for e in events("category.delete")] == ["category.delete"]


# Bootstrap's outline buttons whose text on white is below the 4.5:1 contrast that WCAG AA
# asks of text: warning (#FFC107, 1.6:1), info (#0DCAF0, 1.9:1) and light.
LOW_CONTRAST_BUTTONS = ("btn-outline-warning", "btn-outline-info", "btn-outline-light")


def test_the_taxonomy_page_buttons_are_legible(managed):
    """The Retire buttons were yellow on white (btn-outline-warning): axe-core found them
    below the contrast ratio WCAG asks for, a serious violation, in the browser tests."""
    project, client = managed["project"], client_for(managed["manager"])
    taxonomy_load(project=project, specs=parse_taxonomy(TAXONOMY), actor=managed["manager"])
    html = client.get(url("project_taxonomy", project)).content.decode()
    assert html.count('aria-label="Retire ') == 3
    for name in LOW_CONTRAST_BUTTONS:
        assert name not in html, name


def test_the_taxonomy_page_costs_the_same_with_more_categories(managed, django_assert_num_queries):
    project, client = managed["project"], client_for(managed["manager"])
    page = url("project_taxonomy", project)
    CategoryFactory(project=project, code="first")
    before = count_queries(client, page)
    parent = Category.objects.get(code="first")
    for number in range(20):
        category = CategoryFactory(project=project, code=f"c{number}", parent=parent)
        document = make_document(project, f"Text {number} detained.")
        make_annotation(document, managed["reviewer"], category, 0, 4)
    with django_assert_num_queries(before):
        client.get(page)


# --- The file: upload with a preview, download ----------------------------------------------


def upload(client, project, content: str, *, name="taxonomy.yaml", retire_missing=True):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = {"file": SimpleUploadedFile(name, content.encode())}
    if retire_missing:
        data["retire_missing"] = "on"
    return client.post(url("taxonomy_upload", project), data)


def test_an_uploaded_file_is_previewed_then_applied_exactly(managed):
    project, client = managed["project"], client_for(managed["manager"])
    CategoryFactory(project=project, code="legacy", name="Legacy", shortcut="9")
    CategoryFactory(project=project, code="torture", name="Torture and ill-treatment")
    response = upload(client, project, TAXONOMY)
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.context["preview_rows"]}
    assert {code: row["what"] for code, row in rows.items()} == {
        "detention": "created",
        "disappearance": "created",
        "torture": "updated",
        "legacy": "retired",
    }
    changed = {name: (before, after) for name, before, after in rows["torture"]["changes"]}
    assert changed["name"] == ("Torture and ill-treatment", "Torture")
    assert changed["shortcut"] == ("", "2")
    assert Category.objects.filter(project=project).count() == 2, "a preview changes nothing"
    assert versions(project) == [1]

    token = response.context["apply_token"]
    response = client.post(url("taxonomy_upload", project), {"apply": "1", "token": token})
    assert response.status_code == 302
    categories = {c.code: c for c in Category.objects.filter(project=project)}
    assert set(categories) == {"detention", "disappearance", "torture", "legacy"}
    assert categories["legacy"].retired
    assert categories["legacy"].shortcut == ""
    assert categories["torture"].name == "Torture"
    assert categories["disappearance"].parent == categories["detention"]
    [load] = events("taxonomy.load")
    assert load.after["retired"] == ["legacy"]
    assert load.after["source"] == "taxonomy.yaml"
    assert versions(project) == [1, 2]
    # The same preview cannot be applied twice.
    response = client.post(url("taxonomy_upload", project), {"apply": "1", "token": token})
    assert response.status_code == 302
    assert versions(project) == [1, 2]


def test_a_preview_gone_stale_is_shown_anew_and_nothing_applied(managed):
    project, client = managed["project"], client_for(managed["manager"])
    response = upload(client, project, TAXONOMY)
    token = response.context["apply_token"]
    category_save(
        category=Category(project=project, code="detention", name="Made meanwhile"), actor=None
    )
    response = client.post(url("taxonomy_upload", project), {"apply": "1", "token": token})
    assert response.status_code == 200, "the new preview"
    rows = {row["code"]: row["what"] for row in response.context["preview_rows"]}
    assert rows["detention"] == "updated"
    assert Category.objects.get(project=project, code="detention").name == "Made meanwhile"
    response = client.post(
        url("taxonomy_upload", project), {"apply": "1", "token": response.context["apply_token"]}
    )
    assert response.status_code == 302
    assert Category.objects.get(project=project, code="detention").name == "Arbitrary detention"


def test_a_refused_file_lists_every_problem_and_changes_nothing(managed):
    project, client = managed["project"], client_for(managed["manager"])
    response = upload(client, project, "categories:\n  - code: x\n  - name: No code\n")
    assert response.status_code == 200
    assert len(response.context["problems"]) >= 2
    assert "report" not in response.context
    assert not Category.objects.filter(project=project).exists()


def test_the_download_uploads_again_to_no_change(managed):
    project, client = managed["project"], client_for(managed["manager"])
    taxonomy_load(project=project, specs=parse_taxonomy(TAXONOMY), actor=None)
    legacy = Category.objects.create(project=project, code="legacy", name="Legacy", order=9)
    category_retire(category=legacy, retired=True, actor=None)
    download = client.get(url("taxonomy_download", project))
    assert download["Content-Disposition"] == 'attachment; filename="run-taxonomy.yaml"'
    text = download.content.decode()
    assert "retired: true" in text
    specs = parse_taxonomy(text)
    report = taxonomy_preview(project=project, specs=specs, retire_missing=True)
    assert not report.changed, report
    assert upload(client, project, text).context["report"].changed is False


def test_every_version_can_be_downloaded(managed):
    project, client = managed["project"], client_for(managed["manager"])
    taxonomy_load(project=project, specs=parse_taxonomy(TAXONOMY), actor=managed["manager"])
    project_update(project=project, actor=None, changes={"guidelines": "Read them."})
    page = client.get(url("project_taxonomy", project))
    assert [v.number for v in page.context["versions"]] == [3, 2, 1]
    first = client.get(url("taxonomy_download", project) + "?version=1").content.decode()
    assert "taxonomy version 1" in first
    assert "categories: []" in first
    second = client.get(url("taxonomy_download", project) + "?version=2").content.decode()
    assert [s.code for s in parse_taxonomy(second)] == ["detention", "torture", "disappearance"]
    assert client.get(url("taxonomy_download", project) + "?version=9").status_code == 404
    assert client.get(url("taxonomy_download", project) + "?version=x").status_code == 404


# --- The versions every span records ----------------------------------------------------------


def test_each_span_records_the_version_it_was_made_under(managed):
    project = managed["project"]
    taxonomy_load(project=project, specs=parse_taxonomy(TAXONOMY), actor=None)
    detention = Category.objects.get(project=project, code="detention")
    document = make_document(project, "He was detained. He was detained again.")
    first = make_annotation(document, managed["reviewer"], detention, 7, 15)
    project_update(project=project, actor=None, changes={"guidelines": "Changed."})
    second = make_annotation(document, managed["reviewer"], detention, 24, 32)
    numbers = dict(
        Annotation.objects.filter(pk__in=[first.pk, second.pk]).values_list(
            "pk", "taxonomy_version__number"
        )
    )
    assert numbers == {first.pk: 2, second.pk: 3}


def test_version_numbers_have_no_gaps_whatever_changes(managed):
    project = managed["project"]
    taxonomy_load(project=project, specs=parse_taxonomy(TAXONOMY), actor=None)
    taxonomy_load(project=project, specs=parse_taxonomy(TAXONOMY), actor=None)  # no change
    category_retire(category=Category.objects.get(code="torture"), retired=True, actor=None)
    assert versions(project) == [1, 2, 3]
    data = TaxonomyVersion.objects.get(project=project, number=3).taxonomy
    assert [s.code for s in taxonomy_from_data(data) if s.retired] == ["torture"]
    assert taxonomy_yaml(taxonomy_from_data(data))
