// The gold layer, read: the spans painted over the text (CSS Custom Highlight API) and the
// list beside it, whose offsets scroll the text to their span. Nothing here saves anything.

import { Highlights, highlightsSupported } from "./highlights.js";
import { DocumentOffsets } from "./offsets.js";
import { SpanStore } from "./spans.js";
import { TextIndex } from "./text.js";

const data = JSON.parse(document.getElementById("gold-data").textContent);
const article = document.getElementById("document-text");
const message = document.getElementById("editor-message");
const index = new TextIndex(data.text);
const offsets = new DocumentOffsets(article, index);

function say(text) {
  message.textContent = text;
  message.hidden = false;
}

if (!highlightsSupported) {
  say(
    "This browser cannot draw highlights (CSS Custom Highlight API): the list beside the text shows the gold layer.",
  );
} else if (!offsets.matches(data.text)) {
  say("The text on the page differs from the stored text; the spans are listed but not drawn.");
} else {
  const spans = new SpanStore({
    queue: { enqueue() {} },
    index,
    fields: { editable: ["start", "end", "quote", "category"], defaults: {} },
    urls: { annotations: "", annotation: () => "" },
    readOnly: true,
  });
  spans.load(data.gold);
  new Highlights({ categories: data.categories.map((category) => category.code), offsets, spans });
}

document.addEventListener("click", (event) => {
  const link = event.target.closest(".gold-jump");
  if (!link) return;
  event.preventDefault();
  offsets
    .elementAt(Number(link.dataset.start))
    .scrollIntoView({ block: "center", behavior: "instant" });
});

document.body.dataset.goldReady = "true";
