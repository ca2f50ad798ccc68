// Keyboard shortcuts on a moderation item: a, b, c… accept that reviewer's version,
// r rejects all, n opens the next item. Typing in a field never triggers them.

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.target.closest("input, textarea, select")) return;
  const key = event.key.toLowerCase();
  if (key === "n") {
    const next = document.getElementById("next-item");
    if (next) next.click();
    return;
  }
  const button = document.querySelector(`#resolve-form button[data-key="${CSS.escape(key)}"]`);
  if (button) {
    event.preventDefault();
    button.click();
  }
});

document.body.dataset.shortcutsReady = "true";
