// The curation page: the canonical text once, the gold layer painted over it and editable
// with the editor's own pieces (exact offsets, nudges, details, undo, the save queue), each
// reviewer's layer underlined beneath it, the moderation items (items.js) marked in the
// margin and decided from the sidebar, and the imported layers to copy from (imported.js).
// Everything is saved through the API, in one queue.

import { Details } from "./details.js";
import { Highlights, spansUsable } from "./highlights.js";
import { ImportedLayers } from "./imported.js";
import { bindInput } from "./input.js";
import { ItemBoard } from "./items.js";
import { DocumentOffsets } from "./offsets.js";
import { CategoryPopup } from "./popup.js";
import { SpanStore } from "./spans.js";
import { guardUnsaved, SaveStatus } from "./status.js";
import { SaveQueue } from "./store.js";
import { TextIndex } from "./text.js";

const started = performance.now();
const data = JSON.parse(document.getElementById("curation-data").textContent);
const article = document.getElementById("document-text");
const badge = document.getElementById("save-status");
const status = new SaveStatus({ badge, messageBox: document.getElementById("editor-message") });
const showMessage = (text, kind) => status.showMessage(text, kind);
const queue = new SaveQueue({
  csrfToken: data.csrfToken,
  onState: (...state) => status.showState(...state),
});
const index = new TextIndex(data.text);
const offsets = new DocumentOffsets(article, index);
const categories = new Map(data.categories.map((category) => [category.code, category]));
const api = data.apiBase;

const usable = spansUsable({ offsets, text: data.text, article, showMessage, what: "curation" });

// The gold layer, saved through the gold endpoints exactly as the editor saves a layer.
const gold = new SpanStore({
  queue,
  index,
  fields: data.fields,
  urls: {
    annotations: `${api}documents/${data.documentId}/gold`,
    annotation: (id) => `${api}gold/${id}`,
  },
  readOnly: !usable,
  snap: (offset, direction) => offsets.snap(offset, direction),
  onMessage: showMessage,
});

// Each reviewer's layer, underlined beneath the gold layer in a style of its own.
const layers = new Map(); // letter -> {highlight, name}
function paintLayers() {
  data.reviewers.forEach((reviewer) => {
    const highlight = new Highlight();
    for (const [start, end] of data.layers[reviewer.letter] || []) {
      highlight.add(offsets.rangeFor(start, end));
    }
    const name = `layer-${reviewer.style}`;
    layers.set(reviewer.letter, { highlight, name });
    CSS.highlights.set(name, highlight);
  });
  for (const toggle of document.querySelectorAll(".layer-toggle")) {
    toggle.addEventListener("change", () => {
      const layer = layers.get(toggle.dataset.letter);
      if (!layer) return;
      if (toggle.checked) CSS.highlights.set(layer.name, layer.highlight);
      else CSS.highlights.delete(layer.name);
    });
  }
}

if (usable) {
  gold.load(data.gold);
  new Highlights({ categories: categories.keys(), offsets, spans: gold });
  paintLayers();
}

// Another tool's spans that came with an imported corpus: shown on request, and copied
// into the gold layer as gold spans, saved like those the moderator draws (pre-annotation).
const importedPanel = document.getElementById("imported-layers");
if (importedPanel) {
  new ImportedLayers({
    layers: data.importedLayers || [],
    panel: importedPanel,
    offsets: usable ? offsets : null,
    spans: gold,
    categories,
    onMessage: showMessage,
    layerNames: { mine: "the gold layer", yours: "the gold layer" },
  });
}

function pick(localId) {
  gold.select(gold.get(localId));
  if (gold.selected)
    offsets.elementAt(gold.selected.start).scrollIntoView({ block: "center", behavior: "instant" });
}

new Details({
  panel: document.getElementById("span-details"),
  categories,
  evidenceStatuses: data.evidenceStatuses,
  sourceTypes: data.sourceTypes,
  spans: gold,
  onPick: pick,
});

const part = (id) => document.getElementById(id);
const board = new ItemBoard({
  items: data.items,
  parts: {
    summary: part("item-summary"),
    current: part("item-current"),
    where: part("item-where"),
    kinds: part("item-kinds"),
    state: part("item-state"),
    versions: part("item-versions"),
    decided: part("item-decided"),
    decide: part("item-decide"),
    acceptButtons: part("item-accept-buttons"),
    acceptTicked: part("item-accept-ticked"),
    reject: part("item-reject"),
    reason: part("item-reason"),
    rationale: part("item-rationale"),
    undo: part("item-undo"),
    previous: part("item-previous"),
    next: part("item-next"),
    list: part("item-list"),
  },
  queue,
  index,
  categories,
  statusNames: new Map(data.evidenceStatuses),
  sourceNames: new Map(data.sourceTypes),
  reasons: data.reasons,
  resolutions: data.resolutions,
  reviewerNames: new Map(data.reviewers.map((reviewer) => [reviewer.letter, reviewer.label])),
  apiBase: api,
  onMessage: showMessage,
});

