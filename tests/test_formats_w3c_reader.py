"""W3C Web Annotations read back: this product's own export, and collections, pages and
annotations built from the Web Annotation Data Model."""

from __future__ import annotations

import json

import pytest

from annotator.formats.corpus import ExportDocument, ExportSpan
from annotator.formats.reading import anchor
from annotator.formats.w3c import w3c_collection_chunks
from annotator.formats.w3c_reader import W3CError, is_w3c, read_w3c

TEXT = (
    "💩 Police detained Tursun 𠀋 in Ghulja. ئۇ لاگېرغا ئېلىپ كېتىلدى. Police detained him again."
)


def at(quote: str, nth: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(nth + 1):
        start = TEXT.index(quote, start + 1)
    return start, start + len(quote)


def annotation(quote: str, category: str, *, source="urn:x:doc:1", position=None, **quote_parts):
    selectors = []
    if position is not False:
        start, end = position or at(quote)
        selectors.append({"type": "TextPositionSelector", "start": start, "end": end})
    selectors.append({"type": "TextQuoteSelector", "exact": quote, **quote_parts})
    return {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": f"urn:x:anno:{category}:{quote}",
        "type": "Annotation",
        "body": [
            {"type": "TextualBody", "purpose": "tagging", "value": category},
            {"type": "TextualBody", "purpose": "commenting", "value": "a note"},
        ],
        "target": {"type": "SpecificResource", "source": source, "selector": selectors},
    }


def test_this_products_export_reads_back_grouped_by_document():
    spans = (
        ExportSpan(
            *at("detained"),
            "detention",
            "detained",
            "gold",
            note="n",
            attributes={"evidence_status": "likely", "origin": "moderated"},
            created="2024-01-01T00:00:00Z",
        ),
        ExportSpan(*at("لاگېرغا"), "place", "لاگېرغا", "reviewer", reviewer="Reviewer 1"),
        ExportSpan(*at("Police detained Tursun"), "detention", "Police detained Tursun", "gold"),
    )
    document = ExportDocument(7, "t", TEXT, "h", "s", language="ug", direction="auto", spans=spans)
    text = "".join(
        w3c_collection_chunks(
            [document],
            collection_id="urn:annotator:demo:export:gold",
            label="x",
            generated="2024-02-02T00:00:00Z",
            document_iri=lambda d: f"urn:annotator:demo:document:{d.id}",
            total=3,
        )
    )
    value = json.loads(text)
    assert is_w3c(value)
    (target,) = read_w3c(value)
    assert target.source == "urn:annotator:demo:document:7"
    assert target.text is None, "the export names the document, it does not hold its text"
    assert target.language == "ug"
    anchored = anchor(TEXT, target.spans)
    assert anchored.reanchored == 0
    assert [(s.start, s.end, s.category, s.quote) for s in anchored.spans] == [
        (s.start, s.end, s.category, s.quote) for s in spans
    ]
    first = anchored.spans[0]
    assert first.note == "n"
    assert first.attributes["evidence_status"] == "likely"
    assert first.attributes["origin"] == "moderated"
    assert first.attributes["created"] == "2024-01-01T00:00:00Z"
    assert anchored.spans[1].attributes["creator"] == "Reviewer 1"


def test_a_span_whose_position_moved_is_reanchored_by_its_quote_and_context():
    # The second "Police detained", told apart by its suffix; the position is stale.
    moved = annotation(
        "Police detained", "detention", position=(0, 15), prefix="كېتىلدى. ", suffix=" him again"
    )
    by_quote = annotation("Ghulja", "place", position=False)
    page = {"type": "AnnotationPage", "items": [moved, by_quote]}
    (target,) = read_w3c(page)
    anchored = anchor(TEXT, target.spans)
    assert anchored.reanchored == 2
    assert [(s.start, s.end) for s in anchored.spans] == [at("Police detained", 1), at("Ghulja")]


def test_utf16_positions_from_a_javascript_tool_are_recognised_by_their_quotes():
    def utf16(quote: str) -> tuple[int, int]:
        start, end = at(quote)
        return (
            len(TEXT[:start].encode("utf-16-le")) // 2,
            len(TEXT[:end].encode("utf-16-le")) // 2,
        )

    items = [annotation(q, "x", position=utf16(q)) for q in ("Ghulja", "لاگېرغا", "again")]
    (target,) = read_w3c(items)
    anchored = anchor(TEXT, target.spans)
    assert anchored.unit == "utf-16"
    assert anchored.reanchored == 0
    for span in anchored.spans:
        assert TEXT[span.start : span.end] == span.quote


def test_embedded_text_and_several_sources_and_bad_annotations():
    embedded = annotation("Ghulja", "place", source={"id": "urn:x:doc:2", "value": TEXT})
    other = annotation("Tursun", "person", source="urn:x:doc:3")
    no_selector = {"type": "Annotation", "body": "x", "target": "urn:x:doc:3"}
    no_tag = annotation("Tursun", "person")
    no_tag["body"] = []
    targets = read_w3c([embedded, other, no_selector, no_tag])
    assert [(t.source, t.text is not None, len(t.spans)) for t in targets] == [
        ("urn:x:doc:2", True, 1),
        ("urn:x:doc:3", False, 1),
        ("", False, 0),
    ]
    assert targets[2].errors == [
        "Annotation 3: its target has no selector: it marks a whole resource, not a span.",
        "Annotation 4 (urn:x:anno:person:Tursun): it has no tag (a textual body) to be its "
        "category.",
    ]
    with pytest.raises(W3CError):
        read_w3c({"type": "Something"})
