// What the reviewer sees of incidents and how they build them: "Record an incident…" in the
// selected span's details (a span of a violation category: the act), and "My incidents"
// beside the text, where each incident lists, role by role, the spans filling it (× takes
// one out) and "Add span…", which starts picking: the next span picked (its highlight
// clicked, or a row of "My spans" chosen with the keyboard) fills the role, with the
// involvement chosen in the banner. Escape cancels. Its note and status of the evidence are
// edited in place; deleting asks first, in place. What the server refuses is said in the
// panel's live status. A submitted layer is shown without any of the controls.

import { element, IncidentCards, option } from "./incident-cards.js";

import { excerpt, isolated } from "./text.js";
export class IncidentPanel {
  #picking = null; // {incident, role} while a span is picked for a role
  #scheduled = false;

  /**
   * @param {object} options
   * @param {import("./incidents.js").IncidentStore} options.incidents
   * @param {import("./spans.js").SpanStore} options.spans
   * @param {Map<string, {name: string}>} options.categories by code
   * @param {Set<string>} options.violations the codes of the violation categories
   * @param {[string, string][]} options.evidenceStatuses
   * @param {(localId: number) => void} options.onPick select a span and show it
   */
  constructor({ incidents, spans, categories, violations, evidenceStatuses, onPick }) {
    this.incidents = incidents;
    this.spans = spans;
    this.categories = categories;
    this.violations = violations;
    this.evidenceStatuses = evidenceStatuses;
    this.onPick = onPick;
    const part = (id) => document.getElementById(id);
    this.panel = part("incident-panel");
    this.list = part("incident-list");
    this.total = part("incident-total");
    this.status = part("incident-status");
    this.detail = part("detail-incident");
    this.recordButton = part("detail-record-incident");
    this.banner = part("incident-pick-banner");
    this.bannerText = part("incident-pick-what");
    this.involvementField = part("incident-pick-involvement-field");
    this.involvement = part("incident-pick-involvement");
    this.cards = new IncidentCards({
      roles: incidents.roles,
      evidenceStatuses,
      spanLabel: (localId) => this.#spanLabel(localId),
      readOnly: incidents.readOnly,
    });
    this.panel.hidden = false;

    this.recordButton?.addEventListener("click", () => this.record());
    part("incident-pick-cancel").addEventListener("click", () => this.cancel());
    this.list.addEventListener("click", (event) => this.#onClick(event));
    this.list.addEventListener("change", (event) => this.#onChange(event));
    // Before input.js's handler, which would close the details on Escape.
    document.addEventListener(
      "keydown",
      (event) => {
        if (event.key === "Escape" && this.#picking) {
          event.stopImmediatePropagation();
          this.cancel();
        }
      },
      true,
    );
    spans.subscribe((event) => {
      if (event.type === "select") this.#onSelect(event.span);
      else this.#schedule();
    });
    incidents.subscribe((event) => {
      if (event.cause === "refused") this.say(event.message, "danger");
      this.#schedule();
    });
    this.render();
  }

  get picking() {
    return this.#picking !== null;
  }

  /** Say something in the panel's live status (what the server refused, what was done). */
  say(text, kind = "info") {
    // The live region stays in the page, empty or not, so that what it says is announced.
    this.status.textContent = text;
    this.status.className = text ? `alert alert-${kind} py-1 px-2 small mb-2` : "small mb-0";
    this.status.dataset.kind = kind;
  }

  /** Record an incident whose act is the selected span. */
  record() {
    const act = this.spans.selected;
    if (!act || this.incidents.readOnly) return;
    const localId = this.incidents.create(act.localId);
    if (localId === null) return;
    this.say(`Incident recorded with “${this.#quote(act)}” as its act: add its spans below.`);
    this.render();
    const first = this.list.querySelector(`[data-focus-key^="${localId}:add:"]`);
    first?.focus();
  }

  /** Start picking a span for ``role`` of the incident. */
  start(incident, role) {
    const kind = this.incidents.roles.get(role);
    if (!kind || this.incidents.readOnly) return;
    // Nothing stays selected while picking, so that any span picked, even the one that was
    // selected, is a pick; cancelling selects it again.
    const before = this.#picking?.before ?? this.spans.selected?.localId ?? null;
    this.#picking = { incident, role, before };
    if (this.spans.selected) this.spans.select(null);
    const choices = kind.involvements || [];
    this.involvementField.hidden = choices.length === 0;
    this.involvement.replaceChildren(
      option("", "not said"),
      ...choices.map((choice) => option(choice.code, choice.name)),
    );
    this.bannerText.textContent = `Adding a span to ${kind.name} of incident ${this.#number(incident)}: pick it (click its highlight, or choose it in My spans).`;
    this.banner.hidden = false;
    (choices.length ? this.involvement : document.getElementById("incident-pick-cancel")).focus();
  }

  cancel() {
    const picking = this.#picking;
    this.#picking = null;
    this.banner.hidden = true;
    if (!picking) return;
    const before = picking.before === null ? null : this.spans.get(picking.before);
    if (before) this.spans.select(before);
    this.#focus(`${picking.incident}:add:${picking.role}`);
  }

  #onSelect(span) {
    const picking = this.#picking;
    if (picking && span) {
      const fromList = Boolean(document.activeElement?.closest("#span-list"));
      const involvement = this.involvement.value;
      this.#picking = null;
      this.banner.hidden = true;
      const role = this.incidents.roles.get(picking.role);
      if (
        this.incidents.addSlot(picking.incident, {
          role: picking.role,
          span: span.localId,
          involvement,
        })
      ) {
        this.say(`“${this.#quote(span)}” added to ${role?.name || picking.role}.`);
      }
      this.render();
      this.#focus(`${picking.incident}:add:${picking.role}`, !fromList);
      return;
    }
    this.#renderDetail();
  }

  #onClick(event) {
    const target = event.target.closest("button");
    if (!target) return;
    const incident = Number(target.dataset.incident);
    const { action } = target.dataset;
    if (action === "jump") this.onPick(Number(target.dataset.localId));
    else if (action === "add") this.start(incident, target.dataset.role);
    else if (action === "remove-slot") {
      this.incidents.removeSlot(incident, Number(target.dataset.slot));
      this.say(`Span removed from ${this.incidents.roles.get(target.dataset.role)?.name}.`);
      this.render();
      this.#focus(`${incident}:add:${target.dataset.role}`);
    } else if (action === "delete") {
      this.cards.confirming = incident;
      this.render();
      this.#focus(`${incident}:keep`);
    } else if (action === "keep") {
      this.cards.confirming = null;
      this.render();
      this.#focus(`${incident}:delete`);
    } else if (action === "confirm-delete") {
      this.cards.confirming = null;
      const number = this.#number(incident);
      this.incidents.remove(incident);
      this.say(`Incident ${number} deleted; its spans stay.`);
      this.render();
      this.list.closest("section")?.querySelector("h2")?.focus();
    }
  }

