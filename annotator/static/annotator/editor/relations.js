// The reviewer's relations between their own spans (a denial to the allegation it denies),
// owned here as spans are owned by spans.js: shown at once, saved through the same queue in
// order, undone on the same undo stack. A relation names its ends by the spans' local ids, so
// that one drawn to a span not saved yet waits for it: its request is made when its turn in
// the queue comes, after the span's own create has been answered.
//
// The server deletes a span's relations with the span; so does this store, when the span
// store says a span is gone. Nothing here touches the page.
//
// What subscribers are told: {type: "add" | "change" | "remove", relation, cause}.

import { enqueueCounted } from "./store.js";
import { excerpt, isolated } from "./text.js";

function reason(status, body) {
  return body?.detail || `the server answered ${status}`;
}

/** Whether a category (or one of its parents) is among ``allowed``; none allowed: any. */
export function categoryAllowed(code, allowed, parents) {
  if (!allowed.length) return true;
  for (let current = code; current; current = parents.get(current)) {
    if (allowed.includes(current)) return true;
  }
  return false;
}

export class RelationStore {
  #records = new Map(); // localId -> record {localId, source, target, type, note, server, pending}
  #listeners = new Set();
  #bySpan = new Map(); // a span's localId -> the records of the relations it is an end of
  #nextLocalId = 1;

  /**
   * @param {object} options
   * @param {{enqueue: Function}} options.queue the span store's queue
   * @param {import("./spans.js").SpanStore} options.spans
   * @param {{code: string, name: string, symmetric: boolean, retired: boolean,
   *   source_categories: string[], target_categories: string[]}[]} options.types
   * @param {Map<string, string>} options.parents each category's parent code, by code
   * @param {{relations: string, relation: (id: number) => string}} options.urls
   * @param {boolean} [options.readOnly]
   * @param {(text: string, kind?: string) => void} [options.onMessage]
   */
  constructor({ queue, spans, types, parents, urls, readOnly = false, onMessage = () => {} }) {
    this.queue = queue;
    this.spans = spans;
    this.types = new Map(types.map((type) => [type.code, type]));
    this.parents = parents;
    this.urls = urls;
    this.readOnly = Boolean(readOnly);
    this.onMessage = onMessage;
    spans.subscribe((event) => {
      if (event.type === "remove") this.#spanGone(event.span.localId);
    });
  }

  subscribe(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get size() {
    return this.#records.size;
  }

  /** Every relation on screen, in the order drawn. */
  all() {
    return Array.from(this.#records.values(), (record) => record.view);
  }

  get(localId) {
    return this.#records.get(localId)?.view ?? null;
  }

  /** The relations one span stands at an end of. */
  ofSpan(localId) {
    const records = this.#bySpan.get(localId);
    return records ? Array.from(records, (record) => record.view) : [];
  }

  /** Whether a span stands at an end of any relation. */
  links(localId) {
    return this.#bySpan.has(localId);
  }

  /** The types a new relation from ``source`` to ``target`` may have (spans' snapshots). */
  typesFor(source, target) {
    return [...this.types.values()].filter(
      (type) => !type.retired && this.#fits(type, source, target),
    );
  }

  /** The relations as the page received them (their ends by the spans' server ids). */
  load(relations) {
    const local = new Map(this.spans.all().map((span) => [span.id, span.localId]));
    for (const relation of relations) {
      const source = local.get(relation.source);
      const target = local.get(relation.target);
      if (source === undefined || target === undefined) continue;
      const record = { localId: this.#nextLocalId++, source, target, pending: 0 };
      this.#fromServer(record, relation, local);
      this.#records.set(record.localId, record);
      this.#index(record, true);
      this.#publish(record);
    }
  }

  /** Link two spans with a type; returns the relation, or null with the reason told. */
  create({ source, target, type, note = "" }) {
    if (this.readOnly) return null;
    const from = this.spans.get(source);
    const to = this.spans.get(target);
    const kind = this.types.get(type);
    if (!from || !to || from.localId === to.localId) {
      this.onMessage("A relation links two different spans of yours.", "warning");
      return null;
    }
    if (!kind || kind.retired || !this.#fits(kind, from, to)) {
      const name = kind ? `“${kind.name}”` : "That relation type";
      this.onMessage(
        `${name} cannot link these two spans: their categories do not fit its ends.`,
        "warning",
      );
      return null;
    }
    const twin = this.ofSpan(source).find(
      (relation) =>
        relation.type === type &&
        ((relation.source === source && relation.target === target) ||
          (kind.symmetric && relation.source === target && relation.target === source)),
    );
    if (twin) {
      this.onMessage(`These spans are already linked as “${kind.name}”.`, "info");
      return null;
    }
    const record = { localId: this.#nextLocalId++, source, target, type, note, pending: 0 };
    this.#saveNew(record, "create");
    this.spans.remember(() => this.#delete(record, "undo", false));
    return record.view;
  }

  /** Change a relation's type or note; false when nothing changed. */
  update(relation, changes) {
    return this.#update(this.#present(relation), changes, "edit", true);
  }

  remove(relation) {
    return this.#delete(this.#present(relation), "delete", true);
  }

  // --- Inside -------------------------------------------------------------------------

  #fits(type, source, target) {
    const fits = (a, b) =>
      categoryAllowed(a.category, type.source_categories, this.parents) &&
      categoryAllowed(b.category, type.target_categories, this.parents);
    return fits(source, target) || (type.symmetric && fits(target, source));
  }

  #emit(event) {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (error) {
        reportError(error);
      }
    }
  }

  #publish(record) {
    record.view = Object.freeze({
      localId: record.localId,
      id: record.server.id,
      source: record.source,
      target: record.target,
      type: record.type,
      note: record.note,
      unsaved: record.pending > 0,
    });
    return record.view;
  }

