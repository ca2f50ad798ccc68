"""Curation in a real browser: two reviewers disagree on a category, a boundary and what a
span says of the evidence, and one has a span the other lacks; the moderator merges one
version, accepts a ticked span, draws a span of their own and edits it, rejects one with
a rationale, undoes a decision and decides again, and finishes. The gold layer then shows
on the read view, and every export carries exactly those spans with their attributes."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from playwright.sync_api import Page, expect

from annotator.models import AuditEvent, DocumentStatus, GoldSpan, ModerationItem, Role
from annotator.services.annotations import annotation_update
from annotator.services.assignments import review_submit
from annotator.services.exporting import ExportOptions, export_start
from tests.e2e.conftest import log_in
from tests.e2e.test_editor import click_on, select_with_mouse, wait_saved
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.e2e

LINES = [
    "Twenty-six of the interviewees said they were detained without charge.",
    "Guards beat him in custody at the facility in Ghulja.",
    "He was held for eleven months in the camp.",
    "The Strike Hard campaign sent them to camps.",
]
TEXT = "\n".join(LINES)


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def curation(page: Page):
    project = ProjectFactory(slug="curation", name="Curation")
    categories = {
        code: CategoryFactory(project=project, code=code, name=name, shortcut=key, colour=colour)
        for code, name, key, colour in [
            ("detention", "Arbitrary detention", "1", "#0072B2"),
            ("torture", "Torture", "2", "#D55E00"),
            ("repression", "Transnational repression", "3", "#009E73"),
        ]
    }
    alice, bob = UserFactory(username="alice"), UserFactory(username="bob")
    for user in (alice, bob):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    MembershipFactory(project=project, user=UserFactory(username="moderator"), role=Role.MODERATOR)
    document = make_document(project, TEXT, title="Assessment")

    def span(user, code, needle, **attributes):
        annotation = make_annotation(document, user, categories[code], *at(needle))
        if attributes:
            annotation_update(
                annotation_id=annotation.pk, actor=user, version=1, changes=attributes
            )

    interviewees = "Twenty-six of the interviewees said they were detained"
    # Attributes: the same span, but confirmed victim testimony against likely witness.
    span(alice, "detention", interviewees, evidence_status="confirmed",
         source_type="victim_testimony", note="Twenty-six accounts.")  # fmt: skip
    span(bob, "detention", interviewees, evidence_status="likely", source_type="witness_testimony")
    # Label: torture against detention.
    span(alice, "torture", "Guards beat him")
    span(bob, "detention", "Guards beat him")
    # Boundary: the same category at other boundaries.
    span(alice, "detention", "held for eleven months")
    span(bob, "detention", "held for eleven months in the camp")
    # Missing: only Bob has it.
    span(bob, "repression", "Strike Hard campaign")
    for user in (alice, bob):
        review_submit(document=document, reviewer=user)  # the second starts moderation
    log_in(page, "moderator")
    page.goto(f"/projects/{project.slug}/documents/{document.pk}/curate/")
    expect(page.locator("body")).to_have_attribute("data-curation-ready", "true")
    page.document = document  # type: ignore[attr-defined]
    return page


def current(page: Page):
    return page.locator("#item-current")


def go_to_item(page: Page, needle: str) -> None:
    """Press n until the current item is the one at ``needle``."""
    start = str(at(needle)[0])
    page.locator("#document-text").focus()
    for _ in range(8):
        page.keyboard.press("n")
        where = page.locator("#item-where").text_content() or ""
        if f"characters {start}–" in where:
            return
    raise AssertionError(f"no item at {needle!r}")


def item_state(page: Page) -> str:
    return current(page).get_attribute("data-status") or ""


def test_a_moderator_reconciles_a_document_and_the_gold_layer_keeps_the_evidence(
    curation: Page,
):
    page = curation
    document = page.document  # type: ignore[attr-defined]
    summary = page.get_by_test_id("item-summary")
    expect(summary).to_have_text("4 of 4 items open.")
    expect(page.locator("#item-list li")).to_have_count(4)
    # Lines with an open item are marked; the reviewers' layers are toggled by letter.
    expect(page.locator(".doc-line.item-open-line")).to_have_count(4)
    expect(page.locator("#layer-0")).to_be_checked()
    page.locator("#layer-0").uncheck()
    assert page.evaluate("CSS.highlights.has('layer-0')") is False
    page.locator("#layer-0").check()
    assert page.evaluate("CSS.highlights.get('layer-1').size") == 4

    # 1. Attributes: each reviewer's values are shown; B's version is merged by its key.
    go_to_item(page, "Twenty-six")
    versions = page.get_by_test_id("item-versions")
    expect(versions).to_contain_text("Confirmed")
    expect(versions).to_contain_text("Likely")
    expect(versions).to_contain_text("Twenty-six accounts.")
    page.watch.audit("an attributes item")  # type: ignore[attr-defined]
    page.keyboard.press("b")
    wait_saved(page)
    expect(current(page)).to_have_attribute("data-status", "resolved")
    expect(summary).to_have_text("3 of 4 items open.")

    # 2. Label: A's torture span ticked and accepted with Enter.
    go_to_item(page, "Guards beat him")
    versions.locator("[data-letter='A'] input[type=checkbox]").check()
    page.locator("#item-rationale").fill("Beating is ill-treatment.")
    page.locator("#item-reason").select_option("reviewer_error")
    page.locator("#item-accept-ticked").click()
    wait_saved(page)
    expect(current(page)).to_have_attribute("data-status", "resolved")

    # 3. Boundary: the moderator draws their own span with the mouse and its key; inside
    # the item's passage that resolves the item with it.
    go_to_item(page, "held for eleven months")
    select_with_mouse(page, "held for eleven months in", 2)
    page.keyboard.press("1")
    wait_saved(page)
    expect(current(page)).to_have_attribute("data-status", "resolved")
    # Then edits it: its status, source, note, and its end moved on by " the" with the
    # nudge key, one character at a time.
    click_on(page, "eleven", 2)
    details = page.locator("#span-details")
    expect(details).to_be_visible()
    expect(page.locator("#detail-quote")).to_have_text("held for eleven months in")
    page.locator("#detail-status").select_option("confirmed")
    wait_saved(page)
    page.locator("#detail-source").select_option("official_statement")
    wait_saved(page)
    page.locator("#detail-note").fill("Eleven months, as the official record says.")
    page.locator("#detail-note").press("Tab")
    wait_saved(page)
    page.locator("#document-text").focus()
    for _ in range(4):
        page.keyboard.press("}")
    wait_saved(page)
    expect(page.locator("#detail-quote")).to_have_text("held for eleven months in the")
    page.watch.audit("a gold span selected")  # type: ignore[attr-defined]
    page.keyboard.press("Escape")

    # 4. Missing: rejected, with a reason and a rationale.
    go_to_item(page, "Strike Hard")
    expect(page.locator("#item-accept-buttons")).not_to_contain_text("Accept A's version")
    page.locator("#item-reason").select_option("ambiguous_text")
    page.locator("#item-rationale").fill("A campaign's name, not an act of repression.")
    page.locator("#document-text").focus()
    page.keyboard.press("r")
    wait_saved(page)
    expect(current(page)).to_have_attribute("data-status", "resolved")
    expect(summary).to_have_text("0 of 4 items open.")

    # 5. Undo: the label decision is undone and decided again, with A's version by key.
    go_to_item(page, "Guards beat him")
    page.locator("#document-text").focus()
    page.keyboard.press("u")
    wait_saved(page)
    expect(current(page)).to_have_attribute("data-status", "open")
    expect(summary).to_have_text("1 of 4 items open.")
    page.keyboard.press("b")
    wait_saved(page)
    expect(summary).to_have_text("0 of 4 items open.")

    document.refresh_from_db()
    assert document.status == DocumentStatus.RECONCILED
    assert not ModerationItem.objects.filter(document=document, status="open").exists()
    expected = {
        ("Twenty-six of the interviewees said they were detained", "detention"): (
            "likely", "witness_testimony", "",
        ),
        ("Guards beat him", "detention"): ("unknown", "other", ""),
        ("held for eleven months in the", "detention"): (
            "confirmed", "official_statement", "Eleven months, as the official record says.",
        ),
    }  # fmt: skip
    gold = {
        (span.quote, span.category.code): (span.evidence_status, span.source_type, span.note)
        for span in GoldSpan.objects.filter(document=document).select_related("category")
    }
    assert gold == expected
    actions = set(AuditEvent.objects.filter(document=document).values_list("action", flat=True))
    assert {"item.resolve", "item.reopen", "gold.update"} <= actions

    # The read view shows that layer, painted and listed.
    page.goto(f"/projects/{document.project.slug}/documents/{document.pk}/gold/")
    expect(page.locator("body")).to_have_attribute("data-gold-ready", "true")
    listed = page.get_by_test_id("gold-spans")
    expect(listed.locator("li")).to_have_count(3)
    expect(listed).to_contain_text("Eleven months, as the official record says.")
    expect(listed).to_contain_text("Official statement")
    painted = page.evaluate("CSS.highlights.get('cat-detention').size")
    assert painted == 3

    assert_exports_carry(document.project, expected)


def assert_exports_carry(project, expected) -> None:
    """Every export of the gold layer holds exactly the expected spans, attributes and notes."""

    def export(name: str) -> bytes:
        options = ExportOptions(format=name, layer="gold")
        return b"".join(export_start(project=project, options=options, actor=None).chunks)

    [line] = [json.loads(row) for row in export("jsonl").decode().splitlines()]
    read = {
        (s["quote"], s["category"]): (s["evidence_status"], s["source_type"], s.get("note", ""))
        for s in line["spans"]
    }
    assert read == expected, "jsonl"

    import csv

    rows = list(csv.DictReader(io.StringIO(export("csv").decode("utf-8-sig"))))
    read = {
        (row["quote"], row["category"]): (row["evidence_status"], row["source_type"], row["note"])
        for row in rows
    }
    assert read == expected, "csv"

    items = json.loads(export("w3c"))["first"]["items"]
    read = {}
    for item in items:
        bodies = {body["purpose"]: [] for body in item["body"]}
        for body in item["body"]:
            bodies[body["purpose"]].append(body["value"])
        classified = dict(value.split(": ", 1) for value in bodies.get("classifying", []))
        read[(item["target"]["selector"][1]["exact"], bodies["tagging"][0])] = (
            classified["evidence_status"],
            classified["source_type"],
            (bodies.get("commenting") or [""])[0],
        )
    assert read == expected, "w3c"

    with zipfile.ZipFile(io.BytesIO(export("brat"))) as archive:
        [ann] = [archive.read(n).decode() for n in archive.namelist() if n.endswith(".ann")]
    spans, attributes, notes = {}, {}, {}
    for row in ann.splitlines():
        key, _, rest = row.partition("\t")
        if key.startswith("T"):
            kind, quote = rest.split("\t")
            spans[key] = (quote, kind.split(" ")[0])
        elif key.startswith("A"):
            name, target, value = rest.split(" ")
            attributes.setdefault(target, {})[name] = value
        elif key.startswith("#"):
            _, target = rest.split("\t")[0].split(" ")
            notes[target] = rest.split("\t")[1]
    assert len(spans) == len(expected), "brat"
    for key, (quote, _) in spans.items():
        values = list(attributes.get(key, {}).values())
        status, source, note = next(v for (q, _), v in expected.items() if q == quote)
        assert status in values, ("brat", quote, values)
        assert source in values, ("brat", quote, values)
        assert notes.get(key, "") == note, ("brat note", quote)

    import spacy
    from spacy.tokens import DocBin

    [doc] = DocBin().from_bytes(export("spacy")).get_docs(spacy.blank("xx").vocab)
    read = {
        (doc.text[s["start"] : s["end"]], s["category"]): (
            s["attributes"]["evidence_status"],
            s["attributes"]["source_type"],
            s["note"],
        )
        for s in doc.user_data["spans"]
    }
    assert read == expected, "spacy user_data"


def test_two_moderators_on_one_item_the_second_is_told_who_decided(curation: Page, new_page):
    first = curation
    document = first.document  # type: ignore[attr-defined]
    second = new_page()
    MembershipFactory(
        project=document.project,
        user=UserFactory(username="moderator-2"),
        role=Role.MODERATOR,
    )
    log_in(second, "moderator-2")
    second.goto(f"/projects/{document.project.slug}/documents/{document.pk}/curate/")
    expect(second.locator("body")).to_have_attribute("data-curation-ready", "true")
    go_to_item(first, "Guards beat him")
    go_to_item(second, "Guards beat him")
    first.keyboard.press("a")
    wait_saved(first)
    second.watch.expect_failure(r"/api/v1/items/\d+/resolve")  # type: ignore[attr-defined]
    second.keyboard.press("b")
    message = second.locator("#editor-message")
    expect(message).to_contain_text("already resolved by moderator")
    expect(current(second)).to_have_attribute("data-status", "resolved")
    # The first moderator's gold span is on the second's page too, not overwritten.
    expect(second.locator("#item-decided")).to_contain_text(
        re.compile("Resolved by \u2068moderator\u2069 .*: Accepted one reviewer's version")
    )
    [gold] = GoldSpan.objects.filter(document=document, start=at("Guards beat him")[0])
    assert gold.category.code == "torture"
    # A function, not an expression string: the page's CSP refuses the eval a string needs.
    second.wait_for_function("() => CSS.highlights.get('cat-torture')?.size === 1")
