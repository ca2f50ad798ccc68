// The reviewer's mouse and keyboard: selecting text and tagging it, clicking a highlight to
// select its span, and the keyboard shortcuts. Every change is asked of the span store.

const CLICK_SLOP = 4; // px the pointer may move in a click

// Shift+arrows extend the selection from the keyboard, in the text's own direction.
const EXTEND = {
  ArrowLeft: ["left", "character"],
  ArrowRight: ["right", "character"],
  ArrowUp: ["backward", "line"],
  ArrowDown: ["forward", "line"],
  Home: ["backward", "lineboundary"],
  End: ["forward", "lineboundary"],
};

function rangeKey(selection) {
  if (!selection.rangeCount || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  return [range.startContainer, range.startOffset, range.endContainer, range.endOffset];
}

function sameRange(a, b) {
  return a !== null && b !== null && a.every((part, position) => part === b[position]);
}

/**
 * Listen to the reviewer.
 * @param {object} options
 * @param {HTMLElement} options.article the document text
 * @param {import("./offsets.js").DocumentOffsets} options.offsets
 * @param {import("./spans.js").SpanStore} options.spans
 * @param {import("./popup.js").CategoryPopup} options.popup
 * @param {Map<string, object>} options.categories by code
 * @param {{tagRequested: () => void}} options.probe told when a tag is asked for (benchmarks)
 * @param {(fields: {start: number, end: number, category: string}) => void} [options.create]
 *   what tagging a selection does: a new span in the store, unless the page decides otherwise
 *   (the curation page resolves an item with it)
 */
export function bindInput({
  article,
  offsets,
  spans,
  popup,
  categories,
  probe,
  create = (fields) => spans.create(fields),
}) {
  const byShortcut = new Map();
  for (const category of categories.values()) {
    if (category.shortcut) byShortcut.set(category.shortcut, category);
  }

  function showPopupForSelection() {
    const span = spans.readOnly ? null : offsets.selectedSpan();
    if (span) popup.showBeside(window.getSelection().getRangeAt(0));
    else popup.hide();
  }

  function tagSelection(code) {
    probe.tagRequested();
    if (spans.readOnly) return false;
    const span = offsets.selectedSpan();
    if (!span || !categories.has(code)) return false;
    create({ ...span, category: code });
    window.getSelection().removeAllRanges();
    popup.hide();
    return true;
  }

  // A pointer press in the text either makes a selection (a drag, a double or triple click,
  // a shift-click) or is a plain click, which the browser turns into a collapsed selection
  // once the press ends, after every handler of this press has run. The press is classified
  // here, synchronously: nothing waits for the browser, so a key pressed just after the
  // release (the shortcut that tags the selection) always sees the outcome of the release.
  let press = null;

  article.addEventListener("mousedown", (event) => {
    if (event.button !== 0) return;
    press = { x: event.clientX, y: event.clientY, range: rangeKey(window.getSelection()) };
  });

  article.addEventListener("mouseup", (event) => {
    if (event.button !== 0) return;
    const started = press;
    press = null;
    const range = rangeKey(window.getSelection());
    const moved =
      started !== null &&
      Math.hypot(event.clientX - started.x, event.clientY - started.y) > CLICK_SLOP;
    // A click inside an existing selection leaves it in place until the press is over, then
    // collapses it: the same range as at the press, without a drag, is such a click.
    const madeSelection =
      range !== null &&
      (moved ||
        event.detail > 1 ||
        event.shiftKey ||
        started === null ||
        !sameRange(range, started.range));
    if (madeSelection) {
      showPopupForSelection();
      return;
    }
    popup.hide();
    const offset = offsets.offsetAtPoint(event.clientX, event.clientY);
    const here =
      offset === null
        ? []
        : spans.all().filter((span) => span.start <= offset && offset < span.end);
    if (!here.length) {
      spans.select(null);
      return;
    }
    // The innermost span first; the details panel lists the others under the pointer.
    here.sort(
      (a, b) => a.end - a.start - (b.end - b.start) || a.start - b.start || a.localId - b.localId,
    );
    spans.select(here[0]);
  });

  popup.onChoose((code) => tagSelection(code));

  function selectionInArticle() {
    const selection = window.getSelection();
    return selection.rangeCount > 0 && article.contains(selection.anchorNode);
  }

  document.addEventListener("keydown", (event) => {
    const typing = event.target.closest("input, textarea, select");
    if (event.key === "Escape") {
      popup.hide();
      if (!typing) spans.select(null);
      return;
    }
    if (typing) return;
    if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key.toLowerCase() === "z") {
      event.preventDefault();
      spans.undo();
      return;
    }
    if (event.shiftKey && EXTEND[event.key] && selectionInArticle()) {
      event.preventDefault();
      const [direction, unit] = EXTEND[event.key];
      const selection = window.getSelection();
      selection.modify("extend", direction, event.ctrlKey || event.altKey ? "word" : unit);
      showPopupForSelection();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const category = byShortcut.get(event.key);
    if (category && offsets.selectedSpan()) {
      event.preventDefault();
      tagSelection(category.code);
      return;
    }
    const selected = spans.selected;
    if (!selected) return;
    if (category) {
      event.preventDefault();
      spans.update(selected, { category: category.code });
    } else if (event.key === "Delete" || event.key === "Backspace") {
      event.preventDefault();
      spans.remove(selected);
    } else if (event.key === "[" || event.key === "]") {
      event.preventDefault();
      spans.nudge(selected, "start", event.key === "[" ? -1 : 1);
    } else if (event.key === "{" || event.key === "}") {
      event.preventDefault();
      spans.nudge(selected, "end", event.key === "{" ? -1 : 1);
    }
  });

  document.addEventListener("selectionchange", () => {
    if (popup.open && !offsets.selectedSpan()) popup.hide();
  });
}
