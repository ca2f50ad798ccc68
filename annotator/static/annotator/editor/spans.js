// The editor's state and its one owner: the reviewer's spans, the selected span and the undo
// stack. Every change is made here, shown at once and saved through the queue, in order.
// The other modules read the state and are told of each change through subscribe(); the
// spans they are given are frozen snapshots, so that nothing but this module changes them.
//
// Nothing here touches the page: the queue, the text index, how to snap an offset to a whole
// character and where to say what went wrong are passed in, so that it is tested alone.
//
// What subscribers are told, in the order things happen:
//   {type: "add", span, cause}              a span appears: "create", "undo" (of a delete),
//                                           "refused" (the server kept a span deleted here),
//                                           "server" (adopted: the server made it)
//   {type: "change", span, previous, cause} "edit", "undo", "created" (the server answered
//                                           the create), "saved", "refused" (put back as the
//                                           server has it)
//   {type: "remove", span, cause}           "delete", "undo" (of a create), "refused" (the
//                                           server refused the create), "server" (discarded)
//   {type: "select", span, previous}        the selected span changed (span may be null)

import { enqueueCounted } from "./store.js";
import { excerpt, isolated } from "./text.js";

const UNDO_LIMIT = 100;

function reason(status, body) {
  return body?.detail || `the server answered ${status}`;
}

// A record is {localId, server, pending, view, ...the editable fields}. `server` is the
// annotation on the server the span is saved as ({id, version, refused}): each time a span
// is saved as new (created, or deleted and brought back) it gets another, and each queued
// change keeps the one it was made for, so that a change meant for a deleted annotation never
// reaches the one that replaced it. `pending` counts its changes not yet answered.
export class SpanStore {
  #records = new Map(); // localId -> the record of a span on screen
  #listeners = new Set();
  #undo = []; // functions that undo one change each, the last change last
  #selected = null; // a record, or null
  #nextLocalId = 1;

  /**
   * @param {object} options
   * @param {{enqueue: Function}} options.queue where changes are saved (a SaveQueue)
   * @param {import("./text.js").TextIndex} options.index the canonical text, for quotes
   * @param {{editable: string[], defaults: object}} options.fields what a span is made of,
   *   from the server: the fields sent and received, and what a new span starts with
   * @param {{annotations: string, annotation: (id: number) => string}} options.urls
   * @param {boolean} [options.readOnly] refuse every change (a submitted layer)
   * @param {(offset: number, direction: "down" | "up") => number} [options.snap] the nearest
   *   whole-character boundary, for nudging a boundary by one character
   * @param {(text: string, kind?: string) => void} [options.onMessage] what to tell the reviewer
   */
  constructor({
    queue,
    index,
    fields,
    urls,
    readOnly = false,
    snap = (offset) => offset,
    onMessage = () => {},
  }) {
    this.queue = queue;
    this.index = index;
    this.editable = [...fields.editable];
    this.defaults = { ...fields.defaults };
    this.urls = urls;
    this.readOnly = Boolean(readOnly);
    this.snap = snap;
    this.onMessage = onMessage;
  }

  // --- Reading ------------------------------------------------------------------------

  /** Be told of every change; returns the function that stops it. */
  subscribe(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get size() {
    return this.#records.size;
  }

  /** Every span on screen, in no particular order. */
  all() {
    return Array.from(this.#records.values(), (record) => record.view);
  }

  get(localId) {
    return this.#records.get(localId)?.view ?? null;
  }

  get selected() {
    return this.#selected?.view ?? null;
  }

  // --- Changing -----------------------------------------------------------------------

  /** The layer as the page received it; before anyone subscribes, so nobody is told. */
  load(annotations) {
    for (const annotation of annotations) {
      const record = { localId: this.#nextLocalId++, pending: 0 };
      this.#fromServer(record, annotation);
      this.#records.set(record.localId, record);
      this.#publish(record);
    }
  }

  /**
   * Spans the server made by itself (a moderator's decision on the curation page): shown
   * at once, not saved again and not undone here. Returns their snapshots.
   */
  adopt(annotations) {
    return annotations.map((annotation) => {
      const record = { localId: this.#nextLocalId++, pending: 0 };
      this.#fromServer(record, annotation);
      this.#add(record, "server");
      return record.view;
    });
  }

  /** Forget the spans saved as these server ids, which the server removed by itself. */
  discard(ids) {
    const gone = new Set(ids);
    for (const record of [...this.#records.values()]) {
      if (gone.has(record.server?.id)) this.#forget(record, "server");
    }
  }

  select(span) {
    const record = span ? (this.#records.get(span.localId) ?? null) : null;
    this.#select(record);
  }

  /** A new span over [start, end) with a category; it is shown, selected and saved. */
  create(fields) {
    if (this.readOnly) return null;
    const record = {
      localId: this.#nextLocalId++,
      pending: 0,
      ...this.defaults,
      ...fields,
      quote: this.index.slice(fields.start, fields.end),
    };
    this.#saveNew(record, "create");
    this.#remember(() => this.#delete(record, "undo", false));
    return record.view;
  }

  /** Change some of a span's fields; false when nothing changed or the span is gone. */
  update(span, changes) {
    return this.#update(this.#present(span), changes, "edit", true);
  }

  remove(span) {
    return this.#delete(this.#present(span), "delete", true);
  }

  /** Move a span's start or end by one whole character (never splitting one). */
  nudge(span, boundary, direction) {
    const record = this.#present(span);
    if (!record) return false;
    const target = record[boundary] + (direction < 0 ? -1 : 1);
    if (target < 0 || target > this.index.length) return false;
    const position = this.snap(target, direction < 0 ? "down" : "up");
    const changes = { start: record.start, end: record.end, [boundary]: position };
    if (changes.end <= changes.start) return false;
    return this.update(span, changes);
  }

  /** Put another store's step on the undo stack (relations share it with spans). */
  remember(step) {
    if (!this.readOnly) this.#remember(step);
  }

  undo() {
    if (this.readOnly) return false;
    const step = this.#undo.pop();
    if (step) {
      step();
      return true;
    }
    this.onMessage("Nothing to undo.", "info");
    return false;
  }

  // --- Inside -------------------------------------------------------------------------

  #emit(event) {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        reportError(error); // one broken listener must not stop the others being told
      }
    }
  }

  /** A frozen snapshot of a record for the other modules; a new one after each change. */
  #publish(record) {
    const view = { localId: record.localId, id: record.server.id, unsaved: record.pending > 0 };
    for (const name of this.editable) view[name] = record[name];
    record.view = Object.freeze(view);
    return record.view;
  }

  #present(span) {
    return (span && this.#records.get(span.localId)) || null;
  }

  #isShown(record) {
    return this.#records.get(record.localId) === record;
  }

  #select(record) {
    if (record === this.#selected) return;
    const previous = this.selected;
    this.#selected = record;
    this.#emit({ type: "select", span: this.selected, previous });
  }

  #changed(record, cause) {
    const previous = record.view;
    const span = this.#publish(record);
    if (this.#isShown(record)) this.#emit({ type: "change", span, previous, cause });
  }

  #add(record, cause) {
    this.#records.set(record.localId, record);
    this.#emit({ type: "add", span: this.#publish(record), cause });
  }

