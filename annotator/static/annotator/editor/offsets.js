// Positions between the page and the canonical text. The server renders the text as one
// element per line, each with the code-point offset where the line starts (data-offset),
// and the page never changes it. This module converts DOM positions (UTF-16 units in a text
// node) to code points and back, snaps to grapheme clusters, and reads the reader's
// selection and the character under the pointer. It holds no editor state.

import { graphemeBoundaries, snapToBoundary, trimSpan } from "./text.js";

export class DocumentOffsets {
  /**
   * @param {HTMLElement} article the element whose children are the lines of the text
   * @param {import("./text.js").TextIndex} index the canonical text
   */
  constructor(article, index) {
    this.article = article;
    this.index = index;
    this.lineElements = Array.from(article.children);
    this.lineStarts = this.lineElements.map((element) => Number(element.dataset.offset));
    this.lineOf = new Map(this.lineElements.map((element, position) => [element, position]));
    this.boundaryCache = new Map(); // line -> its grapheme boundaries, computed when needed
  }

  /** Whether the page shows exactly ``text``: offsets are exact only then. */
  matches(text) {
    return this.lineElements.map((element) => element.textContent).join("\n") === text;
  }

  lineEnd(line) {
    return line + 1 < this.lineStarts.length ? this.lineStarts[line + 1] - 1 : this.index.length;
  }

  lineIndexOf(offset) {
    const starts = this.lineStarts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle] <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  /** DOM position [node, UTF-16 offset] of a code-point offset. */
  domPoint(offset) {
    const line = this.lineIndexOf(offset);
    const element = this.lineElements[line];
    const node = element.firstChild;
    if (!node) return [element, 0];
    const unit = this.index.unit(offset) - this.index.unit(this.lineStarts[line]);
    return [node, Math.min(unit, node.length)];
  }

  /** The element of the line that holds a code-point offset, to scroll to. */
  elementAt(offset) {
    return this.lineElements[this.lineIndexOf(offset)];
  }

  /** Code-point offset of a DOM position inside the article, or null. */
  offsetOf(node, offset, roundDown) {
    if (node.nodeType === Node.TEXT_NODE) {
      const line = this.lineOf.get(node.parentElement);
      if (line === undefined) return null;
      const base = this.index.unit(this.lineStarts[line]);
      return this.index.codePoint(base + offset, roundDown);
    }
    if (node === this.article) {
      return offset >= this.lineElements.length ? this.index.length : this.lineStarts[offset];
    }
    const line = this.lineOf.get(node);
    if (line !== undefined) return offset === 0 ? this.lineStarts[line] : this.lineEnd(line);
    return null;
  }

  /** The nearest grapheme boundary at or before ("down") or at or after ("up") an offset. */
  snap(offset, direction) {
    const line = this.lineIndexOf(offset);
    let boundaries = this.boundaryCache.get(line);
    if (!boundaries) {
      boundaries = graphemeBoundaries(this.lineElements[line].textContent);
      this.boundaryCache.set(line, boundaries);
    }
    const base = this.index.unit(this.lineStarts[line]);
    const unit = Math.min(this.index.unit(offset) - base, boundaries[boundaries.length - 1]);
    const snapped = snapToBoundary(boundaries, unit, direction);
    return this.index.codePoint(base + snapped, direction === "down");
  }

  /** A range of the page for [start, end) in code points. */
  rangeFor(start, end) {
    const [startContainer, startOffset] = this.domPoint(start);
    const [endContainer, endOffset] = this.domPoint(end);
    return new StaticRange({ startContainer, startOffset, endContainer, endOffset });
  }

  /** The span the reader has selected, in code points, snapped to graphemes and trimmed. */
  selectedSpan() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed) return null;
    const range = selection.getRangeAt(0);
    const whole = document.createRange();
    whole.selectNodeContents(this.article);
    // -1, 0 or 1: where each end of the selection lies relative to the document text.
    const startWhere = whole.comparePoint(range.startContainer, range.startOffset);
    const endWhere = whole.comparePoint(range.endContainer, range.endOffset);
    if (endWhere < 0 || startWhere > 0) return null;
    let start = startWhere < 0 ? 0 : this.offsetOf(range.startContainer, range.startOffset, true);
    let end =
      endWhere > 0 ? this.index.length : this.offsetOf(range.endContainer, range.endOffset, false);
    if (start === null || end === null || end <= start) return null;
    start = this.snap(start, "down");
    end = this.snap(end, "up");
    [start, end] = trimSpan(this.index, start, end);
    return end > start ? { start, end } : null;
  }

  /** The code-point offset of the character under a point of the window, or null. */
  offsetAtPoint(x, y) {
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
    const caret = this.offsetOf(node, offset, true);
    if (caret === null) return null;
    // The caret sits between two characters: take the one under the pointer.
    for (const candidate of [caret, caret - 1]) {
      if (candidate < 0 || candidate >= this.index.length) continue;
      const character = this.rangeFor(candidate, candidate + 1);
      const range = document.createRange();
      range.setStart(character.startContainer, character.startOffset);
      range.setEnd(character.endContainer, character.endOffset);
      for (const rect of range.getClientRects()) {
        if (
          x >= rect.left - 1 &&
          x <= rect.right + 1 &&
          y >= rect.top - 1 &&
          y <= rect.bottom + 1
        ) {
          return candidate;
        }
      }
    }
    return null;
  }
}