  #present(relation) {
    return (relation && this.#records.get(relation.localId)) || null;
  }

  #isShown(record) {
    return this.#records.get(record.localId) === record;
  }

  #changed(record, cause) {
    this.#publish(record);
    if (this.#isShown(record)) this.#emit({ type: "change", relation: record.view, cause });
  }

  #add(record, cause) {
    record.gone = false;
    this.#records.set(record.localId, record);
    this.#index(record, true);
    this.#emit({ type: "add", relation: this.#publish(record), cause });
  }

  #forget(record, cause) {
    record.gone = true; // a create still waiting in the queue is not sent
    this.#records.delete(record.localId);
    this.#index(record, false);
    this.#emit({ type: "remove", relation: record.view, cause });
  }

  #fromServer(record, relation, local = null) {
    record.server ??= { id: null, version: 0, refused: false };
    record.server.id = relation.id;
    record.server.version = relation.version;
    record.type = relation.type;
    record.note = relation.note;
    // A symmetric relation is stored with its ends in one order, maybe not the one drawn.
    const byServer =
      local ?? new Map([record.source, record.target].map((id) => [this.spans.get(id)?.id, id]));
    record.source = byServer.get(relation.source) ?? record.source;
    record.target = byServer.get(relation.target) ?? record.target;
  }

  /** Add a shown record to (or take it from) the index of its ends. */
  #index(record, shown) {
    for (const end of [record.source, record.target]) {
      let records = this.#bySpan.get(end);
      if (shown) {
        if (!records) {
          records = new Set();
          this.#bySpan.set(end, records);
        }
        records.add(record);
      } else if (records) {
        records.delete(record);
        if (!records.size) this.#bySpan.delete(end);
      }
    }
  }

  #spanGone(localId) {
    for (const record of [...(this.#bySpan.get(localId) ?? [])]) this.#forget(record, "span");
  }

  #saveNew(record, cause) {
    const server = { id: null, version: 0, refused: false };
    record.server = server;
    record.gone = false;
    enqueueCounted(this.queue, record, {
      request: () => {
        const source = this.spans.get(record.source)?.id;
        const target = this.spans.get(record.target)?.id;
        // An end that was never saved, or is gone: the relation goes with it.
        if (record.gone || !source || !target) return null;
        return {
          method: "POST",
          url: this.urls.relations,
          body: { source, target, type: record.type, note: record.note },
        };
      },
      onSuccess: (relation) => {
        server.id = relation.id;
        server.version = relation.version;
        if (record.server !== server) return;
        if (record.pending === 0) this.#fromServer(record, relation);
        this.#changed(record, "created");
      },
      onRefused: (status, body) => {
        server.refused = true;
        if (record.server === server && this.#isShown(record)) this.#forget(record, "refused");
        this.onMessage(`The relation was not saved: ${reason(status, body)}`);
      },
    });
    this.#add(record, cause);
  }

  #update(record, requested, cause, recordUndo) {
    if (this.readOnly || !record || !this.#isShown(record)) return false;
    const names = Object.keys(requested).filter((name) => name === "type" || name === "note");
    if (names.every((name) => requested[name] === record[name])) return false;
    const changes = Object.fromEntries(names.map((name) => [name, requested[name]]));
    const before = Object.fromEntries(names.map((name) => [name, record[name]]));
    const server = record.server;
    Object.assign(record, changes);
    enqueueCounted(this.queue, record, {
      request: () =>
        server.refused || server.id === null
          ? null
          : {
              method: "PATCH",
              url: this.urls.relation(server.id),
              body: { version: server.version, ...changes },
            },
      onSuccess: (relation) => {
        server.version = relation.version;
        if (record.server === server) this.#changed(record, "saved");
      },
      onRefused: (status, body) => {
        if (record.server !== server) return;
        if (status === 409 && body.current) this.#fromServer(record, body.current);
        else Object.assign(record, before);
        this.onMessage(`The change of the relation was not saved: ${reason(status, body)}`);
        this.#changed(record, "refused");
      },
    });
    this.#changed(record, cause);
    if (recordUndo) this.spans.remember(() => this.#update(record, before, "undo", false));
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
          : { method: "DELETE", url: `${this.urls.relation(server.id)}?version=${server.version}` },
      onSuccess: () => {},
      onRefused: (status, body) => {
        if (status === 404) return; // gone already (with one of its spans, say)
        if (record.server === server && !this.#isShown(record)) {
          if (status === 409 && body.current) this.#fromServer(record, body.current);
          this.#add(record, "refused");
        }
        this.onMessage(`The relation was not deleted: ${reason(status, body)}`);
      },
    });
    // Undoing a delete draws the relation again, if both its spans are still there.
    if (recordUndo) {
      this.spans.remember(() => {
        if (this.spans.get(record.source) && this.spans.get(record.target))
          this.#saveNew(record, "undo");
        else this.onMessage("The relation cannot come back: one of its spans is gone.", "info");
      });
    }
    return true;
  }
}

/** How a relation reads from one of its ends: "denies → “quote”", "← denied by…". */
export function relationLabel(relation, fromLocalId, { types, spans, categories }) {
  const type = types.get(relation.type);
  const name = type?.name || relation.type;
  const otherId = relation.source === fromLocalId ? relation.target : relation.source;
  const other = spans.get(otherId);
  const quote = other ? `“${isolated(excerpt(other.quote, 40))}”` : "a span";
  const category = other ? categories.get(other.category)?.name || other.category : "";
  const arrow = type?.symmetric ? "↔" : relation.source === fromLocalId ? "→" : "←";
  return { arrow, name, other: otherId, text: `${category}: ${quote}` };
}