  #forget(record, cause) {
    if (this.#selected === record) this.#select(null);
    this.#records.delete(record.localId);
    this.#emit({ type: "remove", span: record.view, cause });
  }

  #remember(step) {
    this.#undo.push(step);
    if (this.#undo.length > UNDO_LIMIT) this.#undo.shift();
  }

  #fromServer(record, annotation) {
    record.server ??= { id: null, version: 0, refused: false };
    record.server.id = annotation.id;
    record.server.version = annotation.version;
    for (const name of this.editable) record[name] = annotation[name];
  }

  /** Show a span that the server does not have (new, or deleted and brought back); save it. */
  #saveNew(record, cause) {
    const server = { id: null, version: 0, refused: false };
    record.server = server;
    // Queued before it is shown, so that it shows as unsaved; the answer comes later anyway.
    enqueueCounted(this.queue, record, {
      request: () => ({
        method: "POST",
        url: this.urls.annotations,
        body: Object.fromEntries(this.editable.map((name) => [name, record[name]])),
      }),
      onSuccess: (annotation) => {
        server.id = annotation.id;
        server.version = annotation.version;
        if (record.server !== server) return; // deleted and brought back since: a new one
        // The server's fields, unless changes made here since are still on their way.
        if (record.pending === 0) this.#fromServer(record, annotation);
        this.#changed(record, "created");
      },
      onRefused: (status, body) => {
        server.refused = true;
        if (record.server === server && this.#isShown(record)) this.#forget(record, "refused");
        const quote = isolated(excerpt(record.quote, 40));
        this.onMessage(`The span “${quote}” was not saved: ${reason(status, body)}`);
      },
    });
    this.#add(record, cause);
    this.#select(record);
  }

  #update(record, requested, cause, recordUndo) {
    if (this.readOnly || !record || !this.#isShown(record)) return false;
    const changes = { ...requested };
    if ("start" in changes || "end" in changes) {
      changes.quote = this.index.slice(changes.start ?? record.start, changes.end ?? record.end);
    }
    const names = Object.keys(changes);
    if (names.every((name) => changes[name] === record[name])) return false;
    const before = Object.fromEntries(names.map((name) => [name, record[name]]));
    const server = record.server;
    Object.assign(record, changes);
    enqueueCounted(this.queue, record, {
      request: () =>
        server.refused || server.id === null
          ? null
          : {
              method: "PATCH",
              url: this.urls.annotation(server.id),
              body: { version: server.version, ...changes },
            },
      onSuccess: (annotation) => {
        server.version = annotation.version;
        if (record.server === server) this.#changed(record, "saved");
      },
      onRefused: (status, body) => {
        if (record.server !== server) return; // deleted and brought back since: a new one
        if (status === 409 && body.current) {
          this.#fromServer(record, body.current);
          this.onMessage(
            "This span was changed elsewhere since the page was loaded; it now shows the saved version.",
            "warning",
          );
        } else {
          Object.assign(record, before);
          this.onMessage(`The change was not saved: ${reason(status, body)}`);
        }
        this.#changed(record, "refused");
      },
    });
    this.#changed(record, cause);
    if (recordUndo) this.#remember(() => this.#update(record, before, "undo", false));
    return true;
  }

  #delete(record, cause, recordUndo) {
    if (this.readOnly || !record || !this.#isShown(record)) return false;
    const server = record.server;
    this.#forget(record, cause);
    enqueueCounted(this.queue, record, {
      request: () =>
        server.refused || server.id === null
          ? null
          : {
              method: "DELETE",
              url: `${this.urls.annotation(server.id)}?version=${server.version}`,
            },
      onSuccess: () => {},
      onRefused: (status, body) => {
        if (status === 404) return; // already gone
        if (record.server === server && !this.#isShown(record)) {
          if (status === 409 && body.current) this.#fromServer(record, body.current);
          this.#add(record, "refused");
        }
        this.onMessage(`The span was not deleted: ${reason(status, body)}`);
      },
    });
    // Undoing a delete brings back the same span (as a new annotation on the server), so
    // that earlier undo steps that point at it still work.
    if (recordUndo) this.#remember(() => this.#saveNew(record, "undo"));
    return true;
  }
}
