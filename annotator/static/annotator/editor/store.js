// Saving without losing work: every change goes through one queue, in order. A change
// that meets a network failure or a server error stays in the queue and is retried with
// growing pauses; it is dropped only when the server refuses it (4xx), and then the
// editor is told so that it can undo the change on screen and say why.

const RETRYABLE = new Set([401, 408, 425, 429, 500, 502, 503, 504]);
const MAX_PAUSE_MS = 15000;

function csrfToken(fallback) {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : fallback;
}

/** Run an operation's callback; one that throws must not stop the changes after it. */
function tell(callback) {
  try {
    callback();
  } catch (error) {
    reportError(error);
  }
}

export class SaveQueue {
  /**
   * @param {object} options
   * @param {string} options.csrfToken token to send when no csrftoken cookie is readable
   * @param {(state: string, detail: string, pending: number, counts: {queued: number, settled: number}) => void} options.onState
   *   told of every change of state; ``counts`` says how many changes were ever queued and
   *   how many the server has answered (or that needed no request), so that "saved" can be
   *   told apart from "nothing was sent yet".
   * @param {typeof fetch} [options.fetch] what sends a request: the browser's, or a stand-in
   *   server in the tests
   */
  constructor({
    csrfToken: fallbackToken,
    onState,
    fetch: send = (url, init) => fetch(url, init),
  }) {
    this.fallbackToken = fallbackToken;
    this.onState = onState;
    this.send = send;
    this.operations = [];
    this.running = false;
    this.failures = 0;
    this.wakeUp = null;
    this.queued = 0;
    this.settled = 0;
  }

  get pending() {
    return this.operations.length;
  }

  /**
   * Queue a change. ``request()`` is called when its turn comes (so that it can use ids
   * the server gave to earlier changes) and returns {method, url, body} or null to skip.
   */
  enqueue({ request, onSuccess, onRefused }) {
    this.operations.push({ request, onSuccess, onRefused });
    this.queued += 1;
    this.report();
    this.pump();
  }

  /** Try again now instead of waiting for the current pause to end. */
  retryNow() {
    if (this.wakeUp) this.wakeUp();
  }

  report(state, detail = "") {
    const pending = this.operations.length;
    if (!state) state = pending ? "saving" : "saved";
    this.onState(state, detail, pending, { queued: this.queued, settled: this.settled });
  }

  async pump() {
    if (this.running) return;
    this.running = true;
    try {
      while (this.operations.length) {
        const operation = this.operations[0];
        const request = operation.request();
        if (!request) {
          this.operations.shift();
          this.settled += 1;
          continue;
        }
        let response;
        try {
          response = await this.send(request.url, {
            method: request.method,
            credentials: "same-origin",
            headers: {
              "Content-Type": "application/json",
              Accept: "application/json",
              "X-CSRFToken": csrfToken(this.fallbackToken),
            },
            body: request.body === undefined ? undefined : JSON.stringify(request.body),
          });
        } catch {
          await this.pause("The server cannot be reached");
          continue;
        }
        if (RETRYABLE.has(response.status)) {
          const why =
            response.status === 401
              ? "You are logged out: log in again in another tab"
              : `The server answered ${response.status}`;
          await this.pause(why);
          continue;
        }
        this.failures = 0;
        this.operations.shift();
        this.settled += 1;
        let body = null;
        if (response.status !== 204) {
          try {
            body = await response.json();
          } catch {
            body = { detail: `The server answered ${response.status} without JSON.` };
          }
        }
        if (response.ok) {
          tell(() => operation.onSuccess(body));
          this.report();
        } else {
          tell(() => operation.onRefused(response.status, body || {}));
          this.report("refused", body?.detail || `Refused (${response.status}).`);
        }
      }
    } finally {
      this.running = false;
    }
    this.report();
  }

  pause(why) {
    this.failures += 1;
    const wait = Math.min(MAX_PAUSE_MS, 500 * 2 ** Math.min(this.failures, 5));
    // retryNow() works from the moment the state says "retrying", even from onState itself.
    const paused = new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakeUp = null;
        resolve();
      };
      const timer = setTimeout(done, wait);
      this.wakeUp = done;
    });
    const seconds = Math.round(wait / 1000);
    this.report(
      "retrying",
      `${why}. Your changes are kept and will be saved; retrying in ${seconds} s.`,
    );
    return paused;
  }
}

/**
 * Queue a change of a record (a span, a relation), counting it in ``record.pending`` until
 * the server answers it or it turns out to need no request: what shows the record as unsaved.
 */
export function enqueueCounted(queue, record, operation) {
  record.pending += 1;
  const settle = () => {
    record.pending -= 1;
  };
  queue.enqueue({
    request: () => {
      const request = operation.request();
      if (!request) settle();
      return request;
    },
    onSuccess: (body) => {
      settle();
      operation.onSuccess(body);
    },
    onRefused: (status, body) => {
      settle();
      operation.onRefused(status, body);
    },
  });
}
