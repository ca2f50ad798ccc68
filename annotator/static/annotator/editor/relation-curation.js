// The curation page's relations: where the reviewers' relations disagree (relation items),
// each reviewer's relations between the two passages to tick and keep or reject, and the
// gold layer's relations. Read and decided through the API; refreshed after every
// decision and whenever the gold spans' save queue settles (a settled span item can make
// a waiting relation item decidable).

import { element, itemPanel, whyRow } from "./curation-parts.js";
import { excerpt, isolated, TextIndex } from "./text.js";

const data = JSON.parse(document.getElementById("curation-data").textContent);
const index = new TextIndex(data.text);
const list = document.getElementById("relation-item-list");
const goldList = document.getElementById("gold-relation-list");
const summary = document.getElementById("relation-summary");
const typeName = (code) => data.relationTypes[code] || code;
const KINDS = {
  missing: "missing",
  type: "different type",
  direction: "different direction",
  ends: "different ends",
  span: "waits for a gold span",
};

function quote([start, end]) {
  return `“${isolated(excerpt(index.slice(start, end), 50))}”`;
}

function linkText([type, source, target, symmetric]) {
  return `${quote(source)} ${symmetric ? "↔" : "→"} ${typeName(type)} ${symmetric ? "↔" : "→"} ${quote(target)}`;
}

/** Every relation drawn in an item, once, with the letters of the reviewers who drew it. */
function proposals(item) {
  const found = new Map();
  for (const [letter, links] of Object.entries(item.versions)) {
    for (const link of links) {
      const key = JSON.stringify(link);
      if (!found.has(key)) found.set(key, { link, letters: [] });
      found.get(key).letters.push(letter);
    }
  }
  return [...found.values()];
}

function itemNode(item, position) {
  const node = element("li", {
    class: "relation-item border rounded p-2 mb-2",
    "data-item": String(item.id),
    "data-status": item.status,
  });
  const heading = element("p", { class: "mb-1" });
  heading.append(
    element("strong", {}, `${quote(item.first)} and ${quote(item.second)}`),
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
  if (item.status !== "open") {
    const kept = item.kept.length ? item.kept.map(linkText).join("; ") : "nothing (all rejected)";
    node.append(element("p", { class: "mb-1" }, `Kept: ${kept}.`));
    const undo = element(
      "button",
      { type: "button", class: "btn btn-sm btn-outline-secondary" },
      "Undo this decision",
    );
    undo.addEventListener("click", () =>
      decide(`relation-items/${item.id}/reopen`, { version: item.version, rationale: "" }),
    );
    node.append(undo);
    return node;
  }
  const fieldset = element("fieldset", { class: "mb-2" });
  fieldset.append(element("legend", { class: "visually-hidden" }, "Relations drawn here"));
  proposals(item).forEach(({ link, letters }, n) => {
    const id = `relation-${position}-${n}`;
    const row = element("div", { class: "form-check" });
    const box = element("input", { class: "form-check-input", type: "checkbox", id });
    box.dataset.link = JSON.stringify(link);
    const label = element("label", { class: "form-check-label", for: id });
    label.textContent = `${letters.map((l) => `Reviewer ${l}`).join(", ")}: ${linkText(link)}`;
    row.append(box, label);
    fieldset.append(row);
  });
  node.append(fieldset);
  const { row: why, reason, rationale } = whyRow(`relation-${position}`, data.reasons);
  node.append(why);
  const keep = element(
    "button",
    { type: "button", class: "btn btn-sm btn-outline-primary me-1" },
    "Keep the ticked relations",
  );
  const reject = element(
    "button",
    { type: "button", class: "btn btn-sm btn-outline-danger" },
    "Reject all",
  );
  const send = (chosen) =>
    decide(`relation-items/${item.id}/resolve`, {
      version: item.version,
      keep: chosen,
      reason: reason.value,
      rationale: rationale.value,
    });
  keep.addEventListener("click", () => {
    const chosen = [...fieldset.querySelectorAll("input:checked")].map((box) =>
      JSON.parse(box.dataset.link),
    );
    if (!chosen.length) {
      summary.textContent = "Tick the relations to keep, or choose Reject all.";
      return;
    }
    send(chosen);
  });
  reject.addEventListener("click", () => send([]));
  node.append(keep, reject);
  return node;
}

function goldNode(relation) {
  const arrow = relation.symmetric ? "↔" : "→";
  const who = relation.proposed_by.length
    ? `drawn by ${relation.proposed_by.map((l) => `Reviewer ${l}`).join(", ")}`
    : "";
  const node = element("li", { class: "mb-1", "data-gold-relation": String(relation.id) });
  node.textContent =
    `${quote(relation.source_span)} ${arrow} ${typeName(relation.type)} ${arrow} ${quote(relation.target_span)}` +
    ` (${relation.origin}${who ? `, ${who}` : ""})`;
  return node;
}

const decide = itemPanel({
  data,
  kind: "relation",
  itemsPath: "relation-items",
  goldPath: "gold-relations",
  list,
  goldList,
  summary,
  itemNode,
  goldNode,
});
