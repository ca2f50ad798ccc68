// Pieces the curation page's relation and incident panels share: elements, the API call
// (JSON, the CSRF token, the server's reason on a refusal) and the reason/rationale row.

export function element(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  if (text) node.textContent = text;
  return node;
}

export async function call(method, url, body, csrfToken = "") {
  const response = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": csrfToken,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const payload = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(payload.detail || `The server answered ${response.status}.`);
    error.status = response.status;
    throw error;
  }
  return payload;
}

/** A labelled reason select and rationale box, ids prefixed with ``prefix``. */
export function whyRow(prefix, reasons) {
  const row = element("div", { class: "row g-2 mb-2" });
  const reasonCell = element("div", { class: "col-5" });
  const reason = element("select", { class: "form-select form-select-sm", id: `${prefix}-reason` });
  for (const [value, label] of reasons) reason.append(new Option(label, value));
  reasonCell.append(
    element("label", { class: "form-label small mb-0", for: reason.id }, "Reason"),
    reason,
  );
  const rationaleCell = element("div", { class: "col-7" });
  const rationale = element("textarea", {
    class: "form-control form-control-sm",
    id: `${prefix}-rationale`,
    rows: "2",
    dir: "auto",
    maxlength: "5000",
  });
  rationaleCell.append(
    element("label", { class: "form-label small mb-0", for: rationale.id }, "Rationale"),
    rationale,
  );
  row.append(reasonCell, rationaleCell);
  return { row, reason, rationale };
}
