// What the reviewer sees of relations and how they draw them: the selected span's relations
// in its details (each with its type to change and a button to delete it), the list of all
// the reviewer's relations beside the text, and linking: "Link to another span" (or Enter
// on a selected span) starts from the selected span, and the next span picked (its
// highlight clicked, or a row of "My spans" or "Other spans here" chosen with the keyboard)
// is the other end, linked with the type chosen in the banner. Escape cancels.

import { relationLabel } from "./relations.js";
import { excerpt, isolated } from "./text.js";

function button(text, className, data = {}) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = className;
  element.textContent = text;
  Object.assign(element.dataset, data);
  return element;
}

export class RelationPanel {
  #linking = null; // the local id of the span a link starts from, or null
  #scheduled = false;
  #rows = new Map(); // a relation's localId -> its row in the list
  #dirtyRows = new Set(); // the relations whose rows are to be redrawn in the next frame

  /**
   * @param {object} options
   * @param {import("./relations.js").RelationStore} options.relations
   * @param {import("./spans.js").SpanStore} options.spans
   * @param {Map<string, {name: string}>} options.categories
   * @param {(localId: number) => void} options.onPick select a span and show it
   */
  constructor({ relations, spans, categories, onPick }) {
    this.relations = relations;
    this.spans = spans;
    this.categories = categories;
    this.onPick = onPick;
    const part = (id) => document.getElementById(id);
    this.detailList = part("detail-relations-list");
    this.linkButton = part("detail-link");
    this.banner = part("link-banner");
    this.bannerFrom = part("link-from");
    this.typeSelect = part("link-type");
    this.list = part("relation-list");
    this.total = part("relation-total");
    this.context = { types: relations.types, spans, categories };

    if (relations.readOnly) this.linkButton.disabled = true;
    this.linkButton.addEventListener("click", () => this.start());
    part("link-cancel").addEventListener("click", () => this.cancel());
    this.detailList.addEventListener("change", (event) => {
      const select = event.target.closest("select[data-relation]");
      const relation = select && this.#relation(select.dataset.relation);
      if (relation) relations.update(relation, { type: select.value });
    });
    this.detailList.addEventListener("click", (event) => this.#onListClick(event));
    this.list.addEventListener("click", (event) => this.#onListClick(event));
    // Before input.js's handler, which would close the details on Escape.
    document.addEventListener(
      "keydown",
      (event) => {
        if (event.key === "Escape" && this.#linking !== null) {
          event.stopImmediatePropagation();
          this.cancel();
        } else if (
          event.key === "Enter" &&
          this.#linking === null &&
          spans.selected &&
          !event.target.closest("input, textarea, select, button, a, summary")
        ) {
          event.preventDefault();
          this.start();
        }
      },
      true,
    );
    // Redrawn only for what it shows: a span's change matters when it is an end of a
    // relation (its quote in the labels), and tagging a new span redraws nothing here.
    spans.subscribe((event) => {
      if (event.type === "select") this.#onSelect(event.span, event.previous);
      else if (relations.links(event.span.localId)) {
        this.#schedule(relations.ofSpan(event.span.localId).map((relation) => relation.localId));
      }
    });
    relations.subscribe((event) => this.#schedule([event.relation.localId]));
    this.render();
  }

  get linking() {
    return this.#linking !== null;
  }

  /** Start linking from the selected span. */
  start() {
    const source = this.spans.selected;
    if (!source || this.relations.readOnly) return;
    const types = [...this.relations.types.values()].filter((type) => !type.retired);
    if (!types.length) {
      this.relations.onMessage("This project has no relation types.", "info");
      return;
    }
    this.#linking = source.localId;
    this.typeSelect.replaceChildren(
      ...types.map((type) => {
        const option = document.createElement("option");
        option.value = type.code;
        option.textContent = type.name;
        return option;
      }),
    );
    this.bannerFrom.textContent = `Linking “${isolated(excerpt(source.quote, 40))}” to the next span you pick (click its highlight, or choose it in My spans),`;
    this.banner.hidden = false;
    this.typeSelect.focus();
  }

  cancel() {
    this.#linking = null;
    this.banner.hidden = true;
  }

  #onSelect(span, previous) {
    if (this.#linking !== null && span && span.localId !== this.#linking) {
      const source = this.#linking;
      const type = this.typeSelect.value;
      this.cancel();
      const made = this.relations.create({ source, target: span.localId, type });
      // Back to the span the link started from, whose details now show it; the text stays
      // where the reviewer clicked.
      if (made) queueMicrotask(() => this.spans.select(this.spans.get(source)));
      return;
    }
    if (this.#linking !== null && !span && previous) return; // deselected while linking
    this.#renderDetails();
  }

  #relation(localId) {
    return this.relations.get(Number(localId));
  }

  #onListClick(event) {
    const remove = event.target.closest("[data-remove-relation]");
    if (remove) {
      const relation = this.#relation(remove.dataset.removeRelation);
      if (relation) this.relations.remove(relation);
      return;
    }
    const jump = event.target.closest("[data-local-id]");
    if (jump) this.onPick(Number(jump.dataset.localId));
  }

  /** Redraw the details, and the rows of these relations, in the next frame. */
  #schedule(rows = []) {
    for (const localId of rows) this.#dirtyRows.add(localId);
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      this.#renderDetails();
      this.#refreshRows();
    });
  }

  render() {
    this.#renderDetails();
    this.#renderList();
  }

  #renderDetails() {
    const selected = this.spans.selected;
    if (!selected) {
      this.detailList.replaceChildren();
      return;
    }
    const rows = this.relations.ofSpan(selected.localId).map((relation) => {
      const label = relationLabel(relation, selected.localId, this.context);
      const item = document.createElement("li");
      item.className = "d-flex align-items-center gap-1 mb-1 relation-row";
      item.dataset.testid = "relation";
      const arrow = document.createElement("span");
      arrow.setAttribute("aria-hidden", "true");
      arrow.textContent = label.arrow;
      const select = document.createElement("select");
      select.className = "form-select form-select-sm w-auto";
      select.dataset.relation = String(relation.localId);
      select.setAttribute("aria-label", "Relation type");
      select.disabled = this.relations.readOnly;
      const source = this.spans.get(relation.source);
      const target = this.spans.get(relation.target);
      const offered = source && target ? this.relations.typesFor(source, target) : [];
      for (const type of [...this.relations.types.values()]) {
        if (type.code !== relation.type && !offered.includes(type)) continue;
        const option = document.createElement("option");
        option.value = type.code;
        option.textContent = type.name;
        option.selected = type.code === relation.type;
        select.append(option);
      }
      const jump = button(label.text, "btn btn-link btn-sm p-0 text-start span-jump", {
        localId: String(label.other),
      });
      const remove = button("×", "btn btn-sm btn-outline-danger py-0 px-1 ms-auto", {
        removeRelation: String(relation.localId),
      });
      remove.setAttribute("aria-label", `Delete the relation ${label.name} ${label.text}`);
      remove.disabled = this.relations.readOnly;
      item.append(arrow, select, jump, remove);
      if (relation.unsaved) item.classList.add("unsaved");
      return item;
    });
    this.detailList.replaceChildren(...rows);
  }

  /** The whole list, once: afterwards each relation's row changes alone (#refreshRows). */
  #renderList() {
    this.#rows.clear();
    this.list.replaceChildren(...this.relations.all().map((relation) => this.#row(relation)));
    this.total.textContent = String(this.relations.size);
  }

  /** Bring the list up to date for the relations changed since the last frame. */
  #refreshRows() {
    for (const localId of this.#dirtyRows) {
      const relation = this.#relation(localId);
      const old = this.#rows.get(localId);
      if (!relation) {
        old?.remove();
        this.#rows.delete(localId);
      } else if (old) {
        old.replaceWith(this.#row(relation));
      } else {
        this.list.append(this.#row(relation));
      }
    }
    this.#dirtyRows.clear();
    this.total.textContent = String(this.relations.size);
  }

  #row(relation) {
    const source = this.spans.get(relation.source);
    const target = this.spans.get(relation.target);
    const name = this.relations.types.get(relation.type)?.name || relation.type;
    const quote = (span) => (span ? `“${isolated(excerpt(span.quote, 30))}”` : "a span");
    const item = document.createElement("li");
    item.dataset.testid = "relation-row";
    item.append(
      button(
        `${quote(source)} ${name} ${quote(target)}`,
        "btn btn-link btn-sm p-0 text-start span-jump",
        {
          localId: String(relation.source),
        },
      ),
    );
    this.#rows.set(relation.localId, item);
    return item;
  }
}
