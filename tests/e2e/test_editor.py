"""The editor in a real browser: select text with the mouse and the keyboard, tag it, and
check what the server stored, in code points, whatever the script."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from annotator.models import Annotation, Role
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import parse_taxonomy
from tests.e2e.conftest import log_in
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, make_document

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
LINES = [
    "He was detained in a camp without charge.",
    "💩 detained in a camp",
    "𠮷 Wei and 𪚥 were beaten in custody.",
    "ئاكام 2017-يىلى تۇتقۇن قىلىندى.",
    "Mixed: he was held at the «تەربىيەلەش مەركىزى» in Ghulja.",
]
TEXT = "\n".join(LINES)


def offset_of(needle: str, line: int) -> tuple[int, int]:
    """Code-point offsets of ``needle`` in line ``line`` of TEXT."""
    start = sum(len(text) + 1 for text in LINES[:line]) + LINES[line].index(needle)
    return start, start + len(needle)


@pytest.fixture
def editor(page: Page):
    project = ProjectFactory(slug="xinjiang", name="Xinjiang documentation")
    specs = parse_taxonomy((SEEDS / "taxonomy.yaml").read_bytes(), filename="taxonomy.yaml")
    taxonomy_load(project=project, specs=specs)
    reviewer = UserFactory(username="reviewer-1")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    document = make_document(project, TEXT, title="Editor test")
    log_in(page, "reviewer-1")
    page.goto(f"/projects/{project.slug}/documents/{document.pk}/annotate/")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "true")
    page.document = document  # type: ignore[attr-defined]
    page.reviewer = reviewer  # type: ignore[attr-defined]
    return page


def char_rects(page: Page, needle: str, line: int) -> dict:
    """Screen rectangles of the first and last character of ``needle`` in a line."""
    return page.evaluate(
        """([needle, line]) => {
          const node = document.querySelectorAll('#document-text .doc-line')[line].firstChild;
          const at = node.data.indexOf(needle);
          const whole = document.createRange();
          whole.setStart(node, at);
          whole.setEnd(node, at + needle.length);
          // Bootstrap makes scrolling smooth: scroll at once, so the rectangles hold.
          const box = whole.getBoundingClientRect();
          if (box.top < 20 || box.bottom > window.innerHeight - 20) {
            window.scrollBy({top: box.top - window.innerHeight / 3, behavior: 'instant'});
          }
          const rect = (from, to) => {
            const range = document.createRange();
            range.setStart(node, from);
            range.setEnd(node, to);
            const box = range.getClientRects()[0];
            return {left: box.left, right: box.right, top: box.top, bottom: box.bottom};
          };
          const end = at + needle.length;
          const firstEnd = at + (needle.codePointAt(0) > 0xffff ? 2 : 1);
          const lastStart = end - (needle.codePointAt(needle.length - 1) > 0xffff ? 2 : 1);
          return {first: rect(at, firstEnd), last: rect(lastStart, end)};
        }""",
        [needle, line],
    )


def select_with_mouse(page: Page, needle: str, line: int) -> None:
    """Drag from the leading edge of the first character to the trailing edge of the last."""
    rects = char_rects(page, needle, line)
    first, last = rects["first"], rects["last"]
    same_line = abs(first["top"] - last["top"]) < 2
    right_to_left = same_line and first["left"] > last["left"]
    start_x = first["right"] - 1 if right_to_left else first["left"] + 1
    end_x = last["left"] + 1 if right_to_left else last["right"] - 1
    page.mouse.move(start_x, (first["top"] + first["bottom"]) / 2)
    page.mouse.down()
    page.mouse.move(end_x, (last["top"] + last["bottom"]) / 2, steps=8)
    page.mouse.up()


def click_on(page: Page, needle: str, line: int) -> None:
    rects = char_rects(page, needle, line)
    first = rects["first"]
    page.mouse.click((first["left"] + first["right"]) / 2, (first["top"] + first["bottom"]) / 2)


def wait_saved(page: Page) -> None:
    """Wait until the server has answered every change queued since the last wait.

    "All changes saved" is also what the badge says before anything was sent, so this waits
    on the queue's own counts: at least one change queued since the previous call, and every
    queued change answered. An action that queued nothing fails here.
    """
    before = getattr(page, "queued_seen", 0)
    try:
        queued = page.wait_for_function(
            """(before) => {
              const state = document.getElementById('save-status').dataset;
              const queued = Number(state.queued);
              const done = queued > before && state.settled === state.queued
                && state.pending === '0' && state.state === 'saved';
              return done ? queued : false;
            }""",
            arg=before,
            timeout=15_000,
        ).json_value()
    except PlaywrightTimeout:
        state = page.locator("#save-status").evaluate("element => ({...element.dataset})")
        raise AssertionError(
            f"no change was saved since the last wait ({before} changes queued then): {state}"
        ) from None
    page.queued_seen = queued  # type: ignore[attr-defined]


def stored(page: Page) -> list[tuple[int, int, str, str]]:
    return [
        (a.start, a.end, a.quote, a.category.code)
        for a in Annotation.objects.filter(document=page.document).select_related("category")
    ]


def test_mouse_selection_tagged_by_shortcut_key(editor: Page):
    select_with_mouse(editor, "detained", 0)
    expect(editor.locator("#category-popup")).to_be_visible()
    editor.watch.audit("category popup open")
    editor.keyboard.press("1")
    wait_saved(editor)
    assert stored(editor) == [(*offset_of("detained", 0), "detained", "detention")]
    expect(editor.locator("[data-count-for=detention]")).to_have_text("1")
    expect(editor.locator("#span-list")).to_contain_text("“detained”")
    # The span just tagged stays selected, its details open.
    expect(editor.locator("#span-details")).to_be_visible()
    expect(editor.locator("#detail-quote")).to_have_text("detained")
    editor.watch.audit("span details open")


def test_a_key_pressed_in_the_same_moment_as_the_release_tags_and_keeps_the_span(editor: Page):
    # Chromium may run the next key's input task before anything the release handler left
    # for later: the release and the key arrive here in one task, as they can for a quick
    # reviewer. The new span must be tagged and stay selected, whatever ran first.
    start, end = offset_of("detained", 0)
    editor.evaluate(
        """([start, end]) => {
          const node = document.querySelectorAll('#document-text .doc-line')[0].firstChild;
          const range = document.createRange();
          range.setStart(node, start);
          range.setEnd(node, end);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          const text = document.getElementById('document-text');
          text.dispatchEvent(new MouseEvent('mouseup', {bubbles: true, button: 0, detail: 1}));
          text.dispatchEvent(new KeyboardEvent('keydown', {key: '1', bubbles: true}));
        }""",
        [start, end],
    )
    editor.wait_for_timeout(100)  # let anything the handlers deferred run, then look
    expect(editor.locator("#span-details")).to_be_visible()
    expect(editor.locator("#detail-quote")).to_have_text("detained")
    wait_saved(editor)
    assert stored(editor) == [(start, end, "detained", "detention")]


def test_popup_choice_and_keyboard_selection(editor: Page):
    select_with_mouse(editor, "camp", 0)
    editor.locator("#category-popup").get_by_text("Forced labour").click()
    wait_saved(editor)
    # Keyboard: put the caret before "without", then extend with shift+arrows.
    click_on(editor, "without", 0)
    editor.keyboard.press("Escape")
    rects = char_rects(editor, "without", 0)
    first = rects["first"]
    editor.mouse.click(first["left"] + 1, (first["top"] + first["bottom"]) / 2)
    for _ in range(len("without")):
        editor.keyboard.press("Shift+ArrowRight")
    editor.keyboard.press("2")
    wait_saved(editor)
    assert sorted(stored(editor)) == [
        (*offset_of("camp", 0), "camp", "forced_labour"),
        (*offset_of("without", 0), "without", "torture"),
    ]


def test_overlapping_nested_and_double_tagged_spans(editor: Page):
    select_with_mouse(editor, "detained in a camp", 0)
    editor.keyboard.press("1")
    select_with_mouse(editor, "in a camp", 0)
    editor.keyboard.press("4")
    select_with_mouse(editor, "in a camp", 0)
    editor.keyboard.press("2")
    wait_saved(editor)
    assert sorted(stored(editor)) == sorted(
        [
            (*offset_of("detained in a camp", 0), "detained in a camp", "detention"),
            (*offset_of("in a camp", 0), "in a camp", "forced_labour"),
            (*offset_of("in a camp", 0), "in a camp", "torture"),
        ]
    )
    # Each stays clickable: a click inside the overlap selects the innermost and lists the rest.
    editor.keyboard.press("Escape")
    click_on(editor, "camp", 0)
    expect(editor.locator("#span-details")).to_be_visible()
    expect(editor.locator("#detail-quote")).to_have_text("in a camp")
    expect(editor.locator("#detail-others-list li")).to_have_count(2)
    editor.locator("#detail-others-list").get_by_text("Arbitrary detention").click()
    expect(editor.locator("#detail-quote")).to_have_text("detained in a camp")


def test_spans_after_emoji_and_cjk_extension_b_are_counted_in_code_points(editor: Page):
    select_with_mouse(editor, "detained", 1)
    editor.keyboard.press("1")
    select_with_mouse(editor, "were beaten", 2)
    editor.keyboard.press("2")
    select_with_mouse(editor, "𪚥", 2)
    editor.keyboard.press("5")
    wait_saved(editor)
    detained = offset_of("detained", 1)
    # doccano stores 3-11 in UTF-16 units for "detained" after 💩: we must store 2-10 in the line.
    assert detained[0] - offset_of("💩", 1)[0] == 2
    assert sorted(stored(editor)) == sorted(
        [
            (*detained, "detained", "detention"),
            (*offset_of("were beaten", 2), "were beaten", "torture"),
            (*offset_of("𪚥", 2), "𪚥", "transnational_repression"),
        ]
    )
    for start, end, quote, _ in stored(editor):
        assert TEXT[start:end] == quote


def test_span_in_a_right_to_left_paragraph(editor: Page):
    select_with_mouse(editor, "تۇتقۇن", 3)
    editor.keyboard.press("1")
    select_with_mouse(editor, "تەربىيەلەش مەركىزى", 4)
    editor.keyboard.press("1")
    wait_saved(editor)
    assert sorted(stored(editor)) == sorted(
        [
            (*offset_of("تۇتقۇن", 3), "تۇتقۇن", "detention"),
            (*offset_of("تەربىيەلەش مەركىزى", 4), "تەربىيەلەش مەركىزى", "detention"),
        ]
    )


def test_selection_never_splits_a_surrogate_pair_or_a_grapheme(editor: Page):
    # A selection that starts inside the emoji's surrogate pair snaps to the whole emoji.
    editor.evaluate(
        """() => {
          const node = document.querySelectorAll('#document-text .doc-line')[1].firstChild;
          const range = document.createRange();
          range.setStart(node, 1);  // between the two UTF-16 units of 💩
          range.setEnd(node, 11);   // after "detained"
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
        }"""
    )
    editor.keyboard.press("1")
    wait_saved(editor)
    start = offset_of("💩", 1)[0]
    assert stored(editor) == [(start, start + 10, "💩 detained", "detention")]


def test_change_category_edit_note_nudge_delete_and_undo(editor: Page):
    select_with_mouse(editor, "detained", 0)
    editor.keyboard.press("1")
    wait_saved(editor)
    editor.keyboard.press("Escape")

    click_on(editor, "detained", 0)
    expect(editor.locator("#span-details")).to_be_visible()
    expect(editor.locator("#detail-quote")).to_have_text("detained")
    editor.keyboard.press("2")  # change the category of the selected span
    editor.locator("#detail-status").select_option("likely")
    editor.locator("#detail-source").select_option("witness_testimony")
    editor.locator("#detail-note").fill("Witness saw the arrest")
    editor.locator("#detail-note").blur()
    wait_saved(editor)
    annotation = Annotation.objects.get(document=editor.document)
    assert annotation.category.code == "torture"
    assert (annotation.evidence_status, annotation.source_type) == ("likely", "witness_testimony")
    assert annotation.note == "Witness saw the arrest"

    editor.locator("#document-text").focus()
    editor.keyboard.press("[")  # start one character earlier: " detained"
    editor.keyboard.press("}")  # end one character later: " detained "
    wait_saved(editor)
    annotation.refresh_from_db()
    start, end = offset_of("detained", 0)
    assert (annotation.start, annotation.end) == (start - 1, end + 1)
    assert annotation.quote == " detained "

    editor.keyboard.press("Control+z")  # undo the last nudge
    wait_saved(editor)
    annotation.refresh_from_db()
    assert (annotation.start, annotation.end) == (start - 1, end)

    editor.keyboard.press("Delete")
    wait_saved(editor)
    assert stored(editor) == []
    expect(editor.locator("#span-total")).to_have_text("0")

    editor.keyboard.press("Control+z")  # undo the delete: the span comes back, saved anew
    wait_saved(editor)
    assert stored(editor) == [(start - 1, end, " detained", "torture")]
    restored = Annotation.objects.get(document=editor.document)
    assert restored.note == "Witness saw the arrest"


def test_a_save_while_the_server_is_down_is_kept_and_saved_later(editor: Page):
    editor.watch.expect_failure("ERR_CONNECTION_REFUSED")
    editor.route("**/api/v1/**", lambda route: route.abort("connectionrefused"))
    select_with_mouse(editor, "detained", 0)
    editor.keyboard.press("1")
    status = editor.locator("#save-status")
    expect(status).to_have_attribute("data-state", "retrying")
    expect(status).to_have_attribute("data-pending", "1")
    expect(editor.locator("#editor-message")).to_contain_text("Your changes are kept")
    expect(editor.locator("#span-list")).to_contain_text("unsaved")
    assert stored(editor) == []

    # Leaving now would lose the change: the page asks the browser to warn first.
    warned = editor.evaluate(
        """() => {
          const event = new Event('beforeunload', {cancelable: true});
          window.dispatchEvent(event);
          return event.defaultPrevented;
        }"""
    )
    assert warned, "leaving with unsaved changes must warn"

    editor.unroute("**/api/v1/**")
    status.click()  # retry now rather than after the pause
    wait_saved(editor)
    assert stored(editor) == [(*offset_of("detained", 0), "detained", "detention")]
    expect(editor.locator("#span-list")).not_to_contain_text("unsaved")


def test_refused_change_is_undone_on_screen_with_the_reason(editor: Page):
    # Another tab changed the span: this tab's edit is stale and gets 409.
    editor.watch.expect_failure(r"(HTTP 409|status of 409)")
    select_with_mouse(editor, "detained", 0)
    editor.keyboard.press("1")
    wait_saved(editor)
    Annotation.objects.filter(document=editor.document).update(version=5, note="from elsewhere")
    editor.locator("#detail-note").fill("my note")
    editor.locator("#detail-note").blur()
    expect(editor.locator("#editor-message")).to_contain_text("changed elsewhere")
    expect(editor.locator("#detail-note")).to_have_value("from elsewhere")
    assert Annotation.objects.get(document=editor.document).note == "from elsewhere"


def test_the_popup_stays_inside_the_window_for_a_selection_near_its_bottom(page: Page):
    project = ProjectFactory(slug="long", name="Long report")
    specs = parse_taxonomy((SEEDS / "taxonomy.yaml").read_bytes(), filename="taxonomy.yaml")
    taxonomy_load(project=project, specs=specs)
    reviewer = UserFactory(username="reviewer-1")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    lines = [f"Paragraph {n}: the detainees were moved at night." for n in range(80)]
    document = make_document(project, "\n".join(lines), title="Long report")
    page.set_viewport_size({"width": 1280, "height": 720})
    log_in(page, "reviewer-1")
    page.goto(f"/projects/{project.slug}/documents/{document.pk}/annotate/")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "true")
    # Bring line 40 to just above the bottom edge of the window.
    page.evaluate(
        """() => {
          const line = document.querySelectorAll('#document-text .doc-line')[40];
          const box = line.getBoundingClientRect();
          window.scrollBy({top: box.bottom - (window.innerHeight - 30), behavior: 'instant'});
        }"""
    )
    select_with_mouse(page, "detainees", 40)
    popup = page.locator("#category-popup")
    expect(popup).to_be_visible()
    box = popup.bounding_box()
    assert box is not None
    inside = (box["y"] >= 0, box["y"] + box["height"] <= 720)
    assert all(inside), f"popup at {box} in a 720 px high window"
    inside = (box["x"] >= 0, box["x"] + box["width"] <= 1280)
    assert all(inside), f"popup at {box} in a 1280 px wide window"
    expect(popup.get_by_text("Transnational repression")).to_be_in_viewport()
    # The popup does not cover the selection it is for.
    selection = page.evaluate(
        """() => {
          const box = window.getSelection().getRangeAt(0).getBoundingClientRect();
          return {top: box.top, bottom: box.bottom};
        }"""
    )
    assert box["y"] + box["height"] <= selection["top"] or box["y"] >= selection["bottom"]
    page.keyboard.press("5")
    wait_saved(page)
    start = sum(len(line) + 1 for line in lines[:40]) + lines[40].index("detainees")
    assert [(a.start, a.quote) for a in Annotation.objects.filter(document=document)] == [
        (start, "detainees")
    ]
