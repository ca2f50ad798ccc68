"""Incident records in the editor, in a real browser: a reviewer links a denial to the
allegation it denies, records an incident on the allegation and fills its victim, its
perpetrator, its place and its date, with the mouse and with the keyboard; the server holds
it all and a reload shows it. What the server refuses (a span of a category the role does
not allow, a change based on an old version) is said in the panel, and nothing is lost."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db.models import F
from django.utils import timezone
from playwright.sync_api import Page, expect

from annotator.models import Annotation, Assignment, Incident, IncidentSlot, Relation, Role
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy_relations import parse_taxonomy_file
from tests.e2e.conftest import log_in
from tests.e2e.test_editor import click_on, select_with_mouse, wait_saved
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, make_document

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
LINES = [
    "Witnesses said he was held without charge for months.",
    "The ministry denied that anyone was detained, calling the camps schools.",
    "Police officers took Ahmet Tohti from his home in Hotan in March 2018.",
]
TEXT = "\n".join(LINES)
ALLEGATION = "held without charge"
DENIAL = "The ministry denied that anyone was detained"
# Shortcut keys of the seed taxonomy: 1 detention, 6 victim, 7 perpetrator, 8 place, 9 date.
ENTITIES = [("Police officers", "7"), ("Ahmet Tohti", "6"), ("Hotan", "8"), ("March 2018", "9")]


@pytest.fixture
def project():
    project = ProjectFactory(slug="incidents", name="Incidents test")
    taxonomy = parse_taxonomy_file((SEEDS / "taxonomy.yaml").read_bytes())
    taxonomy_load(
        project=project,
        specs=taxonomy.categories,
        relation_types=taxonomy.relation_types,
        incident_roles=taxonomy.incident_roles,
    )
    return project


@pytest.fixture
def editor(page: Page, project):
    reviewer = UserFactory(username="reviewer-1")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    document = make_document(project, TEXT, title="Incidents test")
    page.document = document  # type: ignore[attr-defined]
    page.reviewer = reviewer  # type: ignore[attr-defined]
    log_in(page, "reviewer-1")
    open_editor(page)
    return page


def open_editor(page: Page) -> None:
    document = page.document  # type: ignore[attr-defined]
    page.goto(f"/projects/{document.project.slug}/documents/{document.pk}/annotate/")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "true")
    page.queued_seen = 0  # type: ignore[attr-defined]  # a new page's queue counts from 0


def tag(page: Page, needle: str, line: int, key: str) -> None:
    select_with_mouse(page, needle, line)
    expect(page.locator("#category-popup")).to_be_visible()
    page.keyboard.press(key)
    wait_saved(page)


def tag_everything(page: Page) -> None:
    tag(page, ALLEGATION, 0, "1")
    tag(page, DENIAL, 1, "1")
    for needle, key in ENTITIES:
        tag(page, needle, 2, key)


def said(page: Page) -> str:
    """What the panel told the reviewer, for a failure's message."""
    return page.locator("#incident-status").inner_text()


def record_incident_on_the_allegation(page: Page) -> None:
    click_on(page, "held", 0)
    expect(page.locator("#detail-quote")).to_have_text(ALLEGATION)
    page.get_by_role("button", name="Record an incident…").click()
    wait_saved(page)
    expect(page.get_by_test_id("incident")).to_have_count(1)


def add_button(page: Page, role: str):
    return page.get_by_role("button", name=f"Add span… to {role}")


def pick_in_list(page: Page, text: str) -> None:
    """Choose a row of My spans with the keyboard, once the pick has started (its banner
    shown) and the row has the focus: on a loaded machine the key must not land before."""
    expect(page.get_by_test_id("incident-pick-banner")).to_be_visible()
    # Picking clears the selection, and My spans draws its rows again for it: a row
    # focused before that is replaced, and the key would land nowhere.
    expect(page.locator("#span-list [aria-current=true]")).to_have_count(0)
    row = page.locator("#span-list [data-local-id]").filter(has_text=text)
    row.focus()
    expect(row).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("incident-pick-banner")).to_be_hidden()


