// The annotation editor. The document text is rendered by the server as one <p> per line
// of the canonical text, each with the code-point offset where it starts; this module
// never changes that text. Highlights are drawn with the CSS Custom Highlight API, offsets
// are converted between code points (stored) and UTF-16 units (the DOM) at the boundary,
// selections snap to grapheme clusters, and every change is saved through one queue.

import {
  TextIndex,
  graphemeBoundaries,
  overlapIntervals,
  snapToBoundary,
  trimSpan,
} from "./text.js";
import { SaveQueue } from "./store.js";

const data = JSON.parse(document.getElementById("editor-data").textContent);
const article = document.getElementById("document-text");
const popup = document.getElementById("category-popup");
const statusBadge = document.getElementById("save-status");
const messageBox = document.getElementById("editor-message");
const details = {
  panel: document.getElementById("span-details"),
  quote: document.getElementById("detail-quote"),
  offsets: document.getElementById("detail-offsets"),
  category: document.getElementById("detail-category"),
  status: document.getElementById("detail-status"),
  source: document.getElementById("detail-source"),
  note: document.getElementById("detail-note"),
  remove: document.getElementById("detail-delete"),
  close: document.getElementById("detail-close"),
  others: document.getElementById("detail-others"),
  othersList: document.getElementById("detail-others-list"),
};
const spanList = document.getElementById("span-list");
const spanTotal = document.getElementById("span-total");

const index = new TextIndex(data.text);
const lineElements = Array.from(article.children);
const lineStarts = lineElements.map((element) => Number(element.dataset.offset));
const lineOf = new Map(lineElements.map((element, position) => [element, position]));
const boundaryCache = new Map();
const categories = new Map(data.categories.map((category) => [category.code, category]));
const byShortcut = new Map(
  data.categories.filter((category) => category.shortcut).map((category) => [category.shortcut, category]),
);
const annotationsUrl = `${data.apiBase}documents/${data.documentId}/annotations`;
const annotationUrl = (id) => `${data.apiBase}annotations/${id}`;
const EDITABLE = ["start", "end", "quote", "category", "note", "evidence_status", "source_type"];

const spans = new Map(); // local id -> span
let nextLocalId = 1;
let selected = null;
const undoStack = [];
const timings = { createRequestedAt: null, lastCreateSavedMs: null, lastCreateShownMs: null };

// --- Offsets between the DOM and the canonical text ----------------------------------

function lineEnd(line) {
  return line + 1 < lineStarts.length ? lineStarts[line + 1] - 1 : index.length;
}

