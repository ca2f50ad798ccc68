// Offsets between the canonical text's Unicode code points (what the server stores) and
// the browser's UTF-16 code units (what the DOM counts), grapheme boundaries, and the short
// forms of a quote that the editor shows. Pure functions: no DOM, so that they can be
// checked on their own.

/** Index maps between code points and UTF-16 units for one string. */
export class TextIndex {
  constructor(text) {
    this.text = text;
    let astral = false;
    for (let i = 0; i < text.length; i++) {
      const unit = text.charCodeAt(i);
      if (unit >= 0xd800 && unit <= 0xdbff) {
        astral = true;
        break;
      }
    }
    this.astral = astral;
    if (!astral) {
      this.length = text.length;
      return;
    }
    // cpToUnit[cp] = UTF-16 offset of code point cp; unitToCp[u] = code point containing unit u.
    const cpToUnit = new Uint32Array(text.length + 1);
    const unitToCp = new Uint32Array(text.length + 1);
    let cp = 0;
    for (let unit = 0; unit < text.length; cp++) {
      cpToUnit[cp] = unit;
      const code = text.charCodeAt(unit);
      const width = code >= 0xd800 && code <= 0xdbff && unit + 1 < text.length ? 2 : 1;
      unitToCp[unit] = cp;
      if (width === 2) unitToCp[unit + 1] = cp;
      unit += width;
    }
    cpToUnit[cp] = text.length;
    unitToCp[text.length] = cp;
    this.cpToUnitMap = cpToUnit.subarray(0, cp + 1);
    this.unitToCpMap = unitToCp;
    this.length = cp;
  }

  /** UTF-16 offset of a code-point offset. */
  unit(cp) {
    return this.astral ? this.cpToUnitMap[cp] : cp;
  }

  /**
   * Code-point offset of a UTF-16 offset. An offset inside a surrogate pair is moved to the
   * pair's start (roundDown) or end, so that a pair is never split.
   */
  codePoint(unit, roundDown = true) {
    if (!this.astral) return unit;
    const cp = this.unitToCpMap[unit];
    if (this.cpToUnitMap[cp] === unit || roundDown) return cp;
    return cp + 1;
  }

  /** The text between two code-point offsets. */
  slice(start, end) {
    return this.text.slice(this.unit(start), this.unit(end));
  }
}

const segmenter =
  typeof Intl !== "undefined" && Intl.Segmenter
    ? new Intl.Segmenter(undefined, { granularity: "grapheme" })
    : null;

/**
 * UTF-16 offsets of the grapheme cluster boundaries of a string (0 and length included):
 * an emoji with modifiers, a flag, a letter with combining marks each count as one.
 */
export function graphemeBoundaries(text) {
  const boundaries = [];
  if (segmenter) {
    for (const segment of segmenter.segment(text)) boundaries.push(segment.index);
  } else {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (!(code >= 0xdc00 && code <= 0xdfff)) boundaries.push(i);
    }
  }
  boundaries.push(text.length);
  return boundaries;
}

/** The nearest boundary at or before (down) or at or after (up) a UTF-16 offset. */
export function snapToBoundary(boundaries, unit, direction) {
  let low = 0;
  let high = boundaries.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (boundaries[middle] <= unit) low = middle;
    else high = middle - 1;
  }
  if (boundaries[low] === unit || direction === "down") return boundaries[low];
  return boundaries[Math.min(low + 1, boundaries.length - 1)];
}

const SPACE = /\s/u;

/** Shrink [start, end) (code points) so that it neither starts nor ends with white space. */
export function trimSpan(index, start, end) {
  while (start < end && SPACE.test(index.slice(start, start + 1))) start++;
  while (end > start && SPACE.test(index.slice(end - 1, end))) end--;
  return [start, end];
}

/**
 * Intervals (code points) covered by two or more spans, so that stacked spans can be
 * marked even when they share a category colour.
 */
export function overlapIntervals(spans) {
  const points = [];
  for (const span of spans) {
    points.push([span.start, 1], [span.end, -1]);
  }
  points.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const result = [];
  let depth = 0;
  let openedAt = null;
  for (const [position, change] of points) {
    const before = depth;
    depth += change;
    if (before < 2 && depth >= 2) openedAt = position;
    else if (before >= 2 && depth < 2) {
      if (position > openedAt) result.push([openedAt, position]);
      openedAt = null;
    }
  }
  return result;
}

/**
 * A quote on one line, at most ``limit`` UTF-16 units long with its ellipsis when cut; the cut
 * never splits a surrogate pair (a character outside the Basic Multilingual Plane).
 */
export function excerpt(text, limit = 80) {
  const flat = text.replace(/\s+/g, " ");
  if (flat.length <= limit) return flat;
  let cut = limit - 1;
  const last = flat.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${flat.slice(0, cut)}…`;
}

/** Text wrapped in Unicode direction isolates (FSI … PDI), for plain-text contexts. */
export function isolated(text) {
  return `\u2068${text}\u2069`;
}
