// The spans drawn over the text with the CSS Custom Highlight API: one highlight per category
// (coloured by the project's stylesheet), one for where spans overlap, one for the selected
// span. The text itself is never touched. Told of changes by the span store; keeps only the
// ranges it drew.

import { overlapIntervals } from "./text.js";

export const highlightsSupported = typeof CSS !== "undefined" && "highlights" in CSS;

/**
 * Whether spans can be drawn and changed on this page: offsets are exact only when the
 * page shows the stored text, and spans are of no use where they cannot be drawn. When
 * not, the page says why (``showMessage``) and the text is marked disabled.
 */
export function spansUsable({ offsets, text, article, showMessage, what }) {
  if (!highlightsSupported) {
    showMessage(
      "This browser cannot draw highlights (CSS Custom Highlight API): use a current Chromium, Firefox or Safari.",
    );
    return false;
  }
  if (!offsets.matches(text)) {
    showMessage(
      `The text on the page differs from the stored text; ${what} is disabled to keep offsets exact.`,
    );
    article.setAttribute("aria-disabled", "true");
    return false;
  }
  return true;
}

export class Highlights {
  #drawn = new Map(); // localId -> {range, category} as drawn
  #byCategory = new Map(); // category code -> Highlight
  #overlap = new Highlight();
  #selected = new Highlight();
  #scheduled = false;

  /**
   * Register the highlights and draw every span the store holds now.
   * @param {object} options
   * @param {Iterable<string>} options.categories the project's category codes
   * @param {import("./offsets.js").DocumentOffsets} options.offsets
   * @param {import("./spans.js").SpanStore} options.spans
   */
  constructor({ categories, offsets, spans }) {
    this.offsets = offsets;
    this.spans = spans;
    for (const code of categories) {
      const highlight = new Highlight();
      this.#byCategory.set(code, highlight);
      CSS.highlights.set(`cat-${code}`, highlight);
    }
    this.#overlap.priority = 1;
    CSS.highlights.set("ann-overlap", this.#overlap);
    this.#selected.priority = 2;
    CSS.highlights.set("ann-selected", this.#selected);
    for (const span of spans.all()) this.#draw(span);
    this.refreshOverlaps();
    this.#drawSelected();
    spans.subscribe((event) => this.#onChange(event));
  }

  /** Mark every stretch of text that two or more spans cover. */
  refreshOverlaps() {
    this.#overlap.clear();
    for (const [start, end] of overlapIntervals(this.spans.all())) {
      this.#overlap.add(this.offsets.rangeFor(start, end));
    }
  }

  #onChange(event) {
    if (event.type === "select") {
      this.#drawSelected();
      return;
    }
    if (event.type === "remove") this.#erase(event.span);
    else if (event.type === "add") this.#draw(event.span);
    else if (event.type === "change") {
      const { span, previous } = event;
      const moved = span.start !== previous.start || span.end !== previous.end;
      if (!moved && span.category === previous.category) return;
      this.#draw(span);
    }
    this.#schedule();
  }

  #draw(span) {
    this.#erase(span);
    const range = this.offsets.rangeFor(span.start, span.end);
    this.#drawn.set(span.localId, { range, category: span.category });
    this.#byCategory.get(span.category)?.add(range);
  }

  #erase(span) {
    const drawn = this.#drawn.get(span.localId);
    if (!drawn) return;
    this.#byCategory.get(drawn.category)?.delete(drawn.range);
    this.#drawn.delete(span.localId);
  }

  #drawSelected() {
    this.#selected.clear();
    const span = this.spans.selected;
    if (span) this.#selected.add(this.offsets.rangeFor(span.start, span.end));
  }

  /** Overlaps and the selected span depend on every span: redraw once a frame at most. */
  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      this.refreshOverlaps();
      this.#drawSelected();
    });
  }
}
