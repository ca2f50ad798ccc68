// The side list of the reviewer's spans in document order, and the counts per category.
// A report can hold thousands of spans and laying out thousands of rows on every keypress
// would make tagging slow, so the list shows only the rows in its viewport (every row has
// the same height) and redraws at most once a frame. Told of changes by the span store.

import { excerpt } from "./text.js";

const ROW_HEIGHT = 28; // px; matches .span-row in app.css
const ROWS_BEYOND = 10; // rows drawn above and below the viewport, for smooth scrolling

function compareSpans(a, b) {
  return a.start - b.start || a.end - b.end || a.localId - b.localId;
}

/** The first position in ``sorted`` whose span does not come before ``span``. */
function lowerBound(sorted, span) {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (compareSpans(sorted[middle], span) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

export class SpanList {
  #sorted = []; // every span, in document order, kept sorted one change at a time
  #spacer = document.createElement("div");
  #scheduled = false;

  /**
   * Draw the list and the counts of the spans the store holds now.
   * @param {object} options
   * @param {HTMLElement} options.list the scrolling list (#span-list)
   * @param {HTMLElement} options.total where the number of spans goes (#span-total)
   * @param {Iterable<HTMLElement>} options.counters one per category ([data-count-for])
   * @param {Map<string, {name: string}>} options.categories by code
   * @param {import("./spans.js").SpanStore} options.spans
   * @param {(localId: number) => void} options.onPick when the reviewer picks a row
   */
  constructor({ list, total, counters, categories, spans, onPick }) {
    this.list = list;
    this.total = total;
    this.counters = Array.from(counters);
    this.categories = categories;
    this.spans = spans;
    this.#spacer.className = "span-list-spacer";
    this.#sorted = spans.all().sort(compareSpans);
    this.#render();
    spans.subscribe((event) => this.#onChange(event));
    list.addEventListener("scroll", () => this.#schedule(), { passive: true });
    list.addEventListener("click", (event) => {
      const button = event.target.closest("[data-local-id]");
      if (button) onPick(Number(button.dataset.localId));
    });
  }

  #onChange(event) {
    const { type, span } = event;
    if (type === "add") this.#insert(span);
    else if (type === "remove") this.#remove(span);
    else if (type === "change") {
      const position = this.#position(event.previous);
      if (position !== -1 && compareSpans(span, event.previous) === 0) {
        this.#sorted[position] = span;
      } else {
        this.#remove(event.previous);
        this.#insert(span);
      }
    }
    this.#schedule();
  }

  /** Where a span is in the sorted list (by its offsets when they are the ones listed). */
  #position(span) {
    const position = lowerBound(this.#sorted, span);
    if (this.#sorted[position]?.localId === span.localId) return position;
    return this.#sorted.findIndex((listed) => listed.localId === span.localId);
  }

  #remove(span) {
    const position = this.#position(span);
    if (position !== -1) this.#sorted.splice(position, 1);
  }

  #insert(span) {
    this.#sorted.splice(lowerBound(this.#sorted, span), 0, span);
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      this.#render();
    });
  }

  /** Draw the rows in view of the list (and a few beyond), and the counts. */
  #render() {
    const sorted = this.#sorted;
    this.#spacer.style.height = `${sorted.length * ROW_HEIGHT}px`;
    const first = Math.max(0, Math.floor(this.list.scrollTop / ROW_HEIGHT) - ROWS_BEYOND);
    const visible = Math.ceil(this.list.clientHeight / ROW_HEIGHT);
    const last = Math.min(sorted.length, first + visible + 2 * ROWS_BEYOND);
    const selected = this.spans.selected?.localId;
    const rows = [];
    for (let position = first; position < last; position++) {
      rows.push(this.#row(sorted[position], position, sorted[position].localId === selected));
    }
    this.list.replaceChildren(this.#spacer, ...rows);
    this.#renderCounts();
  }

  #row(span, position, isSelected) {
    const row = document.createElement("div");
    row.className = "span-row";
    row.setAttribute("role", "listitem");
    row.setAttribute("aria-posinset", String(position + 1));
    row.setAttribute("aria-setsize", String(this.#sorted.length));
    row.style.top = `${position * ROW_HEIGHT}px`;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-link btn-sm text-start p-0 span-jump";
    button.dataset.localId = String(span.localId);
    if (isSelected) button.setAttribute("aria-current", "true");
    const swatch = document.createElement("span");
    swatch.className = `swatch swatch-${span.category}`;
    swatch.setAttribute("aria-hidden", "true");
    const name = document.createElement("span");
    name.className = "fw-semibold me-1";
    name.textContent = this.categories.get(span.category)?.name || span.category;
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

  #renderCounts() {
    const counts = new Map();
    for (const span of this.#sorted)
      counts.set(span.category, (counts.get(span.category) || 0) + 1);
    this.total.textContent = String(this.#sorted.length);
    for (const counter of this.counters) {
      counter.textContent = String(counts.get(counter.dataset.countFor) || 0);
    }
  }
}