function lineIndexOf(offset) {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lineStarts[middle] <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

/** DOM position [node, UTF-16 offset] of a code-point offset. */
function domPoint(offset) {
  const line = lineIndexOf(offset);
  const element = lineElements[line];
  const node = element.firstChild;
  if (!node) return [element, 0];
  const unit = index.unit(offset) - index.unit(lineStarts[line]);
  return [node, Math.min(unit, node.length)];
}

/** Code-point offset of a DOM position inside the article, or null. */
function offsetOf(node, offset, roundDown) {
  if (node.nodeType === Node.TEXT_NODE) {
    const line = lineOf.get(node.parentElement);
    if (line === undefined) return null;
    const base = index.unit(lineStarts[line]);
    return index.codePoint(base + offset, roundDown);
  }
  if (node === article) {
    return offset >= lineElements.length ? index.length : lineStarts[offset];
  }
  const line = lineOf.get(node);
  if (line !== undefined) return offset === 0 ? lineStarts[line] : lineEnd(line);
  return null;
}

function snap(offset, direction) {
  const line = lineIndexOf(offset);
  let boundaries = boundaryCache.get(line);
  if (!boundaries) {
    boundaries = graphemeBoundaries(lineElements[line].textContent);
    boundaryCache.set(line, boundaries);
  }
  const base = index.unit(lineStarts[line]);
  const unit = Math.min(index.unit(offset) - base, boundaries[boundaries.length - 1]);
  return index.codePoint(base + snapToBoundary(boundaries, unit, direction), direction === "down");
}

/** The span the reader has selected, in code points, snapped to graphemes and trimmed. */
function selectedSpan() {
  const selection = window.getSelection();
  if (!selection.rangeCount || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  const whole = document.createRange();
  whole.selectNodeContents(article);
  // -1, 0 or 1: where each end of the selection lies relative to the document text.
  const startWhere = whole.comparePoint(range.startContainer, range.startOffset);
  const endWhere = whole.comparePoint(range.endContainer, range.endOffset);
  if (endWhere < 0 || startWhere > 0) return null;
  let start = startWhere < 0 ? 0 : offsetOf(range.startContainer, range.startOffset, true);
  let end = endWhere > 0 ? index.length : offsetOf(range.endContainer, range.endOffset, false);
  if (start === null || end === null || end <= start) return null;
  start = snap(start, "down");
  end = snap(end, "up");
  [start, end] = trimSpan(index, start, end);
  return end > start ? { start, end } : null;
}

// --- Highlights ----------------------------------------------------------------------

const highlightsSupported = typeof CSS !== "undefined" && "highlights" in CSS;
const categoryHighlights = new Map();
let overlapHighlight = null;
let selectedHighlight = null;
if (highlightsSupported) {
  for (const code of categories.keys()) {
    const highlight = new Highlight();
    categoryHighlights.set(code, highlight);
    CSS.highlights.set(`cat-${code}`, highlight);
  }
  overlapHighlight = new Highlight();
  overlapHighlight.priority = 1;
  CSS.highlights.set("ann-overlap", overlapHighlight);
  selectedHighlight = new Highlight();
  selectedHighlight.priority = 2;
  CSS.highlights.set("ann-selected", selectedHighlight);
}

function rangeFor(start, end) {
  const [startContainer, startOffset] = domPoint(start);
  const [endContainer, endOffset] = domPoint(end);
  return new StaticRange({ startContainer, startOffset, endContainer, endOffset });
}

function draw(span) {
  listRemove(span);
  listAdd(span);
  if (!highlightsSupported) return;
  if (span.range) categoryHighlights.get(span.drawnCategory)?.delete(span.range);
  span.range = rangeFor(span.start, span.end);
  span.drawnCategory = span.category;
  categoryHighlights.get(span.category)?.add(span.range);
}

function erase(span) {
  listRemove(span);
  if (span.range) categoryHighlights.get(span.drawnCategory)?.delete(span.range);
  span.range = null;
}

let refreshScheduled = false;

/** Redraw what depends on every span (overlaps, list, counts) once per frame at most. */
function scheduleRefresh() {
  if (refreshScheduled) return;
  refreshScheduled = true;
  requestAnimationFrame(() => {
    refreshScheduled = false;
    refreshOverlaps();
    renderCounts();
    renderSelection();
  });
}

function refreshOverlaps() {
  if (!highlightsSupported) return;
  overlapHighlight.clear();
  for (const [start, end] of overlapIntervals(spans.values())) {
    overlapHighlight.add(rangeFor(start, end));
  }
}

// --- The side list, counts and details ------------------------------------------------

// Spans in document order, kept sorted one change at a time. The side list shows only the
// rows in its viewport (each row has the same height): a report can hold thousands of
// spans, and laying out thousands of rows on every keypress would make tagging slow.
const sorted = [];
const ROW_HEIGHT = 28; // px; matches .span-row in app.css
const spacer = document.createElement("div");
spacer.className = "span-list-spacer";
spanList.append(spacer);
let listScheduled = false;

function compareSpans(a, b) {
  return a.start - b.start || a.end - b.end || a.localId - b.localId;
}

function ordered() {
  return sorted;
}

function excerpt(text, limit = 80) {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

/** Text wrapped in Unicode direction isolates (FSI … PDI), for plain-text contexts. */
function isolated(text) {
  return `\u2068${text}\u2069`;
}

function listRow(span, position) {
  const row = document.createElement("div");
  row.className = "span-row";
  row.setAttribute("role", "listitem");
  row.setAttribute("aria-posinset", String(position + 1));
  row.setAttribute("aria-setsize", String(sorted.length));
  row.style.top = `${position * ROW_HEIGHT}px`;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn-link btn-sm text-start p-0 span-jump";
  button.dataset.localId = String(span.localId);
  if (span === selected) button.setAttribute("aria-current", "true");
  const swatch = document.createElement("span");
  swatch.className = `swatch swatch-${span.category}`;
  swatch.setAttribute("aria-hidden", "true");
  const name = document.createElement("span");
  name.className = "fw-semibold me-1";
  name.textContent = categories.get(span.category)?.name || span.category;
  // The quote is isolated (bdi) and the quotation marks stay outside it, so that a
  // right-to-left quote neither reorders its surroundings nor mirrors the marks.
  const quote = document.createElement("bdi");
  quote.textContent = excerpt(span.quote);
  button.append(swatch, name, "“", quote, "”");
  if (span.unsaved) {
    const mark = document.createElement("span");
    mark.className = "badge text-bg-warning ms-1";
    mark.textContent = "unsaved";
    button.prepend(mark);
  }
  row.append(button);
  return row;
}

/** Draw the rows in view of the list (and a few beyond), at most once a frame. */
function renderListWindow() {
  listScheduled = false;
  spacer.style.height = `${sorted.length * ROW_HEIGHT}px`;
  const first = Math.max(0, Math.floor(spanList.scrollTop / ROW_HEIGHT) - 10);
  const last = Math.min(sorted.length, first + Math.ceil(spanList.clientHeight / ROW_HEIGHT) + 20);
  const rows = [];
  for (let position = first; position < last; position++) {
    rows.push(listRow(sorted[position], position));
  }
  spanList.replaceChildren(spacer, ...rows);
}

function scheduleList() {
  if (listScheduled) return;
  listScheduled = true;
  requestAnimationFrame(renderListWindow);
}
spanList.addEventListener("scroll", scheduleList, { passive: true });

function listAdd(span) {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compareSpans(sorted[middle], span) < 0) low = middle + 1;
    else high = middle;
  }
  sorted.splice(low, 0, span);
  scheduleList();
}

function listRemove(span) {
  const position = sorted.indexOf(span);
  if (position === -1) return;
  sorted.splice(position, 1);
  scheduleList();
}

function listRefresh() {
  scheduleList();
}

function renderCounts() {
  const counts = new Map();
  for (const span of sorted) counts.set(span.category, (counts.get(span.category) || 0) + 1);
  spanTotal.textContent = String(sorted.length);
  for (const badge of document.querySelectorAll("[data-count-for]")) {
    badge.textContent = String(counts.get(badge.dataset.countFor) || 0);
  }
}

function fillOptions(select, choices) {
  for (const [value, label] of choices) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    select.append(option);
  }
}
fillOptions(details.status, data.evidenceStatuses);
fillOptions(details.source, data.sourceTypes);