// Where the items are: lines holding an open item are marked in the margin, the current
// item's passage is tinted. Only classes of the line elements change, never the text.
const currentHighlight = new Highlight();
if (usable) CSS.highlights.set("item-current", currentHighlight);
let markedLines = [];
function lineRange(start, end) {
  const first = offsets.lineIndexOf(start);
  const last = offsets.lineIndexOf(Math.max(start, end - 1));
  return offsets.lineElements.slice(first, last + 1);
}
function markItems() {
  for (const line of markedLines) line.classList.remove("item-open-line", "item-current-line");
  markedLines = [];
  for (const item of board.all()) {
    if (item.status !== "open") continue;
    for (const line of lineRange(item.start, item.end)) {
      line.classList.add("item-open-line");
      markedLines.push(line);
    }
  }
  currentHighlight.clear();
  const item = board.current;
  if (item) {
    if (usable) currentHighlight.add(offsets.rangeFor(item.start, item.end));
    for (const line of lineRange(item.start, item.end)) {
      line.classList.add("item-current-line");
      markedLines.push(line);
    }
  }
}

async function refreshGold() {
  // After a conflict another moderator's decision holds gold spans this page never saw.
  const response = await fetch(`${api}documents/${data.documentId}/gold`, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) return;
  const spans = await response.json();
  const known = new Set(gold.all().map((span) => span.id));
  const present = new Set(spans.map((span) => span.id));
  gold.discard([...known].filter((id) => id !== null && !present.has(id)));
  gold.adopt(spans.filter((span) => !known.has(span.id)));
}

board.subscribe((event) => {
  if (event.type === "changed") {
    if (event.removedGold) gold.discard(event.removedGold);
    if (event.gold) gold.adopt(event.gold);
    if (event.conflict) refreshGold().catch(reportError);
  }
  markItems();
  const item = board.current;
  if (event.type === "current" && item) {
    offsets.elementAt(item.start).scrollIntoView({ block: "center", behavior: "instant" });
  }
});

// Drawing a span: inside one open item's passage it resolves that item with the span (and
// the spans ticked), anywhere else it is a gold span of the moderator's own.
function draw(fields) {
  const open = board.openAt(fields.start, fields.end);
  if (open.length === 1) {
    board.acceptDrawn(open[0], { ...data.fields.defaults, ...fields });
    return;
  }
  if (open.length > 1) {
    showMessage(
      "This span crosses several open items: it was added to the gold layer without resolving them.",
      "info",
    );
  }
  gold.create(fields);
}

const byShortcut = new Set(data.categories.map((category) => category.shortcut).filter(Boolean));
// The item keys, before the editor's: a key that is also a category's shortcut is the
// category's when there is a selection or a selected gold span.
document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, textarea, select")) return;
  const key = event.key;
  if (key === "Enter" && event.target.closest("button, a")) return; // the control's own
  if (offsets.selectedSpan()) return;
  if (gold.selected && (byShortcut.has(key) || "[]{}".includes(key) || key === "Delete")) return;
  let handled = true;
  if (key === "n") board.step(1);
  else if (key === "p") board.step(-1);
  else if (key === "u") board.undo();
  else if (key === "r") board.reject();
  else if (key === "Enter") board.acceptTicked();
  else if (key.length === 1 && board.current?.versions[key.toUpperCase()]) {
    board.acceptReviewer(key.toUpperCase());
  } else handled = false;
  if (handled) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
});

bindInput({
  article,
  offsets,
  spans: gold,
  popup: new CategoryPopup(document.getElementById("category-popup")),
  categories,
  probe: { tagRequested() {} },
  create: draw,
});
guardUnsaved({ queue, badge, submitForm: null, showMessage });

if (data.currentItem === null || !board.goTo(data.currentItem)) markItems();
requestAnimationFrame(() =>
  requestAnimationFrame(() => {
    document.body.dataset.paintedMs = String(Math.round(performance.now() - started));
    document.body.dataset.curationReady = "true";
  }),
);