  #onChange(event) {
    const control = event.target.closest("[data-field]");
    if (!control) return;
    this.incidents.update(Number(control.dataset.incident), {
      [control.dataset.field]: control.value,
    });
  }

  #focus(key, scroll = true) {
    const target = this.list.querySelector(`[data-focus-key="${key}"]`);
    target?.focus({ preventScroll: !scroll });
  }

  #schedule() {
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      this.render();
    });
  }

  #quote(span, length = 40) {
    return isolated(excerpt(span.quote, length));
  }

  #number(localId) {
    return this.incidents.all().findIndex((incident) => incident.localId === localId) + 1;
  }

  #spanLabel(localId) {
    const span = this.spans.get(localId);
    if (!span) return "a span no longer here";
    const name = this.categories.get(span.category)?.name || span.category;
    return `${name}: “${this.#quote(span)}”`;
  }

  render() {
    this.#renderDetail();
    // Keep what has the focus (and what is typed in a note not yet saved) across the redraw.
    const active = document.activeElement;
    const key = this.list.contains(active) ? active.dataset.focusKey : null;
    const typed = key && active.tagName === "TEXTAREA" ? active.value : null;
    const all = this.incidents.all();
    this.list.replaceChildren(
      ...all.map((incident, index) => this.cards.card(incident, index + 1)),
    );
    if (!all.length) {
      this.list.append(element("p", { className: "text-body-secondary mb-0", text: "None yet." }));
    }
    this.total.textContent = String(all.length);
    if (key) {
      const again = this.list.querySelector(`[data-focus-key="${key}"]`);
      if (again) {
        if (typed !== null) again.value = typed;
        again.focus({ preventScroll: true });
      }
    }
  }

  #renderDetail() {
    const selected = this.spans.selected;
    if (!this.detail) return;
    this.detail.hidden =
      this.incidents.readOnly || !selected || !this.violations.has(selected.category);
  }
}
