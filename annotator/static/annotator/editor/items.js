// The moderation items of the curation page: the list of every item, the current one with
// each reviewer's version of its passage, and the decisions (accept a reviewer's version,
// accept the ticked spans, reject all with a reason, undo a decision). Decisions are saved
// through the page's queue, in order with the gold layer's changes; what the server answers
// is shown (the gold spans a decision made are handed to the gold store by the page).
//
// Reviewers are named by letter (A, B…) as the server sends them, never by user id.

import { excerpt, isolated } from "./text.js";

function reason(status, body) {
  return body?.detail || `the server answered ${status}`;
}

function element(tag, { className = "", text = "", attributes = {} } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

/** A proposed span [start, end, category, status, source, note] as an object. */
export function proposal(fields) {
  const [start, end, category, evidence_status = "", source_type = "", note = ""] = fields;
  return { start, end, category, evidence_status, source_type, note };
}

export class ItemBoard {
  #items; // the items, in document order, as the server last sent each
  #current = -1; // position of the current item in #items
  #pending = new Set(); // ids of items whose decision is on its way
  #listeners = new Set();

  /**
   * @param {object} options
   * @param {object[]} options.items the document's items (open and resolved)
   * @param {object} options.parts the panel's elements, by name
   * @param {import("./store.js").SaveQueue} options.queue
   * @param {import("./text.js").TextIndex} options.index the canonical text, for quotes
   * @param {Map<string, {name: string}>} options.categories by code
   * @param {Map<string, string>} options.statusNames evidence status code -> name
   * @param {Map<string, string>} options.sourceNames source type code -> name
   * @param {[string, string][]} options.reasons the reasons a decision can give
   * @param {[string, string][]} options.resolutions how an item can be resolved, with names
   * @param {Map<string, string>} options.reviewerNames letter -> how the reviewer is shown
   * @param {string} options.apiBase
   * @param {(text: string, kind?: string) => void} options.onMessage
   */
  constructor({
    items,
    parts,
    queue,
    index,
    categories,
    statusNames,
    sourceNames,
    reasons,
    resolutions,
    reviewerNames,
    apiBase,
    onMessage,
  }) {
    this.reasonNames = new Map(reasons);
    this.resolutionNames = new Map(resolutions);
    this.#items = items.map((item) => ({ ...item }));
    this.parts = parts;
    this.queue = queue;
    this.index = index;
    this.categories = categories;
    this.statusNames = statusNames;
    this.sourceNames = sourceNames;
    this.reviewerNames = reviewerNames;
    this.apiBase = apiBase;
    this.onMessage = onMessage;
    for (const [value, label] of reasons) {
      parts.reason.append(element("option", { text: label, attributes: { value } }));
    }
    parts.acceptTicked.addEventListener("click", () => this.acceptTicked());
    parts.reject.addEventListener("click", () => this.reject());
    parts.undo.addEventListener("click", () => this.undo());
    parts.previous.addEventListener("click", () => this.step(-1));
    parts.next.addEventListener("click", () => this.step(1));
    parts.acceptButtons.addEventListener("click", (event) => {
      const button = event.target.closest("[data-letter]");
      if (button) this.acceptReviewer(button.dataset.letter);
    });
    parts.list.addEventListener("click", (event) => {
      const button = event.target.closest("[data-item-id]");
      if (button) this.goTo(Number(button.dataset.itemId));
    });
    this.renderList();
  }

  // --- Reading ------------------------------------------------------------------------

  /** Be told {type: "current" | "changed", item} when the current item or an item changes. */
  subscribe(listener) {
    this.#listeners.add(listener);
  }

  all() {
    return this.#items;
  }

  get current() {
    return this.#items[this.#current] ?? null;
  }

  /** The open items whose passage overlaps [start, end). */
  openAt(start, end) {
    return this.#items.filter(
      (item) => item.status === "open" && item.start < end && start < item.end,
    );
  }

  // --- Moving -------------------------------------------------------------------------

  goTo(itemId) {
    const position = this.#items.findIndex((item) => item.id === itemId);
    if (position < 0) return false;
    this.#current = position;
    this.render();
    this.#emit("current", this.current);
    return true;
  }

  /** The next (1) or previous (-1) item; from none, the first open one. */
  step(direction) {
    if (!this.#items.length) return false;
    let position;
    if (this.#current < 0) {
      position = this.#items.findIndex((item) => item.status === "open");
      if (position < 0) position = 0;
    } else {
      position = (this.#current + direction + this.#items.length) % this.#items.length;
    }
    return this.goTo(this.#items[position].id);
  }

  // --- Deciding -----------------------------------------------------------------------

  acceptReviewer(letter) {
    const item = this.#decidable();
    if (!item) return false;
    if (!(item.versions[letter] || []).length) {
      this.onMessage(
        `Reviewer ${letter} has no span here: accepting their version would drop the others'. To keep nothing, reject all with a reason.`,
        "warning",
      );
      return false;
    }
    return this.#resolve(item, { resolution: "accept_reviewer", reviewer: letter });
  }

  acceptTicked() {
    const item = this.#decidable();
    if (!item) return false;
    const spans = this.#ticked();
    if (!spans.length) {
      this.onMessage("Tick the spans to keep first, or reject all with a reason.", "warning");
      return false;
    }
    return this.#resolve(item, { resolution: "accept_spans", spans });
  }

  /** Resolve the current item with the ticked spans and one drawn by the moderator. */
  acceptDrawn(item, drawn) {
    if (item.status !== "open" || this.#pending.has(item.id)) return false;
    if (this.current?.id !== item.id) this.goTo(item.id);
    const spans = [...this.#ticked(), drawn];
    return this.#resolve(item, { resolution: "custom", spans });
  }

  reject() {
    const item = this.#decidable();
    if (!item) return false;
    return this.#resolve(item, { resolution: "reject", spans: [] });
  }

  undo() {
    const item = this.current;
    if (item?.status !== "resolved" || this.#pending.has(item.id)) return false;
    this.#pending.add(item.id);
    const rationale = this.parts.rationale.value;
    this.queue.enqueue({
      request: () => ({
        method: "POST",
        url: `${this.apiBase}items/${item.id}/reopen`,
        body: { version: item.version, rationale },
      }),
      onSuccess: (body) => {
        this.#pending.delete(item.id);
        this.#replace(body.item, { removedGold: body.removed_gold });
        this.onMessage("The decision was undone: the item is open again.", "info");
      },
      onRefused: (status, body) => this.#refused(item, status, body, "The undo was refused"),
    });
    this.render();
    return true;
  }

  // --- Inside -------------------------------------------------------------------------

  #emit(type, item, extra = {}) {
    for (const listener of this.#listeners) {
      try {
        listener({ type, item, ...extra });
      } catch (error) {
        reportError(error);
      }
    }
  }

  #decidable() {
    const item = this.current;
    if (!item) {
      this.onMessage("Choose an item first (n for the next one).", "info");
      return null;
    }
    if (item.status !== "open" || this.#pending.has(item.id)) return null;
    return item;
  }

  #ticked() {
    return Array.from(this.parts.versions.querySelectorAll("input[data-span]:checked"), (box) =>
      proposal(JSON.parse(box.dataset.span)),
    );
  }

  #resolve(item, decision) {
    this.#pending.add(item.id);
    const body = {
      version: item.version,
      reason: this.parts.reason.value,
      rationale: this.parts.rationale.value,
      spans: [],
      ...decision,
    };
    this.queue.enqueue({
      request: () => ({ method: "POST", url: `${this.apiBase}items/${item.id}/resolve`, body }),
      onSuccess: (answer) => {
        this.#pending.delete(item.id);
        this.parts.rationale.value = "";
        this.parts.reason.value = "";
        this.#replace(answer.item, { gold: answer.gold });
      },
      onRefused: (status, answer) =>
        this.#refused(item, status, answer, "The decision was refused"),
    });
    this.render();
    return true;
  }

  #refused(item, status, body, what) {
    this.#pending.delete(item.id);
    if (status === 409 && body.current) {
      this.#replace(body.current, { conflict: true });
      this.onMessage(`${body.detail} It now shows the decision as it stands.`, "warning");
    } else {
      this.onMessage(`${what}: ${reason(status, body)}`);
      this.render();
    }
  }

  #replace(updated, extra) {
    const position = this.#items.findIndex((item) => item.id === updated.id);
    if (position < 0) return;
    this.#items[position] = updated;
    this.renderList();
    this.render();
    this.#emit("changed", updated, extra);
  }

  // --- Showing ------------------------------------------------------------------------

  renderList() {
    const open = this.#items.filter((item) => item.status === "open").length;
    this.parts.summary.textContent = `${open} of ${this.#items.length} item${this.#items.length === 1 ? "" : "s"} open.`;
    this.parts.summary.dataset.open = String(open);
    this.parts.summary.dataset.total = String(this.#items.length);
    const rows = this.#items.map((item) => {
      const row = element("li");
      const button = element("button", {
        className: "btn btn-link btn-sm p-0 text-start",
        attributes: { type: "button", "data-item-id": String(item.id) },
      });
      const quote = isolated(excerpt(this.index.slice(item.start, item.end), 50));
      button.textContent = `${item.start}–${item.end} ${item.kinds.join(", ")} · ${item.status}: “${quote}”`;
      if (item === this.current) button.setAttribute("aria-current", "true");
      row.append(button);
      return row;
    });
    this.parts.list.replaceChildren(...rows);
  }

  render() {
    const item = this.current;
    const parts = this.parts;
    for (const button of parts.list.querySelectorAll("[aria-current]")) {
      button.removeAttribute("aria-current");
    }
    if (!item) {
      parts.current.hidden = true;
      return;
    }
    parts.list.querySelector(`[data-item-id="${item.id}"]`)?.setAttribute("aria-current", "true");
    parts.current.hidden = false;
    parts.current.dataset.itemId = String(item.id);
    parts.current.dataset.status = item.status;
    const position = this.#items.indexOf(item) + 1;
    parts.where.textContent = `Item ${position} of ${this.#items.length}: characters ${item.start}–${item.end}`;
    parts.kinds.replaceChildren(
      ...item.kinds.map((kind) =>
        element("span", { className: "badge text-bg-light border me-1", text: kind }),
      ),
    );
    const pending = this.#pending.has(item.id);
    parts.state.textContent = pending ? "saving…" : item.status;
    parts.state.className = `badge ${item.status === "open" ? "text-bg-warning" : "text-bg-success"}`;
    this.#renderVersions(item);
    const open = item.status === "open";
    parts.decide.hidden = !open && !pending;
    for (const control of parts.decide.querySelectorAll("button, input"))
      control.disabled = pending;
    parts.undo.hidden = open;
    parts.undo.disabled = pending;
    parts.decided.hidden = open;
    if (!open) {
      const who = item.resolved_by ? ` by ${isolated(item.resolved_by)}` : "";
      const when = item.resolved_at
        ? ` at ${item.resolved_at.slice(0, 16).replace("T", " ")} UTC`
        : "";
      const why = item.rationale ? ` Why: ${isolated(item.rationale)}` : "";
      const reasonName = item.reason
        ? ` (${this.reasonNames.get(item.reason) ?? item.reason})`
        : "";
      const how = this.resolutionNames.get(item.resolution) ?? item.resolution;
      parts.decided.textContent = `Resolved${who}${when}: ${how}${reasonName}.${why}`;
    }
  }

  #renderVersions(item) {
    const parts = this.parts;
    const open = item.status === "open";
    const buttons = [];
    const blocks = [];
    for (const [letter, spans] of Object.entries(item.versions)) {
      const block = element("div", { className: "mb-2", attributes: { "data-letter": letter } });
      block.append(
        element("div", {
          className: "fw-semibold",
          text: this.reviewerNames.get(letter) || `Reviewer ${letter}`,
        }),
      );
      if (!spans.length) {
        block.append(element("div", { className: "text-body-secondary", text: "Nothing here." }));
      }
      spans.forEach((fields, position) => {
        const span = proposal(fields);
        const id = `tick-${item.id}-${letter}-${position}`;
        const row = element("div", { className: "form-check" });
        const box = element("input", {
          className: "form-check-input",
          attributes: { type: "checkbox", id, "data-span": JSON.stringify(fields) },
        });
        box.disabled = !open;
        const label = element("label", { className: "form-check-label", attributes: { for: id } });
        const name = this.categories.get(span.category)?.name || span.category;
        const swatch = element("span", {
          className: `swatch swatch-${span.category} me-1`,
          attributes: { "aria-hidden": "true" },
        });
        const details = [
          `${span.start}–${span.end}`,
          this.statusNames.get(span.evidence_status) || span.evidence_status,
          this.sourceNames.get(span.source_type) || span.source_type,
        ].filter(Boolean);
        label.append(
          swatch,
          element("strong", { text: name }),
          document.createTextNode(
            ` “${isolated(excerpt(this.index.slice(span.start, span.end), 60))}” (${details.join(", ")})`,
          ),
        );
        if (span.note) {
          label.append(
            element("div", {
              className: "text-body-secondary",
              text: `Note: ${isolated(span.note)}`,
            }),
          );
        }
        row.append(box, label);
        block.append(row);
      });
      blocks.push(block);
      if (spans.length && open) {
        const key = letter.length === 1 ? ` (${letter.toLowerCase()})` : "";
        buttons.push(
          element("button", {
            className: "btn btn-sm btn-primary",
            text: `Accept ${letter}'s version${key}`,
            attributes: { type: "button", "data-letter": letter },
          }),
        );
      }
    }
    parts.versions.replaceChildren(...blocks);
    parts.acceptButtons.replaceChildren(...buttons);
  }
}
