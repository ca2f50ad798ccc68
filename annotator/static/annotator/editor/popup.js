// The category popup beside a selection, placed so that every category stays in view
// whatever part of the window the selection is in.

const POPUP_MARGIN = 8; // px kept clear of the window's edges
const POPUP_GAP = 6; // px between the selection and the popup

/**
 * Where the popup goes, in viewport coordinates: below the selection's last line, or above
 * its first when there is no room below, and never outside the window.
 * @param {{top: number}} first the rectangle of the selection's first line
 * @param {{bottom: number, right: number}} last the rectangle of its last line
 * @param {number} width the popup's size
 * @param {number} height
 * @param {{width: number, height: number}} [view] the window's size, without scroll bars
 */
export function popupPlace(first, last, width, height, view = viewport()) {
  let top = last.bottom + POPUP_GAP;
  if (top + height > view.height - POPUP_MARGIN) {
    const above = first.top - POPUP_GAP - height;
    top = above >= POPUP_MARGIN ? above : view.height - POPUP_MARGIN - height;
  }
  const left = Math.min(last.right - width / 2, view.width - width - POPUP_MARGIN);
  return { left: Math.max(POPUP_MARGIN, left), top: Math.max(POPUP_MARGIN, top) };
}

function viewport() {
  const root = document.documentElement;
  return { width: root.clientWidth, height: root.clientHeight };
}

export class CategoryPopup {
  /** @param {HTMLElement} element #category-popup, with a [data-category] button for each */
  constructor(element) {
    this.element = element;
    element.addEventListener("mousedown", (event) => event.preventDefault()); // keep the selection
  }

  get open() {
    return !this.element.hidden;
  }

  hide() {
    this.element.hidden = true;
  }

  /** Show the popup beside a range of the page (the reader's selection). */
  showBeside(range) {
    const rects = range.getClientRects();
    const whole = range.getBoundingClientRect();
    const first = rects.length ? rects[0] : whole;
    const last = rects.length ? rects[rects.length - 1] : whole;
    const popup = this.element;
    popup.hidden = false;
    const { left, top } = popupPlace(first, last, popup.offsetWidth, popup.offsetHeight);
    popup.style.left = `${window.scrollX + left}px`;
    popup.style.top = `${window.scrollY + top}px`;
  }

  /** Call ``choose(code)`` when the reviewer picks a category. */
  onChoose(choose) {
    this.element.addEventListener("click", (event) => {
      const choice = event.target.closest("[data-category]");
      if (choice) choose(choice.dataset.category);
    });
  }
}
