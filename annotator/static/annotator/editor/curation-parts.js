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

/**
 * A panel of items and the gold layer's records of one kind (relations, incidents): it
 * loads both lists, renders them, says how many items are open, saves a decision and
 * loads again, and loads again whenever the gold spans' save queue settles (a settled
 * span item can make a waiting item decidable). Returns ``decide(path, body)``.
 */
export function itemPanel({
  data,
  kind,
  itemsPath,
  goldPath,
  list,
  goldList,
  summary,
  itemNode,
  goldNode,
}) {
  const api = data.apiBase;
  const badge = document.getElementById("save-status");
  let refreshing = null;
  async function refresh(announce = true) {
    if (refreshing) return refreshing;
    refreshing = (async () => {
      try {
        const [items, gold] = await Promise.all([
          call("GET", `${api}documents/${data.documentId}/${itemsPath}`),
          call("GET", `${api}documents/${data.documentId}/${goldPath}`),
        ]);
        list.replaceChildren(...items.map(itemNode));
        goldList.replaceChildren(
          ...(gold.length
            ? gold.map(goldNode)
            : [element("li", { class: "text-body-secondary" }, "None yet.")]),
        );
        const open = items.filter((item) => item.status === "open").length;
        if (announce || !summary.textContent) {
          summary.textContent = items.length
            ? `${open} of ${items.length} ${kind} items open.`
            : `The reviewers' ${kind}s agree: nothing to reconcile.`;
        }
      } catch (error) {
        summary.textContent = `The ${kind}s could not be loaded: ${error.message}`;
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }
  new MutationObserver(() => {
    if (badge.dataset.state === "saved") refresh(false);
  }).observe(badge, { attributes: true, attributeFilter: ["data-settled"] });
  refresh();
  return async function decide(path, body) {
    try {
      await call("POST", `${api}${path}`, body, data.csrfToken);
      summary.textContent = "Decision saved.";
    } catch (error) {
      summary.textContent = error.message;
    }
    await refresh(false);
  };
}