function spansAt(offset) {
  return ordered().filter((span) => span.start <= offset && offset < span.end);
}

function renderSelection() {
  if (highlightsSupported) {
    selectedHighlight.clear();
    if (selected && spans.has(selected.localId)) selectedHighlight.add(rangeFor(selected.start, selected.end));
  }
  if (!selected || !spans.has(selected.localId)) {
    selected = null;
    details.panel.hidden = true;
    return;
  }
  details.panel.hidden = false;
  details.quote.textContent = selected.quote;
  details.offsets.textContent =
    `Characters ${selected.start}–${selected.end} (${selected.end - selected.start} code points)` +
    (selected.unsaved ? " · not saved yet" : "");
  details.category.value = selected.category;
  details.status.value = selected.evidence_status;
  details.source.value = selected.source_type;
  if (document.activeElement !== details.note) details.note.value = selected.note;
  const others = spans.size > 1 ? ordered().filter(
    (span) => span !== selected && span.start < selected.end && selected.start < span.end,
  ) : [];
  details.others.hidden = others.length === 0;
  details.othersList.replaceChildren(
    ...others.map((span) => {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-link btn-sm p-0 span-jump";
      button.dataset.localId = String(span.localId);
      button.textContent = `${categories.get(span.category)?.name || span.category}: “${isolated(excerpt(span.quote, 40))}”`;
      item.append(button);
      return item;
    }),
  );
}

function select(span, { scroll = false } = {}) {
  selected = span;
  renderSelection();
  scheduleList();
  if (span && scroll) {
    const [node] = domPoint(span.start);
    const element = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    element.scrollIntoView({ block: "center" });
  }
}

