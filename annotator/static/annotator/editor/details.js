// The details panel of the selected span: its quote and offsets, its category, status of
// the allegation, type of source and note, the buttons that move its boundaries or delete
// it, and the other spans over the same text. Shows what the span store holds; asks the
// store for every change.

import { excerpt, isolated } from "./text.js";

function fillOptions(select, choices) {
  for (const [value, label] of choices) {
    const option = document.createElement("option");
    option.value = value;
    option.textContent = label;
    select.append(option);
  }
}

export class Details {
  #scheduled = false;

  /**
   * @param {object} options
   * @param {HTMLElement} options.panel #span-details, holding the #detail-* controls
   * @param {Map<string, {name: string}>} options.categories by code
   * @param {[string, string][]} options.evidenceStatuses choices of the status select
   * @param {[string, string][]} options.sourceTypes choices of the source select
   * @param {import("./spans.js").SpanStore} options.spans
   * @param {(localId: number) => void} options.onPick when the reviewer picks another span
   */
  constructor({ panel, categories, evidenceStatuses, sourceTypes, spans, onPick }) {
    const part = (id) => panel.querySelector(`#${id}`);
    this.panel = panel;
    this.categories = categories;
    this.spans = spans;
    this.quote = part("detail-quote");
    this.offsets = part("detail-offsets");
    this.category = part("detail-category");
    this.status = part("detail-status");
    this.source = part("detail-source");
    this.note = part("detail-note");
    this.others = part("detail-others");
    this.othersList = part("detail-others-list");
    fillOptions(this.status, evidenceStatuses);
    fillOptions(this.source, sourceTypes);

    const change = (control, name) =>
      control.addEventListener("change", () => {
        if (spans.selected) spans.update(spans.selected, { [name]: control.value });
      });
    change(this.category, "category");
    change(this.status, "evidence_status");
    change(this.source, "source_type");
    change(this.note, "note");
    part("detail-delete").addEventListener("click", () => {
      if (spans.selected) spans.remove(spans.selected);
    });
    part("detail-close").addEventListener("click", () => spans.select(null));
    for (const button of panel.querySelectorAll("[data-nudge]")) {
      button.addEventListener("click", () => {
        const [boundary, step] = button.dataset.nudge.split(":");
        if (spans.selected) spans.nudge(spans.selected, boundary, Number(step));
      });
    }
    this.othersList.addEventListener("click", (event) => {
      const button = event.target.closest("[data-local-id]");
      if (button) onPick(Number(button.dataset.localId));
    });
    if (spans.readOnly) {
      for (const control of panel.querySelectorAll(
        "select, textarea, button[data-nudge], #detail-delete",
      )) {
        control.disabled = true;
      }
    }
    spans.subscribe((event) => {
      if (event.type === "select") this.render();
      else if (spans.selected) this.#schedule();
    });
    this.render();
  }

  /** Show the selected span, or hide the panel when there is none. */
  render() {
    const selected = this.spans.selected;
    if (!selected) {
      this.panel.hidden = true;
      return;
    }
    this.panel.hidden = false;
    this.quote.textContent = selected.quote;
    this.offsets.textContent =
      `Characters ${selected.start}–${selected.end} (${selected.end - selected.start} code points)` +
      (selected.unsaved ? " · not saved yet" : "");
    this.category.value = selected.category;
    this.status.value = selected.evidence_status;
    this.source.value = selected.source_type;
    if (document.activeElement !== this.note) this.note.value = selected.note;
    const others =
      this.spans.size > 1
        ? this.spans
            .all()
            .filter(
              (span) =>
                span.localId !== selected.localId &&
                span.start < selected.end &&
                selected.start < span.end,
            )
            .sort((a, b) => a.start - b.start || a.end - b.end || a.localId - b.localId)
        : [];
    this.others.hidden = others.length === 0;
    this.othersList.replaceChildren(...others.map((span) => this.#otherItem(span)));
  }

  #otherItem(span) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm p-0 span-jump";
    button.dataset.localId = String(span.localId);
    const name = this.categories.get(span.category)?.name || span.category;
    button.textContent = `${name}: “${isolated(excerpt(span.quote, 40))}”`;
    item.append(button);
    return item;
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      this.render();
    });
  }
}
