// The document's imported layers: spans that came with an imported corpus (another tool's,
// an earlier export's), never a reviewer's. Read-only: the reviewer switches a layer on to
// see its spans underlined (one highlight, "imported", styled by imported.css) and listed,
// and copies one into their own layer, where it becomes a new span of theirs, saved through
// the span store's queue and checked by the server like any other (pre-annotation).
//
// A layer's relations (brat's R lines, doccano's relations) are listed beneath its spans,
// read-only too. Copying one copies each end the reviewer lacks (the same offsets and
// category) as above, then draws the relation between their spans through the relation
// store (relations.js), so it is saved in the same queue, after its spans. A relation of a
// type the project lacks, or whose ends' categories its type does not allow, is refused.

import { excerpt } from "./text.js";

// Rows listed at most for the layers shown: a long report's imported layer can hold
// thousands of spans, and the list is a way in, not a second text.
const ROWS_LIMIT = 500;

export class ImportedLayers {
  #shown = new Set(); // indices of the layers switched on
  #highlight = typeof Highlight === "undefined" ? null : new Highlight();

  /**
   * @param {object} options
   * @param {{name: string, spans: object[], relations?: {source: number, target: number,
   *   type: string, type_name: string}[]}[]} options.layers from the page's data (relations'
   *   ends are indexes into the layer's spans)
   * @param {HTMLElement} options.panel the "Imported layers" section, with one checkbox a
   *   layer ([data-imported-layer]) and the list (#imported-list)
   * @param {import("./offsets.js").DocumentOffsets | null} options.offsets null when spans
   *   cannot be drawn (the editor says why)
   * @param {import("./spans.js").SpanStore} options.spans the reviewer's own spans
   * @param {Map<string, {name: string}>} options.categories by code
   * @param {(text: string, kind?: string) => void} options.onMessage
   * @param {{mine: string, yours: string}} [options.layerNames] how the layer copied into
   *   is named to its owner: the editor's "my layer", the curation page's "the gold layer"
   */
  constructor({
    layers,
    panel,
    offsets,
    spans,
    categories,
    onMessage,
    layerNames = { mine: "my layer", yours: "your layer" },
  }) {
    this.layerNames = layerNames;
    this.layers = layers;
    this.relations = null; // the reviewer's relation store, once the editor has one
    this.panel = panel;
    this.list = panel.querySelector("#imported-list");
    this.offsets = this.#highlight ? offsets : null;
    this.spans = spans;
    this.categories = categories;
    this.onMessage = onMessage;
    if (this.offsets) {
      this.#highlight.priority = 0;
      CSS.highlights.set("imported", this.#highlight);
    }
    for (const box of panel.querySelectorAll("[data-imported-layer]")) {
      box.addEventListener("change", () => {
        const index = Number(box.dataset.importedLayer);
        if (box.checked) this.#shown.add(index);
        else this.#shown.delete(index);
        this.#render();
      });
    }
    this.list.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (!button) return;
      const layer = this.layers[Number(button.dataset.layer)];
      if (button.dataset.action === "copy-relation") {
        const relation = layer?.relations?.[Number(button.dataset.relation)];
        if (relation) this.copyRelation(layer, relation);
        return;
      }
      const span = layer?.spans[Number(button.dataset.span)];
      if (!span) return;
      if (button.dataset.action === "copy") this.copy(span, button);
      else if (this.offsets) {
        this.offsets.elementAt(span.start).scrollIntoView({ block: "center" });
      }
    });
  }

  /** Where relations are drawn and saved (relations.js); without it none can be copied. */
  useRelations(relations) {
    this.relations = relations;
  }

  /** The reviewer's own span equal to this one (same offsets and category), if any. */
  #own(span) {
    return (
      this.spans
        .all()
        .find(
          (own) =>
            own.start === span.start && own.end === span.end && own.category === span.category,
        ) ?? null
    );
  }

  /** The reviewer already has exactly this span (same offsets and category). */
  #owned(span) {
    return this.#own(span) !== null;
  }

  #typeName(relation) {
    return relation.type_name || this.relations?.types.get(relation.type)?.name || relation.type;
  }

  /** The reviewer already has this relation between their spans equal to its ends. */
  #ownedRelation(layer, relation) {
    const source = this.#own(layer.spans[relation.source]);
    const target = this.#own(layer.spans[relation.target]);
    if (!source || !target || !this.relations) return false;
    const symmetric = this.relations.types.get(relation.type)?.symmetric;
    return this.relations
      .ofSpan(source.localId)
      .some(
        (own) =>
          own.type === relation.type &&
          ((own.source === source.localId && own.target === target.localId) ||
            (symmetric && own.source === target.localId && own.target === source.localId)),
      );
  }

  /**
   * Copy an imported relation into the reviewer's layer: each end they lack copied first,
   * then the relation drawn between their spans. Returns whether it was drawn.
   */
  copyRelation(layer, relation) {
    if (this.spans.readOnly) return false;
    const name = this.#typeName(relation);
    const type = this.relations?.types.get(relation.type);
    if (!type || type.retired) {
      this.onMessage(
        `“${name}” is not a relation type of this project: the relation cannot be copied.`,
        "warning",
      );
      return false;
    }
    const ends = [layer.spans[relation.source], layer.spans[relation.target]];
    const foreign = ends.find((end) => !this.categories.has(end.category));
    if (foreign) {
      this.onMessage(
        `“${foreign.category}” is not a category of this project: the relation cannot be copied.`,
        "warning",
      );
      return false;
    }
    if (!this.relations.typesFor(...ends).some((fits) => fits.code === type.code)) {
      const [from, to] = ends.map((end) => this.categories.get(end.category).name);
      this.onMessage(
        `“${type.name}” cannot link a span of ${from} to one of ${to}: its ends do not allow ` +
          "these categories, so the relation is not copied.",
        "warning",
      );
      return false;
    }
    if (this.#ownedRelation(layer, relation)) {
      this.onMessage(`This relation is in ${this.layerNames.yours} already.`, "info");
      return false;
    }
    const [source, target] = ends.map((end) => this.#own(end) ?? this.#copied(end));
    const created =
      source && target
        ? this.relations.create({ source: source.localId, target: target.localId, type: type.code })
        : null;
    this.#render(); // the ends copied, and the relation, now say "Copied"
    // The row drawn anew keeps the keyboard's place: its label takes the focus.
    const at = `[data-layer="${this.layers.indexOf(layer)}"][data-relation="${layer.relations.indexOf(relation)}"]`;
    this.list
      .querySelector(at)
      ?.closest(".imported-relation")
      ?.querySelector(".imported-jump")
      ?.focus();
    return Boolean(created);
  }

  /** A new span of the reviewer's equal to an imported one, or null (told why). */
  #copied(span) {
    return this.spans.create({ start: span.start, end: span.end, category: span.category });
  }

  /** Copy an imported span into the reviewer's layer: a new span of theirs, saved. */
  copy(span, button) {
    if (this.spans.readOnly) return false;
    if (!this.categories.has(span.category)) {
      this.onMessage(
        `“${span.category}” is not a category of this project: the span cannot be copied.`,
        "warning",
      );
      return false;
    }
    if (this.#owned(span)) {
      this.onMessage(`This span is in ${this.layerNames.yours} already.`, "info");
      return false;
    }
    const created = this.#copied(span);
    if (created && button) {
      button.disabled = true;
      button.textContent = "Copied";
    }
    return Boolean(created);
  }

  #render() {
    this.#highlight?.clear();
    const rows = [];
    let total = 0;
    for (const index of [...this.#shown].sort((a, b) => a - b)) {
      const layer = this.layers[index];
      layer.spans.forEach((span, position) => {
        if (this.offsets) this.#highlight.add(this.offsets.rangeFor(span.start, span.end));
        total += 1;
        if (rows.length < ROWS_LIMIT) rows.push(this.#row(index, position, span));
      });
      const relations = layer.relations || [];
      if (relations.length && rows.length < ROWS_LIMIT) {
        const heading = document.createElement("div");
        heading.className = "imported-relations-heading fw-semibold mt-1";
        heading.setAttribute("role", "listitem");
        heading.append("Relations in “", isolatedName(layer.name), "”");
        rows.push(heading);
      }
      relations.forEach((relation, position) => {
        total += 1;
        if (rows.length < ROWS_LIMIT) rows.push(this.#relationRow(index, position, relation));
      });
    }
    if (total > rows.length) {
      const more = document.createElement("p");
      more.className = "text-body-secondary mb-0";
      more.textContent = `The first ${rows.length} of ${total} spans and relations are listed; all spans are underlined.`;
      rows.push(more);
    }
    this.list.replaceChildren(...rows);
  }

  #row(layerIndex, position, span) {
    const name = this.categories.get(span.category)?.name || span.category;
    const swatch = document.createElement("span");
    swatch.className = `swatch swatch-${span.category}`;
    swatch.setAttribute("aria-hidden", "true");
    const label = document.createElement("span");
    label.className = "fw-semibold me-1";
    label.textContent = name;
    // The quote is isolated (bdi), its marks outside, as in the list of the reviewer's spans.
    const quote = isolatedName(excerpt(span.quote));
    return listRow("imported-row", {
      jump: jumpButton(layerIndex, position, [swatch, label, "“", quote, "”"]),
      copy: copyButton({
        data: { action: "copy", layer: String(layerIndex), span: String(position) },
        label: `Copy “${excerpt(span.quote, 40)}” into ${this.layerNames.mine} as ${name}`,
        disabled: this.spans.readOnly || !this.categories.has(span.category),
        copied: () => this.#owned(span),
      }),
    });
  }

  /** "Denies: “quote…” → “quote…”", which shows its source, and its Copy button. */
  #relationRow(layerIndex, position, relation) {
    const layer = this.layers[layerIndex];
    const source = layer.spans[relation.source];
    const target = layer.spans[relation.target];
    const typeName = this.#typeName(relation);
    const arrow = this.relations?.types.get(relation.type)?.symmetric ? "↔" : "→";
    const label = document.createElement("span");
    label.className = "fw-semibold me-1";
    label.textContent = `${typeName}:`;
    const from = isolatedName(excerpt(source.quote, 40));
    const to = isolatedName(excerpt(target.quote, 40));
    return listRow("imported-row imported-relation", {
      jump: jumpButton(layerIndex, relation.source, [label, "“", from, `” ${arrow} “`, to, "”"]),
      copy: copyButton({
        data: { action: "copy-relation", layer: String(layerIndex), relation: String(position) },
        label:
          `Copy the relation ${typeName} from “${excerpt(source.quote, 40)}” to ` +
          `“${excerpt(target.quote, 40)}” into ${this.layerNames.mine}`,
        // Without a relation store (the curation page's gold relations come from
        // moderation) a relation is listed, to read, but not copied.
        disabled: this.spans.readOnly || !this.relations,
        copied: () => this.#ownedRelation(layer, relation),
      }),
    });
  }
}

