// What the reviewer is told: the badge that says whether every change is saved (its data-*
// attributes are what the browser tests wait on), the message above the text, and the
// guards that keep unsaved changes from being lost by leaving the page or submitting.

const STATE_LABELS = {
  saved: ["All changes saved", "text-bg-success"],
  saving: ["Saving…", "text-bg-secondary"],
  retrying: ["Not saved yet: retrying", "text-bg-warning"],
  refused: ["A change was refused", "text-bg-danger"],
};

export class SaveStatus {
  /**
   * @param {object} options
   * @param {HTMLElement} options.badge #save-status
   * @param {HTMLElement} options.messageBox #editor-message
   */
  constructor({ badge, messageBox }) {
    this.badge = badge;
    this.messageBox = messageBox;
  }

  /** The SaveQueue's onState: show its state, and its reason when it is retrying. */
  showState(state, detail, pending, counts) {
    const [label, style] = STATE_LABELS[state] || STATE_LABELS.saving;
    const badge = this.badge;
    badge.className = `save-status badge ${style}`;
    badge.dataset.state = state;
    badge.dataset.pending = String(pending);
    badge.dataset.queued = String(counts.queued);
    badge.dataset.settled = String(counts.settled);
    badge.textContent = pending && state !== "saved" ? `${label} (${pending} pending)` : label;
    badge.title = detail || "";
    if (state === "retrying") this.showMessage(detail, "warning");
    else if (state === "saved") this.hideMessage("warning");
  }

  showMessage(text, kind = "danger") {
    const box = this.messageBox;
    box.className = `alert alert-${kind} py-2 small`;
    box.dataset.kind = kind;
    box.textContent = text;
    box.hidden = false;
  }

  /** Hide the message, or only a message of this kind. */
  hideMessage(kind) {
    if (!kind || this.messageBox.dataset.kind === kind) this.messageBox.hidden = true;
  }
}

/**
 * Retry when the network comes back or the badge is clicked; ask before leaving the page
 * with changes unsaved; refuse to submit the document until every change is saved.
 * @param {object} options
 * @param {import("./store.js").SaveQueue} options.queue
 * @param {HTMLElement} options.badge
 * @param {HTMLFormElement | null} options.submitForm
 * @param {(text: string, kind?: string) => void} options.showMessage
 */
export function guardUnsaved({ queue, badge, submitForm, showMessage }) {
  window.addEventListener("online", () => queue.retryNow());
  badge.addEventListener("click", () => queue.retryNow());
  window.addEventListener("beforeunload", (event) => {
    if (queue.pending) {
      event.preventDefault();
      event.returnValue = ""; // older browsers ask only when this is set
    }
  });
  // Submitting with changes still unsaved would submit less than the reviewer did.
  submitForm?.addEventListener("submit", (event) => {
    if (queue.pending) {
      event.preventDefault();
      showMessage(
        "Some changes are not saved yet: wait for “All changes saved”, then submit.",
        "warning",
      );
    }
  });
}