// --- Status and messages --------------------------------------------------------------

const STATE_LABELS = {
  saved: ["All changes saved", "text-bg-success"],
  saving: ["Saving…", "text-bg-secondary"],
  retrying: ["Not saved yet: retrying", "text-bg-warning"],
  refused: ["A change was refused", "text-bg-danger"],
};

function showState(state, detail, pending, counts) {
  const [label, style] = STATE_LABELS[state] || STATE_LABELS.saving;
  statusBadge.className = `save-status badge ${style}`;
  statusBadge.dataset.state = state;
  statusBadge.dataset.pending = String(pending);
  statusBadge.dataset.queued = String(counts.queued);
  statusBadge.dataset.settled = String(counts.settled);
  statusBadge.textContent = pending && state !== "saved" ? `${label} (${pending} pending)` : label;
  statusBadge.title = detail || "";
  if (state === "retrying") showMessage(detail, "warning");
  else if (state === "saved") hideMessage("warning");
}

function showMessage(text, kind = "danger") {
  messageBox.className = `alert alert-${kind} py-2 small`;
  messageBox.dataset.kind = kind;
  messageBox.textContent = text;
  messageBox.hidden = false;
}

function hideMessage(kind) {
  if (!kind || messageBox.dataset.kind === kind) messageBox.hidden = true;
}

const queue = new SaveQueue({ csrfToken: data.csrfToken, onState: showState });
window.addEventListener("online", () => queue.retryNow());
statusBadge.addEventListener("click", () => queue.retryNow());
window.addEventListener("beforeunload", (event) => {
  if (queue.pending) {
    event.preventDefault();
    event.returnValue = "";
  }
});

// --- Changes: create, update, delete, undo --------------------------------------------

function fromServer(span, annotation) {
  span.id = annotation.id;
  span.version = annotation.version;
  for (const name of EDITABLE) span[name] = annotation[name];
}

function remember(undo) {
  undoStack.push(undo);
  if (undoStack.length > 100) undoStack.shift();
}

const readOnly = Boolean(data.readOnly);

function createSpan(fields, { recordUndo = true } = {}) {
  const span = {
    localId: nextLocalId++,
    note: "",
    evidence_status: "unknown",
    source_type: "other",
    ...fields,
    quote: index.slice(fields.start, fields.end),
  };
  saveNew(span);
  if (recordUndo) remember(() => deleteSpan(span, { recordUndo: false }));
  return span;
}

/** Show a span that the server does not have (new, or deleted and brought back) and save it. */
function saveNew(span) {
  Object.assign(span, { id: null, version: 0, unsaved: true, refused: false });
  spans.set(span.localId, span);
  draw(span);
  select(span);
  scheduleRefresh();
  queue.enqueue({
    request: () => ({
      method: "POST",
      url: annotationsUrl,
      body: Object.fromEntries(EDITABLE.map((name) => [name, span[name]])),
    }),
    onSuccess: (annotation) => {
      fromServer(span, annotation);
      span.unsaved = false;
      listRefresh();
      if (timings.createRequestedAt !== null) {
        timings.lastCreateSavedMs = performance.now() - timings.createRequestedAt;
        timings.createRequestedAt = null;
      }
      scheduleRefresh();
    },
    onRefused: (status, body) => {
      span.refused = true;
      spans.delete(span.localId);
      erase(span);
      scheduleRefresh();
      showMessage(`The span “${isolated(excerpt(span.quote, 40))}” was not saved: ${body.detail}`);
    },
  });
}

function updateSpan(span, changes, { recordUndo = true } = {}) {
  if (readOnly) return;
  if ("start" in changes || "end" in changes) {
    changes.quote = index.slice(changes.start ?? span.start, changes.end ?? span.end);
  }
  const before = Object.fromEntries(Object.keys(changes).map((name) => [name, span[name]]));
  if (Object.keys(changes).every((name) => changes[name] === span[name])) return;
  Object.assign(span, changes);
  span.unsaved = true;
  draw(span);
  scheduleRefresh();
  queue.enqueue({
    request: () =>
      span.refused || span.id === null
        ? null
        : { method: "PATCH", url: annotationUrl(span.id), body: { version: span.version, ...changes } },
    onSuccess: (annotation) => {
      span.version = annotation.version;
      span.unsaved = false;
      listRefresh();
      scheduleRefresh();
    },
    onRefused: (status, body) => {
      if (status === 409 && body.current) {
        fromServer(span, body.current);
        showMessage("This span was changed elsewhere since the page was loaded; it now shows the saved version.", "warning");
      } else {
        Object.assign(span, before);
        showMessage(`The change was not saved: ${body.detail}`);
      }
      span.unsaved = false;
      draw(span);
      scheduleRefresh();
    },
  });
  if (recordUndo) remember(() => updateSpan(span, before, { recordUndo: false }));
}