def stored_slots() -> list[tuple[str, str, str]]:
    return sorted(
        (slot.role.code, slot.annotation.quote, slot.involvement)
        for slot in IncidentSlot.objects.select_related("role", "annotation")
    )


def test_a_reviewer_builds_an_incident_by_mouse_and_keyboard_and_a_reload_shows_it(
    editor: Page,
):
    tag_everything(editor)
    # The denial linked to the allegation, as the relation UI does it.
    click_on(editor, "ministry", 1)
    expect(editor.locator("#detail-quote")).to_have_text(DENIAL)
    expect(editor.get_by_test_id("detail-incident")).to_be_visible()
    editor.locator("#detail-link").click()
    expect(editor.locator("#link-type")).to_have_value("denies")
    click_on(editor, "held", 0)
    wait_saved(editor)
    # An entity span is no act: its details offer no incident.
    click_on(editor, "Hotan", 2)
    expect(editor.get_by_test_id("detail-incident")).to_be_hidden()

    record_incident_on_the_allegation(editor)
    incident = Incident.objects.get()
    assert incident.act.quote == ALLEGATION
    # The focus is on the first role's "Add span…": the victim, by keyboard alone.
    expect(add_button(editor, "Victims")).to_be_focused()
    editor.keyboard.press("Enter")
    banner = editor.get_by_test_id("incident-pick-banner")
    expect(banner).to_be_visible()
    expect(editor.locator("#incident-pick-involvement-field")).to_be_hidden()
    pick_in_list(editor, "Ahmet Tohti")
    wait_saved(editor)
    expect(banner).to_be_hidden()
    expect(add_button(editor, "Victims")).to_be_focused()

    # The perpetrator with the mouse, with an involvement; the banner is audited open.
    add_button(editor, "Perpetrators").click()
    expect(banner).to_be_visible()
    editor.locator("#incident-pick-involvement").select_option("direct")
    editor.mouse.move(1, 1)
    editor.wait_for_timeout(300)
    editor.watch.audit("incident pick banner open")
    click_on(editor, "Police", 2)
    wait_saved(editor)

    # Escape cancels picking and leaves everything as it was, the span selected before too.
    click_on(editor, "Hotan", 2)
    expect(editor.locator("#detail-quote")).to_have_text("Hotan")
    add_button(editor, "Place").focus()
    editor.keyboard.press("Enter")
    expect(banner).to_be_visible()
    editor.keyboard.press("Escape")
    expect(banner).to_be_hidden()
    expect(add_button(editor, "Place")).to_be_focused()
    expect(editor.locator("#detail-quote")).to_have_text("Hotan")
    assert IncidentSlot.objects.count() == 2
    # The span selected before picking can be picked: picking starts with none selected.
    editor.keyboard.press("Enter")
    expect(editor.locator("#span-details")).to_be_hidden()
    click_on(editor, "Hotan", 2)
    wait_saved(editor)

    add_button(editor, "Date").focus()
    editor.keyboard.press("Enter")
    pick_in_list(editor, "March 2018")
    wait_saved(editor)

    # The note and the status of the evidence, saved with the version.
    card = editor.get_by_test_id("incident")
    card.get_by_label("Status of the evidence").select_option("likely")
    wait_saved(editor)
    card.get_by_label("Note").fill("Held at the county camp.")
    card.get_by_label("Note").press("Tab")
    wait_saved(editor)

    assert stored_slots() == [
        ("date", "March 2018", ""),
        ("perpetrators", "Police officers", "direct"),
        ("place", "Hotan", ""),
        ("victims", "Ahmet Tohti", ""),
    ], said(editor)
    incident.refresh_from_db()
    assert (incident.evidence_status, incident.note) == ("likely", "Held at the county camp.")
    assert incident.reviewer == editor.reviewer  # type: ignore[attr-defined]
    relation = Relation.objects.select_related("source", "target", "relation_type").get()
    assert (relation.source.quote, relation.relation_type.code, relation.target.quote) == (
        DENIAL,
        "denies",
        ALLEGATION,
    )
    # A slot taken out, by its × button; the span stays.
    # (The quote in its name is isolated from the text around it: U+2068 … U+2069.)
    card.get_by_role("button", name=re.compile(r"^Remove Place: “\W?Hotan\W?” from Place$")).click()
    wait_saved(editor)
    assert [code for code, _, _ in stored_slots()] == ["date", "perpetrators", "victims"]
    assert Annotation.objects.filter(quote="Hotan").exists()
    add_button(editor, "Place").click()
    click_on(editor, "Hotan", 2)
    wait_saved(editor)
    editor.mouse.move(1, 1)
    editor.wait_for_timeout(300)
    editor.watch.audit("incident panel open with a full incident")

    open_editor(editor)
    card = editor.get_by_test_id("incident")
    expect(card).to_have_count(1)
    expect(editor.locator("#incident-total")).to_have_text("1")
    expect(card).to_contain_text(f"Arbitrary detention: “\u2068{ALLEGATION}\u2069”")
    for role, quote in [
        ("victims", "Ahmet Tohti"),
        ("perpetrators", "Police officers"),
        ("place", "Hotan"),
        ("date", "March 2018"),
    ]:
        expect(
            card.locator(f"[data-incident-role={role}] [data-testid=incident-slot]")
        ).to_contain_text(quote)
    expect(card.locator("[data-incident-role=perpetrators]")).to_contain_text("Direct")
    expect(card.get_by_label("Note")).to_have_value("Held at the county camp.")
    expect(card.get_by_label("Status of the evidence")).to_have_value("likely")

    # Deleting asks first, in place (no dialog); the spans stay.
    card.get_by_role("button", name="Delete incident…").click()
    expect(card.get_by_role("button", name="Keep")).to_be_focused()
    card.get_by_role("button", name="Delete", exact=True).click()
    wait_saved(editor)
    assert not Incident.objects.exists()
    assert Annotation.objects.count() == 6
    expect(editor.locator("#incident-total")).to_have_text("0")