/** A row of the list: the button that shows its passage, and its Copy button. */
function listRow(className, { jump, copy }) {
  const row = document.createElement("div");
  row.className = `${className} d-flex align-items-center gap-1`;
  row.setAttribute("role", "listitem");
  row.append(jump, copy);
  return row;
}

/** The button that scrolls to the layer's span ``position``, reading ``content``. */
function jumpButton(layerIndex, position, content) {
  const jump = document.createElement("button");
  jump.type = "button";
  jump.className = "btn btn-link btn-sm text-start p-0 flex-grow-1 imported-jump";
  jump.dataset.action = "show";
  jump.dataset.layer = String(layerIndex);
  jump.dataset.span = String(position);
  jump.append(...content);
  return jump;
}

/** A Copy button: disabled when it cannot copy, and "Copied" when ``copied()`` says the
 * layer has it already (asked only when it can). */
function copyButton({ data, label, disabled, copied }) {
  const copy = document.createElement("button");
  copy.type = "button";
  copy.className = "btn btn-sm btn-outline-primary py-0 imported-copy";
  Object.assign(copy.dataset, data);
  copy.textContent = "Copy";
  copy.setAttribute("aria-label", label);
  if (disabled) copy.disabled = true;
  else if (copied()) {
    copy.disabled = true;
    copy.textContent = "Copied";
  }
  return copy;
}

function isolatedName(text) {
  const name = document.createElement("bdi");
  name.textContent = text;
  return name;
}
