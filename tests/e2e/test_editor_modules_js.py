"""The editor's state and save queue (static/annotator/editor/spans.js and store.js), run in
Chromium itself without the editor page: a SaveQueue sends to a stand-in server (a function
in place of ``fetch``), so every answer, its order and its timing are the test's to choose.
Then the page's own wiring: the test hooks only when asked for, and a read-only layer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from annotator.models import Annotation, Assignment, Category, Role
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import parse_taxonomy
from tests.e2e.conftest import log_in
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
TEXT = "He was detained in a camp without charge."

# Loaded before each test's own lines: the modules, and a stand-in for the server.
HARNESS = """
const { SpanStore } = await import('/static/annotator/editor/spans.js');
const { SaveQueue } = await import('/static/annotator/editor/store.js');
const { SaveStatus } = await import('/static/annotator/editor/status.js');
const { TextIndex } = await import('/static/annotator/editor/text.js');

const TEXT = "He was detained in a camp without charge.";
const FIELDS = {
  editable: ["start", "end", "quote", "category", "note", "evidence_status", "source_type"],
  defaults: { note: "", evidence_status: "unknown", source_type: "other" },
};
const at = (word) => ({ start: TEXT.indexOf(word), end: TEXT.indexOf(word) + word.length });

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(condition, what) {
  for (let tries = 0; tries < 600; tries++) {
    if (condition()) return;
    await pause(5);
  }
  throw new Error(`gave up waiting for ${what}`);
}