def test_a_role_refusing_a_category_and_a_stale_version_are_said_and_nothing_is_lost(
    editor: Page,
):
    tag_everything(editor)
    record_incident_on_the_allegation(editor)
    add_button(editor, "Victims").click()
    pick_in_list(editor, "Ahmet Tohti")
    wait_saved(editor)

    # A violation span for the place: the server refuses it, and says why.
    editor.watch.expect_failure(r"/slots: HTTP 400|status of 400")
    add_button(editor, "Place").click()
    click_on(editor, "ministry", 1)
    wait_saved(editor)
    status = editor.get_by_test_id("incident-status")
    expect(status).to_contain_text("The span was not added to Place")
    expect(status).to_contain_text("cannot be filled by a span of 'detention'")
    expect(status).to_have_attribute("aria-live", "polite")
    assert stored_slots() == [("victims", "Ahmet Tohti", "")]
    card = editor.get_by_test_id("incident")
    expect(card.locator("[data-testid=incident-slot]")).to_have_count(1)
    expect(card.locator("[data-incident-role=victims]")).to_contain_text("Ahmet Tohti")
    editor.watch.audit("a refusal said in the incident panel")

    # Changed elsewhere since the page loaded it: a 409, said, and the server's shown.
    editor.watch.expect_failure(r"/incidents/\d+: HTTP 409|status of 409")
    Incident.objects.update(version=F("version") + 1, note="Changed in another tab.")
    card.get_by_label("Status of the evidence").select_option("confirmed")
    wait_saved(editor)
    expect(status).to_contain_text("changed elsewhere")
    expect(card.get_by_label("Note")).to_have_value("Changed in another tab.")
    expect(card.get_by_label("Status of the evidence")).to_have_value("unknown")
    # Made again on the version now shown, the change is saved.
    card.get_by_label("Status of the evidence").select_option("confirmed")
    wait_saved(editor)
    assert Incident.objects.get().evidence_status == "confirmed"