function deleteSpan(span, { recordUndo = true } = {}) {
  if (readOnly) return;
  spans.delete(span.localId);
  erase(span);
  if (selected === span) selected = null;
  scheduleRefresh();
  queue.enqueue({
    request: () =>
      span.refused || span.id === null
        ? null
        : { method: "DELETE", url: `${annotationUrl(span.id)}?version=${span.version}` },
    onSuccess: () => {},
    onRefused: (status, body) => {
      if (status === 404) return; // already gone
      if (status === 409 && body.current) fromServer(span, body.current);
      spans.set(span.localId, span);
      draw(span);
      scheduleRefresh();
      showMessage(`The span was not deleted: ${body.detail}`);
    },
  });
  // Undoing a delete brings back the same span (as a new annotation on the server), so
  // that earlier undo steps that point at it still work.
  if (recordUndo) remember(() => saveNew(span));
}

function undo() {
  const step = undoStack.pop();
  if (step) step();
  else showMessage("Nothing to undo.", "info");
}

function nudge(span, boundary, direction) {
  // Move one grapheme cluster, never splitting an emoji, a flag or an accented letter.
  let position = span[boundary];
  const target = direction < 0 ? position - 1 : position + 1;
  if (target < 0 || target > index.length) return;
  position = snap(target, direction < 0 ? "down" : "up");
  const changes = { start: span.start, end: span.end, [boundary]: position };
  if (changes.end <= changes.start) return;
  updateSpan(span, changes);
}

// --- Input: mouse, keyboard, popup, details -------------------------------------------

function hidePopup() {
  popup.hidden = true;
}

function showPopupForSelection() {
  const span = readOnly ? null : selectedSpan();
  if (!span) {
    hidePopup();
    return;
  }
  const range = window.getSelection().getRangeAt(0);
  const rects = range.getClientRects();
  const whole = range.getBoundingClientRect();
  const first = rects.length ? rects[0] : whole;
  const last = rects.length ? rects[rects.length - 1] : whole;
  popup.hidden = false;
  const { left, top } = popupPlace(first, last, popup.offsetWidth, popup.offsetHeight);
  popup.style.left = `${window.scrollX + left}px`;
  popup.style.top = `${window.scrollY + top}px`;
}

const POPUP_MARGIN = 8; // px kept clear of the window's edges
const POPUP_GAP = 6; // px between the selection and the popup

/**
 * Where the popup goes, in viewport coordinates: below the selection's last line, or above
 * its first when there is no room below, and never outside the window, so every category
 * stays in view whatever part of the window the selection is in.
 */
function popupPlace(first, last, width, height) {
  const viewWidth = document.documentElement.clientWidth;
  const viewHeight = document.documentElement.clientHeight;
  let top = last.bottom + POPUP_GAP;
  if (top + height > viewHeight - POPUP_MARGIN) {
    const above = first.top - POPUP_GAP - height;
    top = above >= POPUP_MARGIN ? above : viewHeight - POPUP_MARGIN - height;
  }
  const left = Math.min(last.right - width / 2, viewWidth - width - POPUP_MARGIN);
  return { left: Math.max(POPUP_MARGIN, left), top: Math.max(POPUP_MARGIN, top) };
}

function tagSelection(code) {
  if (readOnly) return false;
  const span = selectedSpan();
  if (!span || !categories.has(code)) return false;
  createSpan({ ...span, category: code });
  window.getSelection().removeAllRanges();
  hidePopup();
  requestAnimationFrame(() => {
    if (timings.createRequestedAt !== null) {
      timings.lastCreateShownMs = performance.now() - timings.createRequestedAt;
    }
  });
  return true;
}

