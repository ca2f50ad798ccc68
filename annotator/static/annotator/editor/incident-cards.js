// The cards of "My incidents" (editor/incident-panel.js draws them): an incident's act,
// its status of the evidence and note, its roles with the spans filling each, and the
// buttons that change it. Each control says, in its data attributes, what it does to which
// incident, and carries a focus key by which the panel puts the focus back after a redraw.

export function element(tag, { className = "", text = "", attributes = {}, data = {} } = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text) node.textContent = text;
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  Object.assign(node.dataset, data);
  return node;
}

export function button(text, className, data = {}, attributes = {}) {
  return element("button", {
    className,
    text,
    data,
    attributes: { type: "button", ...attributes },
  });
}

export function option(value, label, selected = false) {
  const node = element("option", { text: label, attributes: { value } });
  node.selected = selected;
  return node;
}

export class IncidentCards {
  /**
   * @param {object} options
   * @param {Map<string, object>} options.roles the incident roles, by code, in their order
   * @param {[string, string][]} options.evidenceStatuses
   * @param {(localId: number) => string} options.spanLabel "Category: “quote”" of a span
   * @param {boolean} options.readOnly
   */
  constructor({ roles, evidenceStatuses, spanLabel, readOnly }) {
    this.roles = roles;
    this.evidenceStatuses = evidenceStatuses;
    this.spanLabel = spanLabel;
    this.readOnly = readOnly;
    this.confirming = null; // the local id of the incident whose deletion is asked about
  }

  card(incident, number) {
    const readOnly = this.readOnly;
    const id = `incident-${incident.localId}`;
    const card = element("article", {
      className: `card card-body p-2 mb-2 incident-card${incident.unsaved ? " unsaved" : ""}`,
      attributes: { "aria-labelledby": `${id}-title` },
      data: { testid: "incident", incident: String(incident.localId) },
    });
    const heading = element("h3", {
      className: "h6 small mb-1",
      text: `Incident ${number}`,
      attributes: { id: `${id}-title` },
    });
    if (incident.unsaved)
      heading.append(element("span", { className: "badge text-bg-warning ms-1", text: "saving" }));
    const act = element("p", { className: "mb-1", text: "Act: " });
    act.append(
      button(this.spanLabel(incident.act), "btn btn-link btn-sm p-0 text-start span-jump", {
        action: "jump",
        localId: String(incident.act),
      }),
    );
    card.append(heading, act, this.#fields(incident, id, readOnly));
    for (const role of this.roles.values()) {
      const slots = incident.slots.filter((slot) => slot.role === role.code);
      if (role.retired && !slots.length) continue;
      card.append(this.#role(incident, role, slots, id, readOnly));
    }
    if (!readOnly) card.append(this.#deleteControls(incident));
    return card;
  }

  #fields(incident, id, readOnly) {
    const box = element("div", { className: "row g-1 mb-1" });
    const statusName =
      this.evidenceStatuses.find(([value]) => value === incident.evidence_status)?.[1] ||
      incident.evidence_status;
    if (readOnly) {
      box.append(
        element("p", { className: "mb-0", text: `Status of the evidence: ${statusName}` }),
      );
      if (incident.note)
        box.append(
          element("p", {
            className: "mb-0",
            text: `Note: ${incident.note}`,
            attributes: { dir: "auto" },
          }),
        );
      return box;
    }
    const common = { incident: String(incident.localId) };
    const status = element("select", {
      className: "form-select form-select-sm",
      attributes: { id: `${id}-status` },
      data: { ...common, field: "evidence_status", focusKey: `${incident.localId}:status` },
    });
    status.append(
      ...this.evidenceStatuses.map(([value, label]) =>
        option(value, label, value === incident.evidence_status),
      ),
    );
    const note = element("textarea", {
      className: "form-control form-control-sm",
      attributes: { id: `${id}-note`, rows: "2", dir: "auto", maxlength: "10000" },
      data: { ...common, field: "note", focusKey: `${incident.localId}:note` },
    });
    note.value = incident.note;
    const column = (label, control) => {
      const cell = element("div", { className: "col-12" });
      cell.append(
        element("label", {
          className: "form-label small mb-0",
          text: label,
          attributes: { for: control.id },
        }),
        control,
      );
      return cell;
    };
    box.append(column("Status of the evidence", status), column("Note", note));
    return box;
  }

  #role(incident, role, slots, id, readOnly) {
    const titleId = `${id}-role-${role.code}`;
    const group = element("div", {
      className: "incident-role mb-1",
      attributes: { role: "group", "aria-labelledby": titleId },
      data: { incidentRole: role.code, testid: "incident-role" },
    });
    const title = element("h4", {
      className: "small fw-semibold mb-0",
      text: role.name + (role.retired ? " (retired)" : ""),
      attributes: { id: titleId },
    });
    const list = element("ul", { className: "list-unstyled mb-0 ms-2" });
    for (const slot of slots) {
      const item = element("li", {
        className: `d-flex align-items-center gap-1 incident-slot${slot.unsaved ? " unsaved" : ""}`,
        data: { testid: "incident-slot" },
      });
      item.append(
        button(this.spanLabel(slot.span), "btn btn-link btn-sm p-0 text-start span-jump", {
          action: "jump",
          localId: String(slot.span),
        }),
      );
      const involvement = role.involvements.find((choice) => choice.code === slot.involvement);
      if (involvement) {
        item.append(
          element("span", { className: "badge text-bg-light border", text: involvement.name }),
        );
      }
      if (!readOnly) {
        const remove = button(
          "×",
          "btn btn-sm btn-outline-danger py-0 px-1 ms-auto",
          {
            action: "remove-slot",
            incident: String(incident.localId),
            slot: String(slot.key),
            role: role.code,
            focusKey: `${incident.localId}:slot:${slot.key}`,
          },
          { "aria-label": `Remove ${this.spanLabel(slot.span)} from ${role.name}` },
        );
        item.append(remove);
      }
      list.append(item);
    }
    group.append(title, list);
    const full = !role.multiple && slots.length > 0;
    if (!readOnly && !role.retired && !full) {
      const add = button("Add span…", "btn btn-sm btn-outline-secondary py-0 ms-2", {
        action: "add",
        incident: String(incident.localId),
        role: role.code,
        focusKey: `${incident.localId}:add:${role.code}`,
      });
      add.append(element("span", { className: "visually-hidden", text: ` to ${role.name}` }));
      group.append(add);
    }
    return group;
  }

  #deleteControls(incident) {
    const box = element("div", { className: "d-flex flex-wrap align-items-center gap-1 mt-1" });
    const common = { incident: String(incident.localId) };
    if (this.confirming === incident.localId) {
      box.append(
        element("span", { text: "Delete this incident? Its spans stay." }),
        button("Delete", "btn btn-sm btn-danger py-0", {
          ...common,
          action: "confirm-delete",
          focusKey: `${incident.localId}:confirm`,
        }),
        button("Keep", "btn btn-sm btn-outline-secondary py-0", {
          ...common,
          action: "keep",
          focusKey: `${incident.localId}:keep`,
        }),
      );
    } else {
      box.append(
        button("Delete incident…", "btn btn-sm btn-outline-danger py-0", {
          ...common,
          action: "delete",
          focusKey: `${incident.localId}:delete`,
        }),
      );
    }
    return box;
  }
}
