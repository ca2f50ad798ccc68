// The document's imported layers: spans that came with an imported corpus (another tool's,
// an earlier export's), never a reviewer's. Read-only: the reviewer switches a layer on to
// see its spans underlined (one highlight, "imported", styled by imported.css) and listed,
// and copies one into their own layer, where it becomes a new span of theirs, saved through
// the span store's queue and checked by the server like any other (pre-annotation).

import { excerpt } from "./text.js";

// Rows listed at most for the layers shown: a long report's imported layer can hold
// thousands of spans, and the list is a way in, not a second text.
const ROWS_LIMIT = 500;

export class ImportedLayers {
  #shown = new Set(); // indices of the layers switched on
  #highlight = typeof Highlight === "undefined" ? null : new Highlight();

  /**
   * @param {object} options
   * @param {{name: string, spans: object[]}[]} options.layers from the page's data
   * @param {HTMLElement} options.panel the "Imported layers" section, with one checkbox a
   *   layer ([data-imported-layer]) and the list (#imported-list)
   * @param {import("./offsets.js").DocumentOffsets | null} options.offsets null when spans
   *   cannot be drawn (the editor says why)
   * @param {import("./spans.js").SpanStore} options.spans the reviewer's own spans
   * @param {Map<string, {name: string}>} options.categories by code
   * @param {(text: string, kind?: string) => void} options.onMessage
   */
  constructor({ layers, panel, offsets, spans, categories, onMessage }) {
    this.layers = layers;
    this.panel = panel;
    this.list = panel.querySelector("#imported-list");
    this.offsets = this.#highlight ? offsets : null;
    this.spans = spans;
    this.categories = categories;
    this.onMessage = onMessage;
    if (this.offsets) {
      this.#highlight.priority = 0;
      CSS.highlights.set("imported", this.#highlight);
    }
    for (const box of panel.querySelectorAll("[data-imported-layer]")) {
      box.addEventListener("change", () => {
        const index = Number(box.dataset.importedLayer);
        if (box.checked) this.#shown.add(index);
        else this.#shown.delete(index);
        this.#render();
      });
    }
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const span = this.layers[Number(button.dataset.layer)]?.spans[Number(button.dataset.span)];
      if (!span) return;
      if (button.dataset.action === "copy") this.copy(span, button);
      else if (this.offsets) {
        this.offsets.elementAt(span.start).scrollIntoView({ block: "center" });
      }
    });
  }

  /** The reviewer already has exactly this span (same offsets and category). */
  #owned(span) {
    return this.spans
      .all()
      .some(
        (own) => own.start === span.start && own.end === span.end && own.category === span.category,
      );
  }

  /** Copy an imported span into the reviewer's layer: a new span of theirs, saved. */
  copy(span, button) {
    if (this.spans.readOnly) return false;
    if (!this.categories.has(span.category)) {
      this.onMessage(
        `“${span.category}” is not a category of this project: the span cannot be copied.`,
        "warning",
      );
      return false;
    }
    if (this.#owned(span)) {
      this.onMessage("This span is in your layer already.", "info");
      return false;
    }
    const created = this.spans.create({
      start: span.start,
      end: span.end,
      category: span.category,
    });
    if (created && button) {
      button.disabled = true;
      button.textContent = "Copied";
    }
    return Boolean(created);
  }

  #render() {
    this.#highlight?.clear();
    const rows = [];
    let total = 0;
    for (const index of [...this.#shown].sort((a, b) => a - b)) {
      const layer = this.layers[index];
      layer.spans.forEach((span, position) => {
        if (this.offsets) this.#highlight.add(this.offsets.rangeFor(span.start, span.end));
        total += 1;
        if (rows.length < ROWS_LIMIT) rows.push(this.#row(index, position, span));
      });
    }
    if (total > rows.length) {
      const more = document.createElement("p");
      more.className = "text-body-secondary mb-0";
      more.textContent = `The first ${rows.length} of ${total} spans are listed; all are underlined.`;
      rows.push(more);
    }
    this.list.replaceChildren(...rows);
  }

  #row(layerIndex, position, span) {
    const row = document.createElement("div");
    row.className = "imported-row d-flex align-items-center gap-1";
    row.setAttribute("role", "listitem");
    const jump = document.createElement("button");
    jump.type = "button";
    jump.className = "btn btn-link btn-sm text-start p-0 flex-grow-1 imported-jump";
    jump.dataset.action = "show";
    jump.dataset.layer = String(layerIndex);
    jump.dataset.span = String(position);
    const swatch = document.createElement("span");
    swatch.className = `swatch swatch-${span.category}`;
    swatch.setAttribute("aria-hidden", "true");
    const name = document.createElement("span");
    name.className = "fw-semibold me-1";
    name.textContent = this.categories.get(span.category)?.name || span.category;
    // The quote is isolated (bdi), its marks outside, as in the list of the reviewer's spans.
    const quote = document.createElement("bdi");
    quote.textContent = excerpt(span.quote);
    jump.append(swatch, name, "“", quote, "”");
    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "btn btn-sm btn-outline-primary py-0 imported-copy";
    copy.dataset.action = "copy";
    copy.dataset.layer = String(layerIndex);
    copy.dataset.span = String(position);
    copy.textContent = "Copy";
    copy.setAttribute(
      "aria-label",
      `Copy “${excerpt(span.quote, 40)}” into my layer as ${name.textContent}`,
    );
    if (this.spans.readOnly || !this.categories.has(span.category)) copy.disabled = true;
    else if (this.#owned(span)) {
      copy.disabled = true;
      copy.textContent = "Copied";
    }
    row.append(jump, copy);
    return row;
  }
}