function caretOffsetAt(x, y) {
  let node;
  let offset;
  if (document.caretPositionFromPoint) {
    const position = document.caretPositionFromPoint(x, y);
    if (!position) return null;
    ({ offsetNode: node, offset } = position);
  } else if (document.caretRangeFromPoint) {
    const range = document.caretRangeFromPoint(x, y);
    if (!range) return null;
    node = range.startContainer;
    offset = range.startOffset;
  } else {
    return null;
  }
  const caret = offsetOf(node, offset, true);
  if (caret === null) return null;
  // The caret sits between two characters: take the one under the pointer.
  for (const candidate of [caret, caret - 1]) {
    if (candidate < 0 || candidate >= index.length) continue;
    const rects = rangeFor(candidate, candidate + 1);
    const range = document.createRange();
    range.setStart(rects.startContainer, rects.startOffset);
    range.setEnd(rects.endContainer, rects.endOffset);
    for (const rect of range.getClientRects()) {
      if (x >= rect.left - 1 && x <= rect.right + 1 && y >= rect.top - 1 && y <= rect.bottom + 1) {
        return candidate;
      }
    }
  }
  return null;
}

// A pointer press in the text either makes a selection (a drag, a double or triple click, a
// shift-click) or is a plain click, which the browser turns into a collapsed selection once
// the press ends, after every handler of this press has run. The press is classified here,
// synchronously: nothing waits for the browser, so a key pressed just after the release
// (the shortcut that tags the selection) always sees the outcome of the release first.
const CLICK_SLOP = 4; // px the pointer may move in a click
let press = null;

function rangeKey(selection) {
  if (!selection.rangeCount || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  return [range.startContainer, range.startOffset, range.endContainer, range.endOffset];
}

function sameRange(a, b) {
  return a !== null && b !== null && a.every((part, position) => part === b[position]);
}

article.addEventListener("mousedown", (event) => {
  if (event.button !== 0) return;
  press = { x: event.clientX, y: event.clientY, range: rangeKey(window.getSelection()) };
});

article.addEventListener("mouseup", (event) => {
  if (event.button !== 0) return;
  const started = press;
  press = null;
  const selection = window.getSelection();
  const range = rangeKey(selection);
  const moved =
    started !== null && Math.hypot(event.clientX - started.x, event.clientY - started.y) > CLICK_SLOP;
  // A click inside an existing selection leaves it in place until the press is over, then
  // collapses it: the same range as at the press, without a drag, is such a click.
  const madeSelection =
    range !== null &&
    (moved || event.detail > 1 || event.shiftKey || started === null || !sameRange(range, started.range));
  if (madeSelection) {
    showPopupForSelection();
    return;
  }
  hidePopup();
  const offset = caretOffsetAt(event.clientX, event.clientY);
  const here = offset === null ? [] : spansAt(offset);
  if (!here.length) {
    select(null);
    return;
  }
  // The innermost span first; the details panel lists the others under the pointer.
  here.sort((a, b) => a.end - a.start - (b.end - b.start));
  select(here[0]);
});

popup.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
popup.addEventListener("click", (event) => {
  const choice = event.target.closest("[data-category]");
  if (choice) {
    timings.createRequestedAt = performance.now();
    tagSelection(choice.dataset.category);
  }
});

for (const container of [spanList, details.othersList]) {
  container.addEventListener("click", (event) => {
    const button = event.target.closest("[data-local-id]");
    if (button) select(spans.get(Number(button.dataset.localId)), { scroll: true });
  });
}

details.category.addEventListener("change", () => selected && updateSpan(selected, { category: details.category.value }));
details.status.addEventListener("change", () => selected && updateSpan(selected, { evidence_status: details.status.value }));
details.source.addEventListener("change", () => selected && updateSpan(selected, { source_type: details.source.value }));
details.note.addEventListener("change", () => selected && updateSpan(selected, { note: details.note.value }));
details.remove.addEventListener("click", () => selected && deleteSpan(selected));
details.close.addEventListener("click", () => select(null));
for (const button of details.panel.querySelectorAll("[data-nudge]")) {
  button.addEventListener("click", () => {
    const [boundary, step] = button.dataset.nudge.split(":");
    if (selected) nudge(selected, boundary, Number(step));
  });
}

const EXTEND = {
  ArrowLeft: ["left", "character"],
  ArrowRight: ["right", "character"],
  ArrowUp: ["backward", "line"],
  ArrowDown: ["forward", "line"],
  Home: ["backward", "lineboundary"],
  End: ["forward", "lineboundary"],
};

function selectionInArticle() {
  const selection = window.getSelection();
  return selection.rangeCount > 0 && article.contains(selection.anchorNode);
}

document.addEventListener("keydown", (event) => {
  const typing = event.target.closest("input, textarea, select");
  if (event.key === "Escape") {
    hidePopup();
    if (!typing) select(null);
    return;
  }
  if (typing) return;
  if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z") {
    event.preventDefault();
    undo();
    return;
  }
  if (event.shiftKey && EXTEND[event.key] && selectionInArticle()) {
    // Extend the selection from the keyboard, in the text's own direction.
    event.preventDefault();
    const [direction, unit] = EXTEND[event.key];
    const selection = window.getSelection();
    selection.modify("extend", direction, event.ctrlKey || event.altKey ? "word" : unit);
    showPopupForSelection();
    return;
  }
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  const category = byShortcut.get(event.key);
  if (category && selectedSpan()) {
    event.preventDefault();
    timings.createRequestedAt = performance.now();
    tagSelection(category.code);
    return;
  }
  if (!selected) return;
  if (category) {
    event.preventDefault();
    updateSpan(selected, { category: category.code });
  } else if (event.key === "Delete" || event.key === "Backspace") {
    event.preventDefault();
    deleteSpan(selected);
  } else if (event.key === "[" || event.key === "]") {
    event.preventDefault();
    nudge(selected, "start", event.key === "[" ? -1 : 1);
  } else if (event.key === "{" || event.key === "}") {
    event.preventDefault();
    nudge(selected, "end", event.key === "{" ? -1 : 1);
  }
});

