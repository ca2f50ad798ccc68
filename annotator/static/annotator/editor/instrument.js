// Hooks for the benchmarks and the tests, loaded only when the page's address asks for them
// (?instrument=1): reviewers' pages never load this module. It sets window.annotatorEditor
// (what benchmarks/bench_editor.py reads) and marks the editor's start-up phases for the
// Performance API.
//
//   window.annotatorEditor.paintedAt   performance.now() two frames after the highlights
//                                      were registered: the first frame with them is done
//   window.annotatorEditor.spans()     the spans on screen, in document order
//   window.annotatorEditor.timings     from the keypress (or popup click) that tags a
//                                      selection: lastCreateShownMs to the next frame,
//                                      lastCreateSavedMs to the server's answer
//   window.annotatorEditor.queue       the SaveQueue (queue.pending)
//   window.annotatorEditor.select(id)  select the span with this local id, as a click does

/**
 * The probe main.js calls; it replaces the one that does nothing.
 * @param {object} options
 * @param {import("./store.js").SaveQueue} options.queue
 * @param {import("./spans.js").SpanStore} options.spans
 */
export function createProbe({ queue, spans }) {
  const timings = { createRequestedAt: null, lastCreateSavedMs: null, lastCreateShownMs: null };
  const hooks = {
    timings,
    queue,
    spans: () => spans.all().sort((a, b) => a.start - b.start || a.end - b.end),
    paintedAt: null,
    select: (localId) => spans.select(spans.get(localId)),
  };
  window.annotatorEditor = hooks;

  spans.subscribe((event) => {
    const requestedAt = timings.createRequestedAt;
    if (requestedAt === null) return;
    if (event.type === "add" && event.cause === "create") {
      requestAnimationFrame(() => {
        timings.lastCreateShownMs = performance.now() - requestedAt;
      });
    } else if (event.type === "change" && event.cause === "created") {
      timings.lastCreateSavedMs = performance.now() - requestedAt;
      timings.createRequestedAt = null;
    }
  });

  return {
    /** Run one phase of the start-up, measured as "editor:<name>". */
    phase(name, run) {
      const label = `editor:${name}`;
      performance.mark(label);
      try {
        return run();
      } finally {
        performance.measure(label, label);
      }
    },
    tagRequested() {
      timings.createRequestedAt = performance.now();
    },
    painted() {
      hooks.paintedAt = performance.now();
    },
  };
}
