"""A project set up from nothing in a real browser, without the admin: a staff member makes
the project, uploads a taxonomy file (preview, then apply), edits a category and adds an
incident role with the keyboard, makes a reviewer's account and adds a moderator, imports a
document, assigns it with the automatic plan; the new reviewer sets a password with their
one-time link, logs in and annotates.

Every settings page on the way (project, taxonomy, the upload's preview, a category, an
incident role, members, assignments, the plan, progress) is checked by axe-core as the
watch visits it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from annotator.models import (
    Annotation,
    Assignment,
    Category,
    Document,
    IncidentRole,
    Membership,
    Project,
    Role,
    TaxonomyVersion,
)
from tests.e2e.conftest import log_in
from tests.e2e.test_editor import select_with_mouse, wait_saved
from tests.factories import UserFactory

pytestmark = pytest.mark.e2e

TAXONOMY = """\
categories:
  - code: detention
    name: Arbitrary detention
    colour: "#0072B2"
    shortcut: "1"
    definition: Deprivation of liberty without legal basis.
    children:
      - code: disappearance
        name: Enforced disappearance
        colour: "#CC79A7"
        shortcut: "3"
  - code: torture
    name: Torture and ill-treatment
    colour: "#D55E00"
    shortcut: "2"
"""
EDITED_NAME = "Arbitrary detention and internment"
EDITED_COLOUR = "#56B4E9"  # Okabe-Ito sky blue: rgb(86, 180, 233)

LINES = [
    "Testimony recorded in Almaty 📍 in March 2019",
    "𠮷 The witness spoke of her brother:",
    "ئاكام 2017-يىلى تۇتقۇن قىلىندى.",
    "He was detained without charge in a camp near Ghulja.",
]
TEXT = "\n".join(LINES) + "\n"
RTL_LINE = 2
QUOTE = "تۇتقۇن قىلىندى"  # "was detained"
NEW_PASSWORD = "olive-tram-quartz-17-harbour"


def test_a_manager_sets_up_a_project_and_a_new_reviewer_annotates(page: Page, new_page, tmp_path):
    # The only starting data: a staff member (no superuser) and someone with an account.
    UserFactory(username="lead", is_staff=True)
    UserFactory(username="ines")
    taxonomy_file = tmp_path / "taxonomy.yaml"
    taxonomy_file.write_text(TAXONOMY, encoding="utf-8")
    document_file = tmp_path / "testimony.txt"
    document_file.write_text(TEXT, encoding="utf-8")

    # --- A new project --------------------------------------------------------------------
    log_in(page, "lead")
    expect(page.get_by_text("You are not a member of any project yet.")).to_be_visible()
    page.get_by_role("link", name="New project").click()
    expect(page.get_by_role("heading", name="New project")).to_be_visible()
    page.get_by_label("Title").fill("Ghulja testimonies")
    page.get_by_label("Short name (in addresses)").fill("ghulja")
    page.get_by_label("Description").fill("Testimonies of detention, 2017–2019.")
    page.get_by_label("Reviewers per document").fill("1")
    page.get_by_role("button", name="Create project").click()
    expect(page).to_have_url(re.compile(r"/projects/ghulja/settings/taxonomy/$"))
    expect(page.get_by_text("Created the project “Ghulja testimonies”")).to_be_visible()
    expect(page.get_by_test_id("no-categories")).to_be_visible()

    project = Project.objects.get(slug="ghulja")
    assert project.name == "Ghulja testimonies"
    assert project.reviewers_per_document == 1
    assert list(
        Membership.objects.filter(project=project).values_list("user__username", "role")
    ) == [("lead", Role.MANAGER)]

    # The Project tab shows what was typed.
    page.get_by_test_id("settings-nav").get_by_role("link", name="Project").click()
    expect(page.get_by_label("Title")).to_have_value("Ghulja testimonies")
    expect(page.get_by_label("Reviewers per document")).to_have_value("1")

    # --- The taxonomy: a file, its preview, then apply ------------------------------------
    page.get_by_test_id("settings-nav").get_by_role("link", name="Taxonomy").click()
    page.get_by_role("link", name="Upload a file").click()
    page.get_by_label("Taxonomy file").set_input_files(str(taxonomy_file))
    page.get_by_role("button", name="Preview the changes").click()
    preview = page.get_by_test_id("taxonomy-preview")
    expect(preview.get_by_role("heading")).to_have_text("What taxonomy.yaml changes")
    expect(preview.locator("tr[data-outcome=created]")).to_have_count(3)
    for name in ("Arbitrary detention", "Enforced disappearance", "Torture and ill-treatment"):
        expect(preview).to_contain_text(name)
    page.watch.audit("the preview of an uploaded taxonomy")  # type: ignore[attr-defined]
    assert not Category.objects.filter(project=project).exists(), "a preview writes nothing"

    page.get_by_role("button", name="Apply these changes").click()
    expect(page).to_have_url(re.compile(r"/projects/ghulja/settings/taxonomy/$"))
    expect(page.get_by_text("Applied taxonomy.yaml")).to_be_visible()
    taxonomy = page.get_by_test_id("taxonomy")
    expect(taxonomy.locator("tbody tr")).to_have_count(3)
    stored = {
        category.code: (category.name, category.colour, category.shortcut, category.parent_id)
        for category in Category.objects.filter(project=project)
    }
    detention = Category.objects.get(project=project, code="detention")
    assert stored == {
        "detention": ("Arbitrary detention", "#0072B2", "1", None),
        "disappearance": ("Enforced disappearance", "#CC79A7", "3", detention.pk),
        "torture": ("Torture and ill-treatment", "#D55E00", "2", None),
    }

    # --- One category edited on the page --------------------------------------------------
    page.get_by_role("link", name="Edit Arbitrary detention").click()
    expect(page.get_by_role("heading", name="Arbitrary detention detention")).to_be_visible()
    page.get_by_label("Name").fill(EDITED_NAME)
    page.get_by_label("Colour").fill(EDITED_COLOUR)
    page.get_by_role("button", name="Save category").click()
    expect(page.get_by_text(f"Saved the category “{EDITED_NAME}”.")).to_be_visible()
    expect(page.locator("tr[data-category=detention]")).to_contain_text(EDITED_NAME)
    detention.refresh_from_db()
    assert (detention.name, detention.colour) == (EDITED_NAME, EDITED_COLOUR.upper())
    # Made with the project (1), the file applied (2), the category edited (3).
    assert list(
        TaxonomyVersion.objects.filter(project=project)
        .order_by("number")
        .values_list("number", flat=True)
    ) == [1, 2, 3]
    expect(page.get_by_test_id("versions").locator("tbody tr")).to_have_count(3)

    # --- An incident role, with the keyboard ----------------------------------------------
    page.get_by_test_id("incident-role-add").click()
    expect(page.get_by_role("heading", name="Add an incident role")).to_be_visible()
    page.get_by_label("Code").fill("victims")
    page.get_by_label("Name").fill("Victims")
    page.get_by_label("Definition").fill("Who suffered the act.")
    categories = page.get_by_label("Categories")
    categories.focus()
    page.keyboard.press("ArrowDown")  # the first category in the list, chosen by the keyboard
    expect(categories).to_have_values(["detention"])
    page.get_by_label("Several spans may fill it").press("Space")
    page.get_by_label("Involvements").fill("direct: Direct\nalleged: Alleged")
    page.watch.audit("the incident role editor")  # type: ignore[attr-defined]
    page.get_by_role("button", name="Add the incident role").press("Enter")
    expect(page.get_by_text("Added the incident role “Victims”.")).to_be_visible()
    row = page.locator("tr[data-incident-role=victims]")
    expect(row).to_contain_text("Several")
    expect(row.get_by_role("button", name="Delete the incident role Victims")).to_be_visible()
    role = IncidentRole.objects.get(project=project, code="victims")
    assert role.multiple
    assert [c.code for c in role.categories.all()] == ["detention"]
    assert [i["code"] for i in role.involvements] == ["direct", "alleged"]
    expect(page.get_by_test_id("versions").locator("tbody tr")).to_have_count(4)

    # --- Members: a new reviewer's account, and a moderator who has one -------------------
    page.get_by_test_id("settings-nav").get_by_role("link", name="Members").click()
    make = page.get_by_role("region", name="Make an account")
    make.get_by_label("User name").fill("amira")
    make.get_by_label("Role").select_option(label="Reviewer")
    make.get_by_role("button", name="Create account").click()
    shown = page.get_by_test_id("set-password-link")
    expect(shown).to_contain_text("The set-password link of amira")
    link = shown.get_by_role("textbox", name="The set-password link").input_value()
    assert re.fullmatch(r"http://[^/]+/accounts/set-password/[^/]+/[^/]+/", link), link
    expect(page.locator("tr[data-member=amira]")).to_contain_text("no password yet")
    page.watch.audit("the members page showing a set-password link")  # type: ignore[attr-defined]

    add = page.get_by_role("region", name="Add someone who has an account")
    add.get_by_label("User name").fill("ines")
    add.get_by_label("Role").select_option(label="Moderator")
    add.get_by_role("button", name="Add member").click()
    expect(page.get_by_text("Added ines as moderator.")).to_be_visible()
    expect(page.get_by_test_id("set-password-link")).to_have_count(0)  # shown only once
    expect(page.locator("tr[data-member]")).to_have_count(3)
    assert dict(
        Membership.objects.filter(project=project).values_list("user__username", "role")
    ) == {"lead": Role.MANAGER, "amira": Role.REVIEWER, "ines": Role.MODERATOR}
    amira = Membership.objects.get(project=project, user__username="amira").user
    assert not amira.has_usable_password()

    # --- Import a document ----------------------------------------------------------------
    page.get_by_role("navigation", name="breadcrumb").get_by_role(
        "link", name="Ghulja testimonies"
    ).click()
    page.get_by_role("link", name="Import documents").click()
    page.get_by_label("Files").set_input_files(str(document_file))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_test_id("import-summary")).to_have_text("1 imported, 0 duplicate, 0 failed.")
    document = Document.objects.get(project=project)
    assert document.text == TEXT
    assert document.title == LINES[0]
    assert not Assignment.objects.filter(document=document).exists()

    # --- Assignments: the plan first, then apply it ---------------------------------------
    page.goto(f"/projects/{project.slug}/")
    page.get_by_test_id("project-settings").click()
    page.get_by_test_id("settings-nav").get_by_role("link", name="Assignments").click()
    grid = page.get_by_test_id("assignment-grid")
    expect(grid.locator(f"tr[data-document='{document.pk}'] td[data-reviewer=amira]")).to_have_text(
        "—"
    )
    page.get_by_role("link", name="Assign automatically…").click()
    expect(page.get_by_role("heading", name="Automatic assignment")).to_be_visible()
    plan = page.get_by_test_id("plan")
    expect(plan.locator("tbody tr")).to_have_count(1)
    expect(plan.locator("tbody tr")).to_contain_text(LINES[0])
    expect(plan.locator("tbody tr")).to_contain_text("amira")
    expect(page.get_by_test_id("plan-per-reviewer")).to_contain_text("amira")
    expect(page.get_by_text("Documents that will still lack reviewers")).to_have_count(0)
    page.watch.audit("the automatic assignment plan")  # type: ignore[attr-defined]
    assert not Assignment.objects.filter(document=document).exists(), "a plan writes nothing"

    page.get_by_role("button", name="Apply this plan").click()
    expect(page).to_have_url(re.compile(r"/projects/ghulja/settings/assignments/$"))
    cell = page.get_by_test_id("assignment-grid").locator(
        f"tr[data-document='{document.pk}'] td[data-reviewer=amira]"
    )
    expect(cell).to_contain_text("assigned")
    assert list(
        Assignment.objects.filter(document=document).values_list("reviewer__username", flat=True)
    ) == ["amira"]

    # --- The reviewer: the link, a password, a login, a span ------------------------------
    reviewer = new_page()
    reviewer.goto(link)
    expect(reviewer.get_by_role("heading", name="Set your password")).to_be_visible()
    expect(reviewer.get_by_text("Choose the password of the account amira")).to_be_visible()
    reviewer.get_by_label(re.compile(r"New password(?! confirmation)")).fill(NEW_PASSWORD)
    reviewer.get_by_label("New password confirmation").fill(NEW_PASSWORD)
    reviewer.get_by_role("button", name="Set my password").click()
    expect(reviewer).to_have_url(re.compile(r"/accounts/login/"))
    expect(reviewer.get_by_text("Your password is set: log in with it.")).to_be_visible()
    amira.refresh_from_db()
    assert amira.has_usable_password()
    assert amira.check_password(NEW_PASSWORD)

    # The link worked once: opened again, it says so.
    reviewer.goto(link)
    expect(reviewer.get_by_test_id("link-invalid")).to_be_visible()

    log_in(reviewer, "amira", NEW_PASSWORD)
    reviewer.get_by_role("link", name="Ghulja testimonies").click()
    reviewer.get_by_role("link", name="Annotate").click()
    expect(reviewer.locator("body")).to_have_attribute("data-editor-ready", "true")
    # The category as the manager edited it: its new name and colour.
    legend = reviewer.locator(".legend")
    expect(legend).to_contain_text(EDITED_NAME)
    expect(legend.locator(".swatch-detention")).to_have_css("background-color", "rgb(86, 180, 233)")
    select_with_mouse(reviewer, QUOTE, RTL_LINE)
    selected = reviewer.evaluate("() => String(window.getSelection())")
    assert selected == QUOTE, selected
    reviewer.keyboard.press("1")
    wait_saved(reviewer)

    annotation = Annotation.objects.select_related("category", "reviewer").get(document=document)
    assert annotation.quote == selected
    assert annotation.reviewer.username == "amira"
    assert annotation.category.code == "detention"
    # Code points: the emoji and the character outside the BMP before it count once each.
    start = TEXT.index(QUOTE)
    assert (annotation.start, annotation.end) == (start, start + len(QUOTE))
    assert TEXT[annotation.start : annotation.end] == QUOTE

    # --- The manager sees the work on the Progress tab ------------------------------------
    page.get_by_test_id("settings-nav").get_by_role("link", name="Progress").click()
    row = page.get_by_test_id("reviewer-progress").locator("tr[data-reviewer=amira]")
    expect(row.locator("td")).to_have_text(
        [re.compile("amira"), "1", "0", "1", re.compile(r"\d"), "—"]
    )