document.addEventListener("selectionchange", () => {
  if (!popup.hidden && !selectedSpan()) hidePopup();
});

// --- Start ----------------------------------------------------------------------------

function textMatchesPage() {
  const shown = lineElements.map((element) => element.textContent).join("\n");
  return shown === data.text;
}

if (!highlightsSupported) {
  showMessage("This browser cannot draw highlights (CSS Custom Highlight API): use a current Chromium, Firefox or Safari.");
} else if (!textMatchesPage()) {
  showMessage("The text on the page differs from the stored text; editing is disabled to keep offsets exact.");
  article.setAttribute("aria-disabled", "true");
} else {
  performance.mark("editor:start");
  for (const annotation of data.annotations) {
    const span = { localId: nextLocalId++, unsaved: false, refused: false };
    fromServer(span, annotation);
    spans.set(span.localId, span);
    span.range = rangeFor(span.start, span.end);
    span.drawnCategory = span.category;
    categoryHighlights.get(span.category)?.add(span.range);
    sorted.push(span);
  }
  performance.measure("editor:highlights", "editor:start");
  performance.mark("editor:list");
  sorted.sort(compareSpans);
  renderListWindow();
  renderCounts();
  performance.measure("editor:list", "editor:list");
  performance.mark("editor:overlaps");
  refreshOverlaps();
  performance.measure("editor:overlaps", "editor:overlaps");
}

if (readOnly) {
  for (const control of details.panel.querySelectorAll("select, textarea, button[data-nudge], #detail-delete")) {
    control.disabled = true;
  }
}

// Submitting with changes still unsaved would submit less than the reviewer did.
document.querySelector("#submit-document form")?.addEventListener("submit", (event) => {
  if (queue.pending) {
    event.preventDefault();
    showMessage("Some changes are not saved yet: wait for “All changes saved”, then submit.", "warning");
  }
});

window.annotatorEditor = {
  timings,
  queue,
  spans: () => ordered().map((span) => ({ ...span, range: undefined })),
  paintedAt: null,
};
requestAnimationFrame(() =>
  requestAnimationFrame(() => {
    window.annotatorEditor.paintedAt = performance.now();
    document.body.dataset.editorReady = "true";
  }),
);