/** A promise the test resolves when it wants: an answer held back. */
function gate() {
  let open;
  const opened = new Promise((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

// Answers as the API does, unless ``answer(request)`` returns [status, body, type?], an Error
// to throw (the network failed), or a promise of either.
function fakeServer(answer = () => undefined) {
  const server = { requests: [], nextId: 100 };
  server.fetch = async (url, init) => {
    const body = init.body === undefined ? undefined : JSON.parse(init.body);
    const request = { method: init.method, url, body };
    server.requests.push(request);
    let reply = await answer(request);
    if (reply === undefined || reply === null) {
      if (request.method === "POST") reply = [201, { id: server.nextId++, version: 1, ...body }];
      else if (request.method === "PATCH") reply = [200, { version: body.version + 1 }];
      else reply = [204, undefined];
    }
    if (reply instanceof Error) throw reply;
    const [status, answerBody, type = "application/json"] = reply;
    const text = answerBody === undefined ? null
      : typeof answerBody === "string" ? answerBody : JSON.stringify(answerBody);
    return new Response(text, { status, headers: { "Content-Type": type } });
  };
  return server;
}

/** A store and its queue against a stand-in server, with what they told the world. */
function editor({ answer, fields = FIELDS, readOnly = false, snap } = {}) {
  const server = fakeServer(answer);
  const states = [];
  const queue = new SaveQueue({
    csrfToken: "token",
    fetch: server.fetch,
    onState: (state, detail, pending, counts) => states.push({ state, pending, ...counts }),
  });
  const messages = [];
  const spans = new SpanStore({
    queue,
    index: new TextIndex(TEXT),
    fields,
    readOnly,
    snap,
    urls: {
      annotations: "/api/v1/documents/1/annotations",
      annotation: (id) => `/api/v1/annotations/${id}`,
    },
    onMessage: (text, kind = "danger") => messages.push([kind, text]),
  });
  const events = [];
  spans.subscribe((event) =>
    events.push([event.type, event.cause ?? null, event.span?.localId ?? null]),
  );
  const settled = () => until(() => queue.pending === 0 && !queue.running, "the queue to empty");
  const sent = () => server.requests.map(({ method, url, body }) =>
    body === undefined ? `${method} ${url}` : `${method} ${url} ${JSON.stringify(body)}`);
  return { server, queue, spans, events, messages, states, settled, sent };
}
"""


@pytest.fixture
def js(page: Page) -> Page:
    UserFactory(username="someone")
    log_in(page, "someone")
    return page


def run(page: Page, body: str):
    # Strict, as modules are: writing to a frozen span throws instead of doing nothing.
    return page.evaluate(f'async () => {{\n"use strict";\n{HARNESS}\n{body}\n}}')


# --- spans.js: the state and its one owner ---------------------------------------------


def test_create_shows_selects_and_saves_the_fields_the_server_names(js: Page):
    result = run(
        js,
        """
        // The server says what a span is made of: here without a source type, and another
        // default status. The store sends exactly those fields.
        const fields = {
          editable: ["start", "end", "quote", "category", "note", "evidence_status"],
          defaults: { note: "", evidence_status: "alleged" },
        };
        const { spans, events, settled, sent } = editor({ fields });
        const span = spans.create({ ...at("detained"), category: "detention" });
        const before = { events: [...events], selected: spans.selected?.localId, span };
        let mutated = true;
        try { span.category = "torture"; } catch { mutated = false; }
        await settled();
        return { before, frozen: Object.isFrozen(span), mutated, category: span.category,
                 after: spans.get(span.localId), events, sent: sent() };
        """,
    )
    assert result["before"]["events"] == [["add", "create", 1], ["select", None, 1]]
    assert result["before"]["selected"] == 1
    assert result["before"]["span"] == {
        "localId": 1,
        "id": None,
        "unsaved": True,
        "start": 7,
        "end": 15,
        "quote": "detained",
        "category": "detention",
        "note": "",
        "evidence_status": "alleged",
    }
    # Subscribers get frozen snapshots: only the store changes a span.
    assert (result["frozen"], result["mutated"], result["category"]) == (True, False, "detention")
    assert result["events"][2:] == [["change", "created", 1]]
    assert result["after"]["id"] == 100
    assert result["after"]["unsaved"] is False
    assert result["sent"] == [
        "POST /api/v1/documents/1/annotations "
        '{"start":7,"end":15,"quote":"detained","category":"detention","note":"",'
        '"evidence_status":"alleged"}'
    ]


def test_changes_made_before_the_server_answers_are_sent_in_order_with_its_ids(js: Page):
    result = run(
        js,
        """
        const held = gate();
        const { spans, events, settled, sent } = editor({
          answer: (request) => (request.method === "POST" ? held.opened.then(() => {}) : undefined),
        });
        const span = spans.create({ ...at("camp"), category: "detention" });
        spans.update(span, { category: "torture" });
        spans.update(spans.get(span.localId), { start: at("a camp").start });
        spans.remove(spans.get(span.localId));
        const shown = { events: [...events], size: spans.size, selected: spans.selected };
        held.open();
        await settled();
        return { shown, events, sent: sent() };
        """,
    )
    assert result["shown"]["events"] == [
        ["add", "create", 1],
        ["select", None, 1],
        ["change", "edit", 1],
        ["change", "edit", 1],
        ["select", None, None],
        ["remove", "delete", 1],
    ]
    assert (result["shown"]["size"], result["shown"]["selected"]) == (0, None)
    # The span is gone from the screen: the answers change nothing there.
    assert result["events"] == result["shown"]["events"]
    # Each change asks for its request when its turn comes: the id and version from the
    # answer before it, the quote recomputed from the new offsets.
    assert result["sent"] == [
        "POST /api/v1/documents/1/annotations "
        '{"start":21,"end":25,"quote":"camp","category":"detention","note":"",'
        '"evidence_status":"unknown","source_type":"other"}',
        'PATCH /api/v1/annotations/100 {"version":1,"category":"torture"}',
        'PATCH /api/v1/annotations/100 {"version":2,"start":19,"quote":"a camp"}',
        "DELETE /api/v1/annotations/100?version=3",
    ]


def test_a_change_made_while_the_create_is_on_its_way_is_not_lost_to_its_answer(js: Page):
    result = run(
        js,
        """
        const created = gate();
        const changed = gate();
        const { spans, settled, sent } = editor({
          answer: (request) =>
            (request.method === "POST" ? created : changed).opened.then(() => undefined),
        });
        const span = spans.create({ ...at("camp"), category: "detention" });
        await until(() => sent().length === 1, "the create to be sent");
        spans.update(span, { category: "torture" });  // after the create left, before its answer
        created.open();
        await until(() => spans.get(1).id !== null, "the create's answer");
        const between = spans.get(1);
        changed.open();
        await settled();
        return { between, after: spans.get(1), sent: sent() };
        """,
    )
    # The create's answer says "detention"; the change still on its way wins, and the span
    # stays unsaved until that change is answered too.
    assert (result["between"]["category"], result["between"]["unsaved"]) == ("torture", True)
    assert (result["after"]["category"], result["after"]["unsaved"]) == ("torture", False)
    assert result["sent"][1] == 'PATCH /api/v1/annotations/100 {"version":1,"category":"torture"}'


def test_undo_goes_back_one_change_at_a_time_and_a_deleted_span_comes_back_the_same(js: Page):
    result = run(
        js,
        """
        const { spans, events, messages, settled, sent } = editor();
        const span = spans.create({ ...at("detained"), category: "detention" });
        spans.update(span, { note: "Witness saw the arrest" });
        spans.update(spans.get(1), { category: "torture" });
        spans.remove(spans.get(1));
        await settled();
        const steps = [];
        for (let step = 0; step < 5; step++) {
          const from = events.length;
          const sentBefore = sent().length;
          const undone = spans.undo();
          await settled();
          steps.push({ undone, events: events.slice(from), sent: sent().slice(sentBefore),
                       span: spans.get(1) });
        }
        return { steps, messages };
        """,
    )
    restored, category, note, created, nothing = result["steps"]
    # Undoing the delete brings back the same span (same local id, category and note) as a
    # new annotation, so that the undo steps before it still find it.
    assert restored["events"] == [["add", "undo", 1], ["select", None, 1], ["change", "created", 1]]
    assert restored["span"]["category"] == "torture"
    assert restored["span"]["note"] == "Witness saw the arrest"
    assert restored["span"]["id"] == 101
    assert restored["sent"] == [
        "POST /api/v1/documents/1/annotations "
        '{"start":7,"end":15,"quote":"detained","category":"torture",'
        '"note":"Witness saw the arrest","evidence_status":"unknown","source_type":"other"}'
    ]
    assert category["events"] == [["change", "undo", 1], ["change", "saved", 1]]
    assert category["sent"] == [
        'PATCH /api/v1/annotations/101 {"version":1,"category":"detention"}'
    ]
    assert note["sent"] == ['PATCH /api/v1/annotations/101 {"version":2,"note":""}']
    assert created["events"] == [["select", None, None], ["remove", "undo", 1]]
    assert created["sent"] == ["DELETE /api/v1/annotations/101?version=3"]
    assert created["span"] is None
    assert (nothing["undone"], nothing["sent"], nothing["events"]) == (False, [], [])
    assert result["messages"] == [["info", "Nothing to undo."]]


def test_a_span_deleted_and_brought_back_while_the_server_is_away_is_not_doubled(js: Page):
    result = run(
        js,
        """
        let away = false;
        const { spans, queue, states, settled, sent } = editor({
          answer: () => (away ? new TypeError("Failed to fetch") : undefined),
        });
        spans.create({ ...at("detained"), category: "detention" });
        await settled();
        away = true;
        spans.remove(spans.get(1));
        await until(() => states.at(-1).state === "retrying", "the delete to fail");
        spans.undo();  // brought back while its delete still waits to be sent
        away = false;
        queue.retryNow();
        await settled();
        return { sent: sent(), span: spans.get(1) };
        """,
    )
    # Each change goes to the annotation it was made for: the old one is deleted, the span
    # comes back as a new one, and the server ends with one span, not two.
    assert result["sent"][1:] == [
        "DELETE /api/v1/annotations/100?version=1",
        "DELETE /api/v1/annotations/100?version=1",
        "POST /api/v1/documents/1/annotations "
        '{"start":7,"end":15,"quote":"detained","category":"detention","note":"",'
        '"evidence_status":"unknown","source_type":"other"}',
    ]
    assert (result["span"]["id"], result["span"]["unsaved"]) == (101, False)


def test_refused_changes_are_put_back_as_the_server_has_them_with_the_reason(js: Page):
    result = run(
        js,
        """
        let next = [];  // the answers to give, in turn; then as the API does
        const current = { id: 100, version: 7, start: 7, end: 15, quote: "detained",
          category: "torture", note: "from elsewhere", evidence_status: "likely",
          source_type: "other" };
        const { spans, events, messages, states, settled } = editor({ answer: () => next.shift() });
        const out = {};

        next = [[400, { detail: "The quote does not match the text." }]];
        spans.create({ ...at("camp"), category: "detention" });
        await settled();
        out.create = { events: events.splice(0), size: spans.size, selected: spans.selected };

        spans.create({ ...at("detained"), category: "detention" });
        await settled();
        events.splice(0);
        next = [[400, { detail: "A note is at most 10,000 characters." }]];
        spans.update(spans.get(2), { note: "too long" });
        await settled();
        out.update = { events: events.splice(0), note: spans.get(2).note };

        next = [[409, { detail: "Changed elsewhere.", current }]];
        spans.update(spans.get(2), { category: "forced_labour" });
        await settled();
        out.conflict = { events: events.splice(0), span: spans.get(2) };

        next = [[409, { detail: "Changed elsewhere.", current: { ...current, version: 8 } }]];
        spans.remove(spans.get(2));
        await settled();
        out.remove = { events: events.splice(0), span: spans.get(2) };

        next = [[404, { detail: "Not found." }]];
        spans.remove(spans.get(2));
        await settled();
        out.gone = { events: events.splice(0), size: spans.size };
        return { out, messages, refused: states.filter((s) => s.state === "refused").length };
        """,
    )
    out = result["out"]
    assert out["create"] == {
        "events": [
            ["add", "create", 1],
            ["select", None, 1],
            ["select", None, None],
            ["remove", "refused", 1],
        ],
        "size": 0,
        "selected": None,
    }
    assert out["update"] == {
        "events": [["change", "edit", 2], ["change", "refused", 2]],
        "note": "",
    }
    assert out["conflict"]["events"] == [["change", "edit", 2], ["change", "refused", 2]]
    assert out["conflict"]["span"]["note"] == "from elsewhere"
    assert out["conflict"]["span"]["category"] == "torture"
    # A refused delete brings the span back, as the server has it.
    assert out["remove"]["events"] == [
        ["select", None, None],
        ["remove", "delete", 2],
        ["add", "refused", 2],
    ]
    assert out["remove"]["span"]["evidence_status"] == "likely"
    # Already deleted elsewhere: gone here too, and nothing to say.
    assert out["gone"] == {"events": [["remove", "delete", 2]], "size": 0}
    assert result["messages"] == [
        ["danger", "The span “\u2068camp\u2069” was not saved: The quote does not match the text."],
        ["danger", "The change was not saved: A note is at most 10,000 characters."],
        [
            "warning",
            "This span was changed elsewhere since the page was loaded; it now shows the saved"
            " version.",
        ],
        ["danger", "The span was not deleted: Changed elsewhere."],
    ]
    assert result["refused"] == 5


def test_changes_to_a_span_the_server_refused_are_never_sent(js: Page):
    result = run(
        js,
        """
        const held = gate();
        const { spans, queue, events, settled, sent } = editor({
          answer: (request) =>
            request.method === "POST" ? held.opened.then(() => [400, { detail: "No." }]) : null,
        });
        const span = spans.create({ ...at("camp"), category: "detention" });
        spans.update(span, { note: "queued behind the create" });
        held.open();
        await settled();
        const counts = { queued: queue.queued, settled: queue.settled };
        // Gone from the screen: a later change, or undoing the earlier ones, sends nothing.
        const later = spans.update(span, { note: "later" });
        spans.undo();
        spans.undo();
        await settled();
        return { counts, later, sent: sent(), queued: queue.queued, events };
        """,
    )
    assert result["counts"] == {"queued": 2, "settled": 2}
    assert result["later"] is False
    assert result["sent"] == [
        "POST /api/v1/documents/1/annotations "
        '{"start":21,"end":25,"quote":"camp","category":"detention",'
        '"note":"","evidence_status":"unknown","source_type":"other"}'
    ]
    assert result["queued"] == 2
    assert result["events"][-2:] == [["select", None, None], ["remove", "refused", 1]]


def test_selection_nudging_read_only_and_a_broken_subscriber(js: Page):
    result = run(
        js,
        """
        const out = {};
        // Nudging asks the page for the nearest whole-character boundary: here always one
        // unit further in the direction of the move.
        const snaps = [];
        const snap = (offset, direction) => {
          snaps.push([offset, direction]);
          return direction === "up" ? offset + 1 : offset - 1;
        };
        const { spans, events, settled, sent } = editor({ snap });
        const span = spans.create({ ...at("detained"), category: "detention" });
        await settled();
        out.moves = [
          spans.nudge(span, "end", 1),
          spans.nudge(spans.get(1), "start", 1),
          spans.nudge(spans.get(1), "start", -1),
        ];
        out.span = spans.get(1);
        out.snaps = snaps;
        const letter = spans.create({ start: 19, end: 20, category: "detention" });  // "a"
        out.emptied = spans.nudge(letter, "end", -1);  // would end where it starts
        // Selecting what is selected tells nobody; a span that is gone cannot be selected.
        const before = events.length;
        spans.select(spans.get(2));
        out.reselected = events.slice(before);
        spans.select({ localId: 99 });
        out.selectedGone = spans.selected;

        // A subscriber that throws is reported, and the others are still told.
        const reported = [];
        const onError = (event) => { reported.push(event.message); event.preventDefault(); };
        window.addEventListener("error", onError);
        const stopThrowing = spans.subscribe(() => { throw new Error("listener broke"); });
        const told = [];
        const stopTelling = spans.subscribe((event) => told.push(event.type));
        spans.update(spans.get(1), { category: "torture" });
        stopThrowing();
        stopTelling();
        window.removeEventListener("error", onError);
        out.reported = reported;
        out.told = told;
        await settled();

        const readOnly = editor({ readOnly: true });
        out.readOnly = {
          created: readOnly.spans.create({ ...at("camp"), category: "detention" }),
          undone: readOnly.spans.undo(),
          events: readOnly.events,
          queued: readOnly.queue.queued,
          messages: readOnly.messages,
        };
        out.sent = sent();
        return out;
        """,
    )
    assert result["moves"] == [True, True, True]
    assert result["snaps"] == [[16, "up"], [8, "up"], [8, "down"], [19, "down"]]
    assert (result["span"]["start"], result["span"]["end"]) == (7, 17)
    assert result["span"]["quote"] == "detained i"
    assert result["emptied"] is False
    assert (result["reselected"], result["selectedGone"]) == ([], None)
    assert len(result["reported"]) == 1
    assert "listener broke" in result["reported"][0]
    assert result["told"] == ["change"]
    assert result["readOnly"] == {
        "created": None,
        "undone": False,
        "events": [],
        "queued": 0,
        "messages": [],
    }
    patches = [request for request in result["sent"] if request.startswith("PATCH")]
    assert patches == [
        'PATCH /api/v1/annotations/100 {"version":1,"start":7,"end":17,"quote":"detained i"}',
        'PATCH /api/v1/annotations/100 {"version":2,"start":9,"end":17,"quote":"tained i"}',
        'PATCH /api/v1/annotations/100 {"version":3,"start":7,"end":17,"quote":"detained i"}',
        'PATCH /api/v1/annotations/100 {"version":4,"category":"torture"}',
    ]


# --- store.js: the save queue ----------------------------------------------------------


def test_queue_keeps_order_and_asks_for_each_request_when_its_turn_comes(js: Page):
    result = run(
        js,
        """
        const held = gate();
        const server = fakeServer((request) =>
          request.url === "/first" ? held.opened.then(() => [201, { id: 7 }]) : [200, {}]);
        const states = [];
        const queue = new SaveQueue({ csrfToken: "token", fetch: server.fetch,
          onState: (state, detail, pending, { queued, settled }) =>
            states.push([state, pending, queued, settled]) });
        let id = null;
        const told = [];
        const refused = () => told.push("refused");
        queue.enqueue({ request: () => ({ method: "POST", url: "/first", body: {} }),
          onSuccess: (body) => { id = body.id; told.push("first"); }, onRefused: refused });
        queue.enqueue({ request: () => null, onSuccess: () => told.push("skipped"),
          onRefused: refused });
        queue.enqueue({ request: () => ({ method: "PATCH", url: `/second/${id}` }),
          onSuccess: () => told.push("second"), onRefused: refused });
        const whileHeld = { pending: queue.pending, urls: server.requests.map((r) => r.url),
                            states: [...states] };
        held.open();
        await until(() => queue.pending === 0 && !queue.running, "the queue to empty");
        return { whileHeld, urls: server.requests.map((r) => r.url), told, states };
        """,
    )
    assert result["whileHeld"] == {
        "pending": 3,
        "urls": ["/first"],
        "states": [["saving", 1, 1, 0], ["saving", 2, 2, 0], ["saving", 3, 3, 0]],
    }
    # The third request was made after the first's answer, with the id it gave; the one that
    # needed no request counts as settled without reaching the server.
    assert result["urls"] == ["/first", "/second/7"]
    assert result["told"] == ["first", "second"]
    assert result["states"][3:] == [["saving", 2, 3, 1], ["saved", 0, 3, 3], ["saved", 0, 3, 3]]


def test_network_failures_and_server_errors_are_retried_with_the_badge_saying_so(js: Page):
    result = run(
        js,
        """
        const failures = [new TypeError("Failed to fetch"), [503, { detail: "Down" }], [401, {}]];
        const server = fakeServer(() => failures.shift());
        const badge = document.createElement("span");
        const messageBox = document.createElement("div");
        const status = new SaveStatus({ badge, messageBox });
        const queue = new SaveQueue({ csrfToken: "token", fetch: server.fetch,
          onState: (...state) => status.showState(...state) });
        const seen = [];
        const look = () => seen.push({ ...badge.dataset, text: badge.textContent,
          message: messageBox.hidden ? null : messageBox.textContent });
        let saved = 0;
        const started = performance.now();
        queue.enqueue({ request: () => ({ method: "POST", url: "/spans", body: {} }),
          onSuccess: () => { saved += 1; }, onRefused: () => {} });
        for (let attempt = 1; attempt <= 3; attempt++) {
          await until(
            () => server.requests.length === attempt && badge.dataset.state === "retrying",
            `failure ${attempt}`);
          look();
          queue.retryNow();  // the badge's click: no waiting out the pause
        }
        await until(() => badge.dataset.state === "saved" && !queue.running, "the save");
        look();
        const elapsed = performance.now() - started;
        return { seen, saved, requests: server.requests.length, elapsed };
        """,
    )
    network, server_error, logged_out, saved = result["seen"]
    assert network["state"] == "retrying"
    assert (network["pending"], network["queued"], network["settled"]) == ("1", "1", "0")
    assert network["text"] == "Not saved yet: retrying (1 pending)"
    assert network["message"] == (
        "The server cannot be reached. Your changes are kept and will be saved; retrying in 1 s."
    )
    assert server_error["message"].startswith("The server answered 503. ")
    assert server_error["message"].endswith("retrying in 2 s.")
    assert logged_out["message"].startswith("You are logged out: log in again in another tab. ")
    assert saved == {
        "state": "saved",
        "pending": "0",
        "queued": "1",
        "settled": "1",
        "text": "All changes saved",
        "message": None,
    }
    assert (result["saved"], result["requests"]) == (1, 4)
    # The pauses alone would have taken 1 + 2 + 4 seconds.
    assert result["elapsed"] < 3000


def test_a_refused_change_is_dropped_with_its_reason_and_the_next_one_sent(js: Page):
    result = run(
        js,
        """
        const answers = {
          "/refused": [400, { detail: "The quote does not match the text." }],
          "/not-json": [422, "Unprocessable", "text/plain"],
          "/fine": [200, {}],
        };
        const server = fakeServer((request) => answers[request.url]);
        const states = [];
        const queue = new SaveQueue({ csrfToken: "token", fetch: server.fetch,
          onState: (state, detail, pending) => states.push([state, detail, pending]) });
        const told = [];
        for (const url of ["/refused", "/not-json", "/fine"]) {
          queue.enqueue({ request: () => ({ method: "POST", url, body: {} }),
            onSuccess: () => told.push(["success", url]),
            onRefused: (status, body) => told.push(["refused", url, status, body]) });
        }
        await until(() => queue.pending === 0 && !queue.running, "the queue to empty");
        queue.retryNow();  // nothing is waiting: nothing happens
        return { told, states: states.filter(([state]) => state !== "saving"),
                 requests: server.requests.length, counts: [queue.queued, queue.settled] };
        """,
    )
    assert result["told"] == [
        ["refused", "/refused", 400, {"detail": "The quote does not match the text."}],
        ["refused", "/not-json", 422, {"detail": "The server answered 422 without JSON."}],
        ["success", "/fine"],
    ]
    assert result["states"] == [
        ["refused", "The quote does not match the text.", 2],
        ["refused", "The server answered 422 without JSON.", 1],
        ["saved", "", 0],
        ["saved", "", 0],
    ]
    assert (result["requests"], result["counts"]) == (3, [3, 3])


# --- popup.js: placement -----------------------------------------------------------------


def test_the_popup_goes_below_the_selection_above_it_or_inside_the_window(js: Page):
    result = js.evaluate(
        """async () => {
          const { popupPlace } = await import('/static/annotator/editor/popup.js');
          const view = { width: 1000, height: 700 };
          const line = (top, right = 500) => ({ top, bottom: top + 20, right });
          return {
            below: popupPlace(line(100), line(100), 200, 300, view),
            above: popupPlace(line(600), line(600), 200, 300, view),
            neither: popupPlace(line(250), line(300), 200, 600, view),
            rightEdge: popupPlace(line(100, 990), line(100, 990), 200, 300, view),
            leftEdge: popupPlace(line(100, 20), line(100, 20), 200, 300, view),
          };
        }"""
    )
    assert result == {
        "below": {"left": 400, "top": 126},
        "above": {"left": 400, "top": 294},
        "neither": {"left": 400, "top": 92},
        "rightEdge": {"left": 792, "top": 126},
        "leftEdge": {"left": 8, "top": 126},
    }


# --- main.js: what the page wires --------------------------------------------------------


@pytest.fixture
def layer():
    project = ProjectFactory(slug="wiring", name="Wiring")
    specs = parse_taxonomy((SEEDS / "taxonomy.yaml").read_bytes(), filename="taxonomy.yaml")
    taxonomy_load(project=project, specs=specs)
    reviewer = UserFactory(username="reviewer-1")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    document = make_document(project, TEXT, title="Wiring")
    detention = Category.objects.get(project=project, code="detention")
    start = TEXT.index("detained")
    make_annotation(document, reviewer, detention, start, start + len("detained"))
    return document, reviewer


def editor_url(document) -> str:
    return f"/projects/{document.project.slug}/documents/{document.pk}/annotate/"


def test_the_test_hooks_load_only_when_the_address_asks_for_them(page: Page, layer):
    document, _ = layer
    log_in(page, "reviewer-1")
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url))
    page.goto(editor_url(document))
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "true")
    assert page.evaluate("() => window.annotatorEditor") is None
    assert page.evaluate("() => performance.getEntriesByType('measure').length") == 0
    assert not [url for url in scripts if "/instrument" in url]
    assert [url for url in scripts if re.search(r"/editor/main(\.[0-9a-f]+)?\.js$", url)]

    page.goto(editor_url(document) + "?instrument=1")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "true")
    hooks = page.evaluate(
        """() => ({
          painted: typeof window.annotatorEditor.paintedAt,
          spans: window.annotatorEditor.spans().map((span) => span.quote),
          pending: window.annotatorEditor.queue.pending,
          timings: Object.keys(window.annotatorEditor.timings).sort(),
          measures: performance.getEntriesByType('measure').map((m) => m.name).sort(),
        })"""
    )
    assert hooks == {
        "painted": "number",
        "spans": ["detained"],
        "pending": 0,
        "timings": ["createRequestedAt", "lastCreateSavedMs", "lastCreateShownMs"],
        "measures": ["editor:highlights", "editor:list"],
    }


def test_a_submitted_layer_can_be_read_but_not_changed(page: Page, layer):
    document, reviewer = layer
    Assignment.objects.filter(document=document, reviewer=reviewer).update(
        submitted_at=timezone.now()
    )
    log_in(page, "reviewer-1")
    page.goto(editor_url(document))
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "true")
    expect(page.get_by_test_id("submitted")).to_be_visible()
    # Picking the span in the list shows it, with every control that would change it off.
    page.locator("#span-list").get_by_role("button").click()
    expect(page.locator("#span-details")).to_be_visible()
    expect(page.locator("#detail-quote")).to_have_text("detained")
    for control in ("#detail-category", "#detail-note", "#detail-delete"):
        expect(page.locator(control)).to_be_disabled()
    page.keyboard.press("Delete")
    page.keyboard.press("2")
    # Selecting text offers no categories, and a shortcut key tags nothing.
    tag_first_word_with_the_keyboard(page)
    assert [(a.quote, a.category.code) for a in Annotation.objects.filter(document=document)] == [
        ("detained", "detention")
    ]
    expect(page.locator("#detail-offsets")).to_contain_text("Characters 7–15")


def tag_first_word_with_the_keyboard(page: Page) -> None:
    """Select "camp" in the first line as a reviewer would, then press a category's key."""
    page.evaluate(
        """() => {
          const node = document.querySelector('#document-text .doc-line').firstChild;
          const range = document.createRange();
          range.setStart(node, 21);
          range.setEnd(node, 25);
          const selection = window.getSelection();
          selection.removeAllRanges();
          selection.addRange(range);
          document.getElementById('document-text')
            .dispatchEvent(new MouseEvent('mouseup', {bubbles: true, button: 0, detail: 1}));
        }"""
    )
    expect(page.locator("#category-popup")).to_be_hidden()
    page.keyboard.press("1")
    page.wait_for_timeout(200)
    expect(page.locator("#save-status")).to_have_attribute("data-queued", "0")


def test_a_page_whose_text_differs_from_the_stored_text_changes_nothing(page: Page, layer):
    document, _ = layer
    log_in(page, "reviewer-1")

    def rewritten(route) -> None:  # as a proxy that "fixed" a word would serve it
        response = route.fetch()
        body = response.text().replace("He was detained", "He was arrested", 1)
        route.fulfill(response=response, body=body)

    page.route(re.compile(r"/annotate/$"), rewritten)
    page.goto(editor_url(document))
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "true")
    expect(page.locator("#editor-message")).to_contain_text("differs from the stored text")
    expect(page.locator("#document-text")).to_have_attribute("aria-disabled", "true")
    expect(page.locator("#span-total")).to_have_text("0")
    tag_first_word_with_the_keyboard(page)
    assert Annotation.objects.filter(document=document).count() == 1


def test_a_browser_without_the_highlight_api_is_told_and_changes_nothing(page: Page, layer):
    document, _ = layer
    page.add_init_script("delete CSS.highlights;")
    log_in(page, "reviewer-1")
    page.goto(editor_url(document))
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "true")
    expect(page.locator("#editor-message")).to_contain_text("cannot draw highlights")
    tag_first_word_with_the_keyboard(page)
    assert Annotation.objects.filter(document=document).count() == 1


# --- incidents.js: incident records, through the same queue ------------------------------

INCIDENTS = """
const { IncidentStore } = await import('/static/annotator/editor/incidents.js');
const ROLES = [
  { code: "victims", name: "Victims", categories: ["victim"], multiple: true,
    involvements: [], retired: false },
  { code: "place", name: "Place", categories: ["place"], multiple: false,
    involvements: [], retired: false },
];
function incidentsOf(made) {
  const incidents = new IncidentStore({
    queue: made.queue,
    spans: made.spans,
    roles: ROLES,
    urls: {
      incidents: "/api/v1/documents/1/incidents",
      incident: (id) => `/api/v1/incidents/${id}`,
      slots: (id) => `/api/v1/incidents/${id}/slots`,
      slot: (id, slotId) => `/api/v1/incidents/${id}/slots/${slotId}`,
    },
    onMessage: (text, kind) => made.messages.push([kind, text]),
  });
  const told = [];
  incidents.subscribe((event) => told.push(event.cause));
  return { incidents, told };
}
"""


def test_an_incident_on_spans_not_saved_yet_waits_for_their_ids(js: Page):
    result = run(
        js,
        INCIDENTS
        + """
        const made = editor();
        const { incidents, told } = incidentsOf(made);
        const act = made.spans.create({ ...at("detained"), category: "detention" });
        const victim = made.spans.create({ ...at("He"), category: "victim" });
        const incident = incidents.create(act.localId);
        incidents.addSlot(incident, { role: "victims", span: victim.localId });
        const shown = incidents.get(incident);
        await made.settled();
        return { shown, saved: incidents.get(incident), told, sent: made.sent().slice(2) };
        """,
    )
    # Shown at once, unsaved; sent after the spans' creates, with the ids they were given.
    assert result["shown"]["unsaved"] is True
    assert [slot["unsaved"] for slot in result["shown"]["slots"]] == [True]
    assert result["sent"] == [
        'POST /api/v1/documents/1/incidents {"act":100,"note":"","evidence_status":"unknown"}',
        'POST /api/v1/incidents/102/slots {"role":"victims","annotation":101,"involvement":""}',
    ]
    assert result["saved"]["id"] == 102
    assert result["saved"]["unsaved"] is False
    assert result["saved"]["slots"][0]["id"] == 103
    assert result["told"] == ["create", "slot-add", "created", "slot-saved"]


def test_a_refused_slot_is_taken_back_and_a_stale_change_shows_the_servers(js: Page):
    result = run(
        js,
        INCIDENTS
        + """
        const made = editor({
          answer: (request) => {
            if (request.url.endsWith("/slots")) {
              const detail = "The role 'Place' cannot be filled by a span of 'detention'.";
              return [400, { detail }];
            }
            if (request.method === "PATCH") {
              return [409, { detail: "changed", current: {
                id: 1, document: 1, act: 100, note: "From elsewhere", evidence_status: "likely",
                version: 5, slots: [] } }];
            }
            return undefined;
          },
        });
        const act = made.spans.create({ ...at("detained"), category: "detention" });
        await made.settled();
        const { incidents, told } = incidentsOf(made);
        incidents.load([{ id: 1, document: 1, act: 100, note: "", evidence_status: "unknown",
                          version: 1, slots: [] }]);
        const [incident] = incidents.all();
        incidents.addSlot(incident.localId, { role: "place", span: act.localId });
        await made.settled();
        const afterSlot = incidents.get(incident.localId);
        incidents.update(incident.localId, { evidence_status: "confirmed" });
        const edited = incidents.get(incident.localId).evidence_status;
        await made.settled();
        return { afterSlot, edited, after: incidents.get(incident.localId), told,
                 messages: made.messages, sent: made.sent().slice(1) };
        """,
    )
    assert result["afterSlot"]["slots"] == []
    assert result["edited"] == "confirmed"
    assert (result["after"]["note"], result["after"]["evidence_status"]) == (
        "From elsewhere",
        "likely",
    )
    assert result["told"] == ["load", "slot-add", "refused", "edit", "refused"]
    kinds, texts = zip(*result["messages"], strict=True)
    assert kinds == ("danger", "danger")
    assert "cannot be filled by a span of 'detention'" in texts[0]
    assert "changed elsewhere" in texts[1]
    assert result["sent"] == [
        'POST /api/v1/incidents/1/slots {"role":"place","annotation":100,"involvement":""}',
        'PATCH /api/v1/incidents/1 {"version":1,"evidence_status":"confirmed"}',
    ]