def test_a_submitted_layer_shows_its_incidents_without_controls(editor: Page):
    tag_everything(editor)
    record_incident_on_the_allegation(editor)
    add_button(editor, "Victims").click()
    pick_in_list(editor, "Ahmet Tohti")
    wait_saved(editor)
    Assignment.objects.filter(document=editor.document).update(  # type: ignore[attr-defined]
        submitted_at=timezone.now()
    )
    open_editor(editor)
    card = editor.get_by_test_id("incident")
    expect(card).to_contain_text("Ahmet Tohti")
    expect(card.get_by_role("button", name="Delete incident…")).to_have_count(0)
    expect(card.get_by_role("button", name="Add span… to Place")).to_have_count(0)
    expect(card.locator("select, textarea")).to_have_count(0)
    click_on(editor, "held", 0)
    expect(editor.locator("#detail-quote")).to_have_text(ALLEGATION)
    expect(editor.get_by_role("button", name="Record an incident…")).to_have_count(0)


def undo(page: Page) -> None:
    """Ctrl+Z with no form field focused (a field keeps its own undo), then saved."""
    page.evaluate("document.activeElement?.blur()")
    page.keyboard.press("Control+z")
    wait_saved(page)


def test_every_incident_change_is_undone_on_the_editors_undo_stack_in_the_order_made(
    editor: Page,
):
    tag_everything(editor)
    record_incident_on_the_allegation(editor)
    card = editor.get_by_test_id("incident")
    add_button(editor, "Victims").click()
    pick_in_list(editor, "Ahmet Tohti")
    wait_saved(editor)
    card.get_by_label("Status of the evidence").select_option("likely")
    wait_saved(editor)
    assert Incident.objects.get().evidence_status == "likely"

    undo(editor)  # the status
    expect(card.get_by_label("Status of the evidence")).to_have_value("unknown")
    assert Incident.objects.get().evidence_status == "unknown", said(editor)
    undo(editor)  # the victim
    expect(card.locator("[data-testid=incident-slot]")).to_have_count(0)
    assert stored_slots() == [], said(editor)

    # Deleted with a victim, the incident comes back with it: a new record for the server.
    add_button(editor, "Victims").click()
    pick_in_list(editor, "Ahmet Tohti")
    wait_saved(editor)
    card.get_by_label("Note").fill("Seen at the county camp.")
    card.get_by_label("Note").blur()
    wait_saved(editor)
    first_id = Incident.objects.get().pk
    card.get_by_role("button", name="Delete incident…").click()
    card.get_by_role("button", name="Delete", exact=True).click()
    wait_saved(editor)
    assert not Incident.objects.exists()
    undo(editor)
    expect(editor.get_by_test_id("incident")).to_have_count(1)
    restored = Incident.objects.get()
    assert restored.pk != first_id
    assert (restored.act.quote, restored.note) == (ALLEGATION, "Seen at the county camp.")
    assert stored_slots() == [("victims", "Ahmet Tohti", "")], said(editor)

    # The steps made before the delete still reach the incident that came back.
    undo(editor)  # the note
    expect(card.get_by_label("Note")).to_have_value("")
    undo(editor)  # the victim added again
    assert stored_slots() == [], said(editor)
    undo(editor)  # the incident itself
    expect(editor.get_by_test_id("incident")).to_have_count(0)
    assert not Incident.objects.exists(), said(editor)
    # The spans were never part of it: the next undo takes back the last span tagged.
    assert Annotation.objects.count() == 6
