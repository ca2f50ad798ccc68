// The reviewer's incident records, owned here as spans are owned by spans.js: an act (one of
// their spans of a violation category) and the spans filling the project's incident roles
// (victims, perpetrators, place, date, source…). Shown at once and saved through the span
// store's queue, in order, so that an incident recorded on a span not saved yet waits for
// the span's id. The server checks every rule (which categories a role allows, how many
// spans it takes, its involvements); what it refuses is taken back here with its reason.
//
// An incident and its slots name spans by their local ids. The server removes a span's
// slots when the span is deleted; so does this store, when the span store says so.
//
// Every change the reviewer makes is undone on the span store's undo stack, in the order
// made: a recorded incident is deleted, a deleted one recorded again (with its note, status
// and the slots whose spans are still there), a change or a slot taken back.
//
// Subscribers are told {type: "change", cause} after every change; the panel redraws.

import { enqueueCounted } from "./store.js";

function reason(status, body) {
  return body?.detail || `the server answered ${status}`;
}

/** Fetch a JSON list the page needs to show incidents (the roles, the incidents). */
export async function getJson(url, send = (address, init) => fetch(address, init)) {
  const response = await send(url, {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new Error(`the server answered ${response.status}`);
  return response.json();
}

export class IncidentStore {
  #records = new Map(); // localId -> {localId, server, act, note, evidence_status, slots, pending}
  #listeners = new Set();
  #nextLocalId = 1;
  #nextSlotKey = 1;

  /**
   * @param {object} options
   * @param {{enqueue: Function}} options.queue the span store's queue
   * @param {import("./spans.js").SpanStore} options.spans
   * @param {{code: string, name: string, categories: string[], multiple: boolean,
   *   involvements: {code: string, name: string}[], retired: boolean}[]} options.roles
   * @param {{incidents: string, incident: (id: number) => string,
   *   slots: (id: number) => string, slot: (id: number, slotId: number) => string}} options.urls
   * @param {boolean} [options.readOnly]
   * @param {(text: string, kind?: string) => void} [options.onMessage]
   */
  constructor({ queue, spans, roles, urls, readOnly = false, onMessage = () => {} }) {
    this.queue = queue;
    this.spans = spans;
    this.roles = new Map(roles.map((role) => [role.code, role]));
    this.urls = urls;
    this.readOnly = Boolean(readOnly);
    this.onMessage = onMessage;
    spans.subscribe((event) => {
      if (event.type === "remove") this.#spanGone(event.span.localId);
      else if (event.type === "add" && event.cause === "refused") this.refresh();
    });
  }

  subscribe(listener) {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get size() {
    return this.#records.size;
  }

  /** Every incident, in the order recorded: plain copies, to read. */
  all() {
    return Array.from(this.#records.values(), (record) => this.#view(record));
  }

  get(localId) {
    const record = this.#records.get(localId);
    return record ? this.#view(record) : null;
  }

  /** The incidents as the server has them (their spans by the spans' server ids). */
  load(incidents) {
    const local = this.#localIds();
    for (const incident of incidents) {
      const record = { localId: this.#nextLocalId++, pending: 0, slots: [] };
      if (this.#fromServer(record, incident, local)) this.#records.set(record.localId, record);
    }
    this.#emit("load");
  }

  /** Ask the server for the incidents again, after the changes already queued. */
  refresh() {
    this.queue.enqueue({
      request: () => ({ method: "GET", url: this.urls.incidents }),
      onSuccess: (incidents) => this.#merge(incidents),
      onRefused: (status, body) =>
        this.onMessage(`The incidents could not be reloaded: ${reason(status, body)}`),
    });
  }

  /** Record an incident whose act is the span ``actLocalId``; returns its local id. */
  create(actLocalId) {
    const localId = this.#create(actLocalId, {});
    if (localId !== null) this.spans.remember(() => this.#remove(localId, false));
    return localId;
  }

  #create(actLocalId, { note = "", evidence_status = "unknown", localId = null }) {
    if (this.readOnly || !this.spans.get(actLocalId)) return null;
    const record = {
      localId: localId ?? this.#nextLocalId++,
      server: { id: null, version: 0 },
      act: actLocalId,
      note,
      evidence_status,
      slots: [],
      pending: 0,
    };
    this.#records.set(record.localId, record);
    enqueueCounted(this.queue, record, {
      request: () => {
        const act = this.spans.get(record.act)?.id;
        if (!this.#isShown(record) || !act) return null;
        const body = { act, note: record.note, evidence_status: record.evidence_status };
        return { method: "POST", url: this.urls.incidents, body };
      },
      onSuccess: (incident) => {
        record.server.id = incident.id;
        record.server.version = incident.version;
        this.#emit("created");
      },
      onRefused: (status, body) => {
        this.#records.delete(record.localId);
        this.#fail(`The incident was not recorded: ${reason(status, body)}`);
      },
    });
    this.#emit("create");
    return record.localId;
  }

  /** Change the note or the evidence status; false when nothing changed. */
  update(localId, changes) {
    return this.#update(localId, changes, true);
  }

  #update(localId, changes, recordUndo) {
    const record = this.#records.get(localId);
    if (this.readOnly || !record) return false;
    const names = ["note", "evidence_status"].filter(
      (name) => name in changes && changes[name] !== record[name],
    );
    if (!names.length) return false;
    const sent = Object.fromEntries(names.map((name) => [name, changes[name]]));
    const before = Object.fromEntries(names.map((name) => [name, record[name]]));
    Object.assign(record, sent);
    enqueueCounted(this.queue, record, {
      request: () =>
        record.server.id === null || !this.#isShown(record)
          ? null
          : {
              method: "PATCH",
              url: this.urls.incident(record.server.id),
              body: { version: record.server.version, ...sent },
            },
      onSuccess: (incident) => {
        record.server.version = incident.version;
        this.#emit("saved");
      },
      onRefused: (status, body) => {
        if (status === 409 && body.current) {
          this.#fromServer(record, body.current, this.#localIds());
          this.#fail(
            "This incident was changed elsewhere since this page loaded it; it now shows " +
              "what the server holds. Make your change again.",
          );
        } else {
          Object.assign(record, before);
          this.#fail(`The change of the incident was not saved: ${reason(status, body)}`);
        }
      },
    });
    this.#emit(recordUndo ? "edit" : "undo");
    if (recordUndo) this.spans.remember(() => this.#update(record.localId, before, false));
    return true;
  }

  /** Delete the incident (its spans stay). */
  remove(localId) {
    return this.#remove(localId, true);
  }

  #remove(localId, recordUndo) {
    const record = this.#records.get(localId);
    if (this.readOnly || !record) return false;
    this.#records.delete(localId);
    enqueueCounted(this.queue, record, {
      request: () =>
        record.server.id === null
          ? null
          : {
              method: "DELETE",
              url: `${this.urls.incident(record.server.id)}?version=${record.server.version}`,
            },
      onSuccess: () => {},
      onRefused: (status, body) => {
        if (status === 404) return; // gone already
        if (status === 409 && body.current) this.#fromServer(record, body.current);
        this.#records.set(record.localId, record);
        this.#fail(`The incident was not deleted: ${reason(status, body)}`);
      },
    });
    this.#emit(recordUndo ? "delete" : "undo");
    if (recordUndo) this.spans.remember(() => this.#restore(record));
    return true;
  }

  /** Undo of a delete: the incident recorded again (a new one for the server) with what
   * it held, under its local id and slot keys, so that earlier undo steps still reach it. */
  #restore(record) {
    if (!this.spans.get(record.act)) {
      this.onMessage("The incident cannot come back: its act span is gone.", "info");
      return;
    }
    const { note, evidence_status, localId } = record;
    if (this.#create(record.act, { note, evidence_status, localId }) === null) return;
    for (const slot of record.slots) {
      if (this.spans.get(slot.span)) this.#addSlot(localId, slot, false);
    }
    this.#emit("undo");
  }

  /** Fill a role of the incident with the span ``spanLocalId``. */
  addSlot(localId, { role, span, involvement = "" }) {
    return this.#addSlot(localId, { role, span, involvement }, true);
  }

  #addSlot(localId, { role, span, involvement = "", key = null }, recordUndo) {
    const record = this.#records.get(localId);
    if (this.readOnly || !record || !this.spans.get(span)) return false;
    key ??= this.#nextSlotKey++;
    const slot = { key, id: null, role, span, involvement, pending: 0 };
    record.slots.push(slot);
    enqueueCounted(this.queue, slot, {
      request: () => {
        const annotation = this.spans.get(slot.span)?.id;
        if (record.server.id === null || !record.slots.includes(slot) || !annotation) {
          this.#dropSlot(record, slot);
          return null;
        }
        return {
          method: "POST",
          url: this.urls.slots(record.server.id),
          body: { role, annotation, involvement },
        };
      },
      onSuccess: (saved) => {
        slot.id = saved.id;
        this.#emit("slot-saved");
      },
      onRefused: (status, body) => {
        this.#dropSlot(record, slot);
        const name = this.roles.get(role)?.name || role;
        this.#fail(`The span was not added to ${name}: ${reason(status, body)}`);
      },
    });
    this.#emit(recordUndo ? "slot-add" : "undo");
    if (recordUndo) this.spans.remember(() => this.#removeSlot(record.localId, slot.key, false));
    return true;
  }

  /** Take a span out of a role of the incident (the span stays). */
  removeSlot(localId, slotKey) {
    return this.#removeSlot(localId, slotKey, true);
  }

  #removeSlot(localId, slotKey, recordUndo) {
    const record = this.#records.get(localId);
    const slot = record?.slots.find((item) => item.key === slotKey);
    if (this.readOnly || !slot) return false;
    const position = record.slots.indexOf(slot);
    record.slots.splice(position, 1);
    enqueueCounted(this.queue, slot, {
      request: () =>
        slot.id === null || record.server.id === null
          ? null
          : { method: "DELETE", url: this.urls.slot(record.server.id, slot.id) },
      onSuccess: () => {},
      onRefused: (status, body) => {
        if (status === 404) return;
        record.slots.splice(Math.min(position, record.slots.length), 0, slot);
        this.#fail(`The span was not removed: ${reason(status, body)}`);
      },
    });
    this.#emit(recordUndo ? "slot-remove" : "undo");
    if (recordUndo) {
      this.spans.remember(() => {
        if (this.spans.get(slot.span)) this.#addSlot(record.localId, slot, false);
        else this.onMessage("The span cannot come back to the incident: it is gone.", "info");
      });
    }
    return true;
  }

  // --- Inside -------------------------------------------------------------------------

  #emit(cause, message = "") {
    for (const listener of this.#listeners) {
      try {
        listener({ type: "change", cause, message });
      } catch (error) {
        reportError(error);
      }
    }
  }

  #fail(text) {
    this.onMessage(text, "danger");
    this.#emit("refused", text);
  }

  #isShown(record) {
    return this.#records.get(record.localId) === record;
  }

  #view(record) {
    return {
      localId: record.localId,
      id: record.server.id,
      act: record.act,
      note: record.note,
      evidence_status: record.evidence_status,
      unsaved: record.pending > 0,
      slots: record.slots.map((slot) => ({
        key: slot.key,
        id: slot.id,
        role: slot.role,
        span: slot.span,
        involvement: slot.involvement,
        unsaved: slot.pending > 0 || slot.id === null,
      })),
    };
  }

  #localIds() {
    return new Map(this.spans.all().map((span) => [span.id, span.localId]));
  }

  /** Take the server's incident; false when its act is not among the spans shown. */
  #fromServer(record, incident, local) {
    const act = local.get(incident.act);
    if (act === undefined) return false;
    record.server ??= { id: null, version: 0 };
    record.server.id = incident.id;
    record.server.version = incident.version;
    record.act = act;
    record.note = incident.note;
    record.evidence_status = incident.evidence_status;
    record.slots = incident.slots
      .filter((slot) => local.has(slot.annotation))
      .map((slot) => ({
        key: this.#nextSlotKey++,
        id: slot.id,
        role: slot.role,
        span: local.get(slot.annotation),
        involvement: slot.involvement,
        pending: 0,
      }));
    return true;
  }

  /** The server's list, over the incidents that have no change on its way. */
  #merge(incidents) {
    const local = this.#localIds();
    const byId = new Map([...this.#records.values()].map((record) => [record.server.id, record]));
    const listed = new Set(incidents.map((incident) => incident.id));
    for (const record of [...this.#records.values()]) {
      const busy = record.pending > 0 || record.slots.some((slot) => slot.pending > 0);
      if (!busy && record.server.id !== null && !listed.has(record.server.id)) {
        this.#records.delete(record.localId);
      }
    }
    for (const incident of incidents) {
      const record = byId.get(incident.id);
      if (!record) {
        const fresh = { localId: this.#nextLocalId++, pending: 0, slots: [] };
        if (this.#fromServer(fresh, incident, local)) this.#records.set(fresh.localId, fresh);
      } else if (record.pending === 0 && !record.slots.some((slot) => slot.pending > 0)) {
        this.#fromServer(record, incident, local);
      }
    }
    this.#emit("server");
  }

  #dropSlot(record, slot) {
    const position = record.slots.indexOf(slot);
    if (position !== -1) record.slots.splice(position, 1);
  }

  #spanGone(localId) {
    let changed = false;
    for (const record of this.#records.values()) {
      const kept = record.slots.filter((slot) => slot.span !== localId);
      changed ||= kept.length !== record.slots.length;
      record.slots = kept;
    }
    if (changed) this.#emit("span");
  }
}
