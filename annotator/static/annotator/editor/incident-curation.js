// The curation page's incidents: where the reviewers' incident records disagree (incident
// items, one per act passage), each reviewer's record (act, roles, evidence status, note)
// to keep whole, or reject them all; and the gold layer's incidents. Read and decided
// through the API; refreshed after every decision and whenever the gold spans' save queue
// settles (a settled span item can make a waiting incident decidable).

import { element, itemPanel, whyRow } from "./curation-parts.js";
import { excerpt, isolated, TextIndex } from "./text.js";

const data = JSON.parse(document.getElementById("curation-data").textContent);
const index = new TextIndex(data.text);
const list = document.getElementById("incident-item-list");
const goldList = document.getElementById("gold-incident-list");
const summary = document.getElementById("incident-summary");
const categoryName = new Map(data.categories.map((c) => [c.code, c.name]));
const roleName = (code) => data.incidentRoles[code] || code;
// The roles in the taxonomy's order (the server lists them so); any other after.
const roleOrder = Object.keys(data.incidentRoles);
const roleRank = (code) => (roleOrder.includes(code) ? roleOrder.indexOf(code) : roleOrder.length);
const statusName = new Map(data.evidenceStatuses);
const KINDS = {
  missing: "missing",
  act: "different act category",
  roles: "different roles",
  evidence: "different evidence status",
  span: "waits for a gold span",
};

function quote([start, end]) {
  return `“${isolated(excerpt(index.slice(start, end), 50))}”`;
}

/** A record's roles as "Victims: “…”, “…”; Perpetrators: “…” (direct)". */
function rolesText(slots) {
  const byRole = new Map();
  for (const [role, passage, involvement] of slots) {
    if (!byRole.has(role)) byRole.set(role, []);
    byRole.get(role).push(`${quote(passage)}${involvement ? ` (${involvement})` : ""}`);
  }
  if (!byRole.size) return "no role filled";
  return [...byRole]
    .sort(([a], [b]) => roleRank(a) - roleRank(b))
    .map(([role, quotes]) => `${roleName(role)}: ${quotes.join(", ")}`)
    .join("; ");
}

function recordText(record) {
  const act = categoryName.get(record.category) || record.category;
  const status = statusName.get(record.evidence_status) || record.evidence_status;
  const note = record.note ? `; note: ${isolated(excerpt(record.note, 80))}` : "";
  return `${act}, ${status}; ${rolesText(record.slots)}${note}`;
}

function itemNode(item, position) {
  const node = element("li", {
    class: "incident-item border rounded p-2 mb-2",
    "data-item": String(item.id),
    "data-status": item.status,
  });
  const heading = element("p", { class: "mb-1" });
  heading.append(
    element("strong", {}, quote(item.act)),
    " ",
    element(
      "span",
      { class: `badge ${item.status === "open" ? "text-bg-warning" : "text-bg-secondary"}` },
      item.status === "open" ? "Open" : "Resolved",
    ),
    " ",
    element(
      "span",
      { class: "text-body-secondary" },
      item.kinds.map((k) => KINDS[k] || k).join(", "),
    ),
  );
  node.append(heading);
  const versions = element("ul", { class: "list-unstyled mb-2" });
  for (const [letter, records] of Object.entries(item.versions)) {
    const text = records.length ? records.map(recordText).join(" | ") : "no incident recorded";
    versions.append(element("li", { "data-letter": letter }, `Reviewer ${letter}: ${text}`));
  }
  node.append(versions);
  if (item.status !== "open") {
    const kept = item.kept_from ? `Reviewer ${item.kept_from}'s record` : "nothing (all rejected)";
    node.append(element("p", { class: "mb-1" }, `Kept: ${kept}.`));
    const undo = element(
      "button",
      { type: "button", class: "btn btn-sm btn-outline-secondary" },
      "Undo this decision",
    );
    undo.addEventListener("click", () =>
      decide(`incident-items/${item.id}/reopen`, { version: item.version, rationale: "" }),
    );
    node.append(undo);
    return node;
  }
  const { row: why, reason, rationale } = whyRow(`incident-${position}`, data.reasons);
  node.append(why);
  const send = (letter) =>
    decide(`incident-items/${item.id}/resolve`, {
      version: item.version,
      reviewer: letter,
      reason: reason.value,
      rationale: rationale.value,
    });
  const buttons = element("div", { class: "d-flex flex-wrap gap-1" });
  for (const [letter, records] of Object.entries(item.versions)) {
    if (!records.length) continue;
    const keep = element(
      "button",
      { type: "button", class: "btn btn-sm btn-outline-primary" },
      `Keep Reviewer ${letter}'s record`,
    );
    keep.addEventListener("click", () => send(letter));
    buttons.append(keep);
  }
  const reject = element(
    "button",
    { type: "button", class: "btn btn-sm btn-outline-danger" },
    "Reject all",
  );
  reject.addEventListener("click", () => send(""));
  buttons.append(reject);
  node.append(buttons);
  return node;
}

function goldNode(incident) {
  const slots = incident.slots.map((slot) => [slot.role, slot.passage, slot.involvement]);
  const who = incident.proposed_by.map((l) => `Reviewer ${l}`).join(", ");
  const act = categoryName.get(incident.category) || incident.category;
  const node = element("li", { class: "mb-1", "data-gold-incident": String(incident.id) });
  node.textContent =
    `${quote(incident.act_passage)} (${act}): ${rolesText(slots)}` +
    ` (${incident.origin}${who ? `, recorded by ${who}` : ""})`;
  return node;
}

const decide = itemPanel({
  data,
  kind: "incident",
  itemsPath: "incident-items",
  goldPath: "gold-incidents",
  list,
  goldList,
  summary,
  itemNode,
  goldNode,
});
