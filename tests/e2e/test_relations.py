"""Relations in the editor, in a real browser: a reviewer links a denial to the allegation it
denies, with the mouse and with the keyboard, changes and deletes the link, undoes each
change, and a span deleted takes its relations with it; every step is checked against what
the server stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotator.models import Annotation, Relation, Role
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy_relations import parse_taxonomy_file
from tests.e2e.conftest import log_in
from tests.e2e.test_editor import click_on, select_with_mouse, wait_saved
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, make_document

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
LINES = [
    "Witnesses said the police detained him without charge in 2018.",
    "The ministry denied that anyone was detained, calling the camps schools.",
    "𠮷 Wei said guards beat detainees; ئۇ تۇتقۇن قىلىندى.",
]
TEXT = "\n".join(LINES)


@pytest.fixture
def editor(page: Page):
    project = ProjectFactory(slug="relations", name="Relations test")
    taxonomy = parse_taxonomy_file((SEEDS / "taxonomy.yaml").read_bytes())
    taxonomy_load(
        project=project, specs=taxonomy.categories, relation_types=taxonomy.relation_types
    )
    reviewer = UserFactory(username="reviewer-1")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    document = make_document(project, TEXT, title="Relations test")
    log_in(page, "reviewer-1")
    page.goto(f"/projects/{project.slug}/documents/{document.pk}/annotate/")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "true")
    page.document = document  # type: ignore[attr-defined]
    page.reviewer = reviewer  # type: ignore[attr-defined]
    return page


def tag(page: Page, needle: str, line: int, key: str = "1") -> None:
    select_with_mouse(page, needle, line)
    expect(page.locator("#category-popup")).to_be_visible()
    page.keyboard.press(key)
    wait_saved(page)


def stored_relations(page: Page) -> list[tuple[str, str, str]]:
    """(source quote, type, target quote) of the reviewer's relations on the server."""
    return [
        (relation.source.quote, relation.relation_type.code, relation.target.quote)
        for relation in Relation.objects.filter(
            document=page.document, reviewer=page.reviewer
        ).select_related("source", "target", "relation_type")
    ]


def said(page: Page) -> str:
    """What the editor told the reviewer, for a failure's message."""
    return page.locator("#editor-message").inner_text()


ALLEGATION = "police detained him without charge"
DENIAL = "The ministry denied that anyone was detained"


def test_a_denial_is_linked_to_its_allegation_changed_undone_and_deleted(editor: Page):
    tag(editor, ALLEGATION, 0)
    tag(editor, DENIAL, 1)
    expect(editor.locator("#detail-quote")).to_have_text(DENIAL)

    editor.locator("#detail-link").click()
    expect(editor.locator("#link-banner")).to_be_visible()
    expect(editor.locator("#link-type")).to_have_value("denies")
    editor.mouse.move(1, 1)  # off the button, whose colours change while it is hovered
    editor.wait_for_timeout(300)
    editor.watch.audit("linking banner open")
    click_on(editor, "police", 0)
    wait_saved(editor)
    assert stored_relations(editor) == [(DENIAL, "denies", ALLEGATION)], said(editor)
    expect(editor.locator("#link-banner")).to_be_hidden()
    # Back on the denial, whose details show the link; the list beside the text has it too.
    expect(editor.locator("#detail-quote")).to_have_text(DENIAL)
    row = editor.locator("#detail-relations-list [data-testid=relation]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("police detained him without charge")
    expect(editor.locator("#relation-total")).to_have_text("1")
    expect(editor.locator("#relation-list")).to_contain_text("Denies")
    editor.watch.audit("a relation in the span's details")

    row.locator("select").select_option("corroborates")
    wait_saved(editor)
    assert stored_relations(editor) == [(DENIAL, "corroborates", ALLEGATION)]
    editor.locator("#document-text").focus()
    editor.keyboard.press("Control+z")
    wait_saved(editor)
    assert stored_relations(editor) == [(DENIAL, "denies", ALLEGATION)]

    row.locator("[data-remove-relation]").click()
    wait_saved(editor)
    assert stored_relations(editor) == []
    expect(editor.locator("#relation-total")).to_have_text("0")
    editor.locator("#document-text").focus()
    editor.keyboard.press("Control+z")
    wait_saved(editor)
    assert stored_relations(editor) == [(DENIAL, "denies", ALLEGATION)]

    # A span deleted takes its relations with it, on the screen and on the server.
    click_on(editor, "police", 0)
    expect(editor.locator("#detail-quote")).to_have_text(ALLEGATION)
    editor.keyboard.press("Delete")
    wait_saved(editor)
    assert list(Annotation.objects.values_list("quote", flat=True)) == [DENIAL]
    assert stored_relations(editor) == []
    expect(editor.locator("#relation-total")).to_have_text("0")


def test_a_relation_is_drawn_with_the_keyboard_alone(editor: Page):
    tag(editor, ALLEGATION, 0)
    tag(editor, DENIAL, 1)
    editor.locator("#document-text").focus()
    editor.keyboard.press("Enter")  # on the selected span (the denial): start linking
    expect(editor.locator("#link-banner")).to_be_visible()
    expect(editor.locator("#link-type")).to_be_focused()
    editor.keyboard.press("Escape")  # cancels linking, keeps the span selected
    expect(editor.locator("#link-banner")).to_be_hidden()
    expect(editor.locator("#span-details")).to_be_visible()

    editor.locator("#document-text").focus()
    editor.keyboard.press("Enter")
    editor.locator("#link-type").select_option("corroborates")
    # The other end from the list of spans, reached and chosen with the keyboard.
    target = editor.locator("#span-list [data-local-id]").filter(has_text="police detained")
    target.focus()
    editor.keyboard.press("Enter")
    wait_saved(editor)
    assert stored_relations(editor) == [(DENIAL, "corroborates", ALLEGATION)]


def test_a_relation_to_a_span_not_saved_yet_waits_for_it(editor: Page):
    """The link is drawn while the server still has not answered the span's create: the
    relation's request is made after the span has its id."""
    tag(editor, DENIAL, 1)
    held = []  # the next span's create waits here
    editor.route("**/annotations", lambda route: held.append(route))
    select_with_mouse(editor, "guards beat detainees", 2)
    editor.keyboard.press("2")  # torture; not saved yet
    expect(editor.locator("#detail-quote")).to_have_text("guards beat detainees")
    editor.locator("#detail-link").click()
    editor.locator("#link-type").select_option("corroborates")
    click_on(editor, "ministry", 1)
    expect(editor.locator("#relation-total")).to_have_text("1")
    assert len(held) == 1, "the span's create is held"
    assert not Relation.objects.exists(), "the relation waits for its span's id"
    held[0].continue_()
    editor.unroute("**/annotations")
    wait_saved(editor)
    assert stored_relations(editor) == [("guards beat detainees", "corroborates", DENIAL)]
