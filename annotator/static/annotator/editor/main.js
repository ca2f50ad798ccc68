// The annotation editor: reads the page's data (#editor-data) and wires the pieces.
//
//   text.js      pure: code points <-> UTF-16 units, grapheme boundaries, quote excerpts
//   offsets.js   DOM positions <-> code-point offsets, the selection, the point under the mouse
//   store.js     SaveQueue: every change saved in order, retried, or refused with a reason
//   spans.js     the state, and its one owner: spans, selected span, undo; tells subscribers
//   highlights.js, span-list.js, details.js, popup.js, status.js   what the reviewer sees
//   imported.js  the document's imported layers: read-only, shown on request, copied
//   relations.js, relation-panel.js   links between the reviewer's spans, and drawing them
//   incidents.js, incident-panel.js   incident records: an act and the spans filling its roles
//   input.js     mouse and keyboard
//   instrument.js  benchmark and test hooks, loaded only with ?instrument=1
//
// The server renders the text; nothing here changes it. Highlights use the CSS Custom
// Highlight API, offsets are code points, and every change goes through one queue.

import { Details } from "./details.js";
import { Highlights, spansUsable } from "./highlights.js";
import { ImportedLayers } from "./imported.js";
import { IncidentPanel } from "./incident-panel.js";
import { getJson, IncidentStore } from "./incidents.js";
import { bindInput } from "./input.js";
import { DocumentOffsets } from "./offsets.js";
import { CategoryPopup } from "./popup.js";
import { RelationPanel } from "./relation-panel.js";
import { RelationStore } from "./relations.js";
import { SpanList } from "./span-list.js";
import { SpanStore } from "./spans.js";
import { guardUnsaved, SaveStatus } from "./status.js";
import { SaveQueue } from "./store.js";
import { TextIndex } from "./text.js";

/** What main.js tells the instrumentation; this one, the default, does nothing. */
const QUIET_PROBE = {
  phase: (_name, run) => run(),
  tagRequested() {},
  painted() {},
};

const data = JSON.parse(document.getElementById("editor-data").textContent);
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

const usable = spansUsable({ offsets, text: data.text, article, showMessage, what: "editing" });

// Incident records come from the API, asked for before anything is drawn (so that the requests
// overlap the drawing) and awaited before the editor says it is ready; the roles are the
// project's, the incidents only the reviewer's own.
const incidentPanel = document.getElementById("incident-panel");
const incidentData =
  usable && incidentPanel
    ? Promise.all([
        getJson(`${data.apiBase}projects/${incidentPanel.dataset.projectSlug}/incident-roles`),
        getJson(`${data.apiBase}documents/${data.documentId}/incidents`),
      ]).catch((error) => {
        showMessage(`Your incidents could not be loaded: ${error.message}. Reload the page.`);
        return null;
      })
    : Promise.resolve(null);

const spans = new SpanStore({
  queue,
  index,
  fields: data.fields,
  urls: {
    annotations: `${data.apiBase}documents/${data.documentId}/annotations`,
    annotation: (id) => `${data.apiBase}annotations/${id}`,
  },
  readOnly: Boolean(data.readOnly) || !usable,
  snap: (offset, direction) => offsets.snap(offset, direction),
  onMessage: showMessage,
});

const instrumented = new URLSearchParams(window.location.search).get("instrument") === "1";
const probe = instrumented
  ? (await import("./instrument.js")).createProbe({ queue, spans })
  : QUIET_PROBE;

if (usable) {
  probe.phase("highlights", () => {
    spans.load(data.annotations);
    new Highlights({ categories: categories.keys(), offsets, spans });
  });
}

function pick(localId) {
  spans.select(spans.get(localId));
  if (spans.selected) offsets.elementAt(spans.selected.start).scrollIntoView({ block: "center" });
}

probe.phase("list", () => {
  new SpanList({
    list: document.getElementById("span-list"),
    total: document.getElementById("span-total"),
    counters: document.querySelectorAll("[data-count-for]"),
    categories,
    spans,
    onPick: pick,
  });
});
new Details({
  panel: document.getElementById("span-details"),
  categories,
  evidenceStatuses: data.evidenceStatuses,
  sourceTypes: data.sourceTypes,
  spans,
  onPick: pick,
});
const importedPanel = document.getElementById("imported-layers");
let importedLayers = null;
if (importedPanel) {
  importedLayers = new ImportedLayers({
    layers: data.importedLayers || [],
    panel: importedPanel,
    offsets: usable ? offsets : null,
    spans,
    categories,
    onMessage: showMessage,
  });
}
const relationTypes = data.relationTypes || [];
if (usable && relationTypes.length && document.getElementById("relation-list")) {
  const relations = new RelationStore({
    queue,
    spans,
    types: relationTypes,
    parents: new Map(data.categories.map((category) => [category.code, category.parent || ""])),
    urls: {
      relations: `${data.apiBase}documents/${data.documentId}/relations`,
      relation: (id) => `${data.apiBase}relations/${id}`,
    },
    readOnly: spans.readOnly,
    onMessage: showMessage,
  });
  importedLayers?.useRelations(relations); // an imported layer's relations are copied here
  probe.phase("relations", () => {
    relations.load(data.relations || []);
    new RelationPanel({ relations, spans, categories, onPick: pick });
  });
}
bindInput({
  article,
  offsets,
  spans,
  popup: new CategoryPopup(document.getElementById("category-popup")),
  categories,
  probe,
});
guardUnsaved({
  queue,
  badge,
  submitForm: document.querySelector("#submit-document form"),
  showMessage,
});

const loadedIncidents = await incidentData;
if (loadedIncidents?.[0].length) {
  const [roles, incidentList] = loadedIncidents;
  const incidents = new IncidentStore({
    queue,
    spans,
    roles,
    urls: {
      incidents: `${data.apiBase}documents/${data.documentId}/incidents`,
      incident: (id) => `${data.apiBase}incidents/${id}`,
      slots: (id) => `${data.apiBase}incidents/${id}/slots`,
      slot: (id, slotId) => `${data.apiBase}incidents/${id}/slots/${slotId}`,
    },
    readOnly: spans.readOnly,
    onMessage: () => {}, // told in the panel's own live status
  });
  incidents.load(incidentList);
  new IncidentPanel({
    incidents,
    spans,
    categories,
    violations: new Set(
      Array.from(
        document.querySelectorAll('[data-category-group="violation"] [data-category]'),
        (item) => item.dataset.category,
      ),
    ),
    evidenceStatuses: data.evidenceStatuses,
    onPick: pick,
  });
}

requestAnimationFrame(() =>
  requestAnimationFrame(() => {
    probe.painted();
    document.body.dataset.editorReady = "true";
  }),
);
