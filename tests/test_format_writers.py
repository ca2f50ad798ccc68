"""Pure tests of the export writers (W3C Web Annotation, brat, CoNLL, spaCy): no database.

Each writer's output is read back, by the format's own rules, and compared with the
documents it was made from: every span's text must be the document's text at its offsets,
in Uyghur (right to left), with emoji, flags, a ZWJ family and 𠀋 (one code point, two
UTF-16 units).
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import itertools
import json
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import spacy
from jsonschema import Draft202012Validator, FormatChecker
from spacy.tokens import DocBin

from annotator.formats.brat import LINE_BREAKS, BratReport, brat_files, storage_name
from annotator.formats.conll import DOCSTART, ConllReport, conll_lines, conll_tokens
from annotator.formats.corpus import ExportCategory, ExportDocument, ExportSpan, check_span
from annotator.formats.spacy_docbin import SPACY_MISSING, SPAN_KEY, docbin_bytes, docbin_chunks
from annotator.formats.tabular import ESCAPED_COLUMN, FORMULA_STARTS, csv_lines
from annotator.formats.w3c import utc_datetime, w3c_annotation, w3c_collection_chunks
from annotator.text import SpanError

FAMILY = "👨\u200d👩\u200d👧"
FLAG = "🇺🇳"
EXT_B = "𠀋"  # U+2000B: one code point, two UTF-16 code units


def make_span(text: str, quote: str, category: str, *, nth: int = 0, **fields: Any) -> ExportSpan:
    """The span quoting the ``nth`` occurrence of ``quote`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(quote, start + 1)
    fields.setdefault("layer", "gold")
    return ExportSpan(start=start, end=start + len(quote), category=category, quote=quote, **fields)


def make_document(
    number: int, text: str, spans: tuple[ExportSpan, ...] = (), **fields: Any
) -> ExportDocument:
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return ExportDocument(
        id=number,
        title=fields.pop("title", f"Document {number}"),
        text=text,
        text_sha256=digest,
        source_sha256=digest,
        spans=spans,
        **fields,
    )


UYGHUR = (
    "ئۇيغۇر ئايالى 2017-يىلى تۇتۇلدى.\n"
    "گۇۋاھچى: «ئۇ لاگېرغا ئېلىپ كېتىلدى» دېدى؟ 💩\n"
    "\n"
    f"ئىككىنچى ئابزاس {EXT_B} تامام."
)
MIXED = (
    f"Family {FAMILY} detained at {FLAG} office. Witness said: 'held 3 days'!\n"
    f"Next line {EXT_B} here? Yes."
)


def uyghur_document() -> ExportDocument:
    t = UYGHUR
    return make_document(
        7,
        t,
        (
            make_span(
                t,
                "ئۇيغۇر ئايالى",
                "detention",
                layer="reviewer",
                reviewer="Reviewer 1",
                created="2024-05-01T10:00:00+00:00",
                modified="2024-05-02T11:30:00.250000+00:00",
            ),
            make_span(t, "تۇتۇلدى.\nگۇۋاھچى", "enforced_disappearance", note="قوشۇمچە\nئىزاھات"),
            make_span(t, "لاگېرغا ئېلىپ", "torture / detention"),
            make_span(t, "ئېلىپ كېتىلدى", "قىيناش"),  # overlaps the one before
            make_span(t, "💩", "detention"),
            make_span(t, EXT_B, "torture_detention"),
        ),
        title="گۇۋاھلىق",
        language="ug",
        direction="rtl",
    )


def mixed_document() -> ExportDocument:
    t = MIXED
    return make_document(
        12,
        t,
        (
            make_span(
                t,
                f"{FAMILY} detained",
                "detention",
                layer="reviewer",
                reviewer="Reviewer 2",
                note="first line\nsecond line",
                attributes={
                    "evidence_status": "likely",
                    "source_type": "witness_testimony",
                    "page": 2,
                },
                created="2024-05-01T12:00:00Z",
            ),
            make_span(t, f"detained at {FLAG} office", "torture / detention"),  # overlaps
            make_span(
                t,
                "'held 3 days'!\nNext",
                "détention-ill",
                attributes={"evidence_status": "alleged"},
            ),
            make_span(t, FLAG, "قىيناش"),
        ),
        language="en",
        direction="ltr",
    )


def plain_document() -> ExportDocument:
    return make_document(3, "Nothing was marked here.\n")


def corpus() -> list[ExportDocument]:
    return [uyghur_document(), mixed_document(), plain_document()]


CATEGORIES = [
    ExportCategory("detention", "Detention"),
    ExportCategory("enforced_disappearance", "Enforced disappearance", parent="detention"),
    ExportCategory("torture / detention", "Torture | detention"),
    ExportCategory("torture_detention", "Torture and detention"),
    ExportCategory("قىيناش", "قىيناش (torture)"),
]


def total_spans(documents: list[ExportDocument]) -> int:
    return sum(len(document.spans) for document in documents)


def recording(documents: list[ExportDocument], taken: list[int]) -> Iterator[ExportDocument]:
    """The documents, noting each one's id as the writer asks for it."""
    for document in documents:
        taken.append(document.id)
        yield document


# --- W3C Web Annotation ---------------------------------------------------------------

SCHEMA = json.loads((Path(__file__).parent / "w3c_annotation_schema.json").read_text("utf-8"))
COLLECTION_ID = "https://annotator.example/projects/demo/exports/w3c"
GENERATED = "2024-06-01T08:00:00+00:00"

# jsonschema checks "uri" and "date-time" only when optional packages are installed; these
# checkers make the schema's formats bite without them.
FORMATS = FormatChecker()
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:[!#$%&'()*+,\-./0-9:;=?@A-Z\[\]_a-z~]+$")
_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@FORMATS.checks("uri")
def _is_uri(value: object) -> bool:
    # RFC 3986: a scheme, a colon, and only characters a URI may hold (no space, no
    # non-ASCII: an IRI would have to be percent-encoded to pass).
    return not isinstance(value, str) or bool(_URI.match(value))


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    datetime.fromisoformat(value.replace("z", "Z"))  # a 13th month raises ValueError
    return True


def validator(definition: str) -> Draft202012Validator:
    schema = {"$defs": SCHEMA["$defs"], "$ref": f"#/$defs/{definition}"}
    Draft202012Validator.check_schema(SCHEMA)
    return Draft202012Validator(schema, format_checker=FORMATS)


ANNOTATION = validator("annotation")
COLLECTION = validator("annotationCollection")


def problems(validator: Draft202012Validator, instance: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(top)'}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def document_iri(document: ExportDocument) -> str:
    return f"https://annotator.example/projects/demo/documents/{document.id}"


def w3c_text(documents: list[ExportDocument], **options: Any) -> str:
    options.setdefault("total", total_spans(documents))
    return "".join(
        w3c_collection_chunks(
            documents,
            collection_id=COLLECTION_ID,
            label="Demo project: gold layer",
            generated=GENERATED,
            document_iri=document_iri,
            **options,
        )
    )


def one_annotation(**options: Any) -> dict[str, Any]:
    document = mixed_document()
    return w3c_annotation(
        document,
        document.spans[0],
        1,
        collection_id=COLLECTION_ID,
        document_iri=document_iri,
        generated=GENERATED,
        **options,
    )


def test_w3c_collection_and_every_annotation_satisfy_the_schema():
    """Our schema expresses the MUSTs of the W3C suite (annotations/annotationMusts.test:
    3.1 context, id, type, target; 3.2 target and body objects recognised; 3.2.5 not body
    and bodyValue; 3.3.1 created/modified/generated date-times), the Textual Body rules
    (3.2.4 value, 3.2.7 no items), the 4.2.4/4.2.5 selectors, the 3.3.2 agents and 3.3.5
    motivations and purposes, and collections.json's collection and page rules (5.1, 5.2)."""
    collection = json.loads(w3c_text(corpus()))
    assert problems(COLLECTION, collection) == [], "the collection breaks the schema"
    items = collection["first"]["items"]
    assert items, "the collection has no annotations to check"
    for item in items:
        assert problems(ANNOTATION, item) == [], f"annotation {item['id']} breaks the schema"


def test_the_format_checks_are_active():
    """Without the format checkers a bad IRI or date would pass unnoticed."""
    annotation = one_annotation()
    annotation["created"] = "2024-13-01T00:00:00Z"
    annotation["id"] = "annotation 1"
    found = problems(ANNOTATION, annotation)
    assert any(p.startswith("created:") for p in found), f"a 13th month passed: {found}"
    assert any(p.startswith("id:") for p in found), f"an id with a space passed: {found}"


def _without(key: str):
    return lambda annotation: annotation.pop(key)


@pytest.mark.parametrize(
    ("assertion", "break_it"),
    [
        ("3.1-annotationContextValidated", lambda a: a.update({"@context": "http://x.org/c"})),
        ("3.1-annotationIdValidated", _without("id")),
        ("3.1-annotationTypeValidated", lambda a: a.update({"type": "Note"})),
        ("3.1-targetKeyFound", _without("target")),
        ("3.2-targetObjectsRecognized", lambda a: a["target"].pop("source")),
        ("3.2-bodyObjectsRecognized", lambda a: a["body"][0].pop("value")),
        ("3.2.5-notBodyBodyValue", lambda a: a.update({"bodyValue": "detention"})),
        ("3.2.7-bodyEmbeddedTextualNoItems", lambda a: a["body"][0].update({"items": []})),
        ("3.3.1-annotationCreatedValidated", lambda a: a.update({"created": "yesterday"})),
        ("3.3.1 (UTC with Z)", lambda a: a.update({"created": "2024-05-01T12:00:00+02:00"})),
        ("3.3.1-annotationModifiedValidated", lambda a: a.update({"modified": ["a", "b"]})),
        ("3.3.2-annotationCreatorAgentType", lambda a: a["creator"].update({"type": "Robot"})),
        ("3.3.5-annotationMotivation", lambda a: a.update({"motivation": "labelling"})),
        ("3.3.5-bodyETBPurpose", lambda a: a["body"][0].update({"purpose": "labelling"})),
        ("3.2.1-targTextDirection", lambda a: a["target"]["source"].update({"textDirection": "r"})),
        ("4.2.5 start ≥ 0", lambda a: a["target"]["selector"][0].update({"start": -1})),
        ("4.2.5 integer", lambda a: a["target"]["selector"][0].update({"end": "5"})),
        ("4.2.4 exact", lambda a: a["target"]["selector"][1].pop("exact")),
    ],
)
def test_the_schema_refuses_what_the_w3c_suite_refuses(assertion, break_it):
    annotation = copy.deepcopy(one_annotation())
    assert problems(ANNOTATION, annotation) == [], "the unbroken annotation should pass"
    break_it(annotation)
    assert problems(ANNOTATION, annotation), f"{assertion}: a broken annotation passed"


def test_w3c_streamed_text_is_the_collection_of_the_annotations():
    documents = corpus()
    collection = json.loads(w3c_text(documents, organization="Demo rights project"))
    expected = [
        w3c_annotation(
            document,
            span,
            n,
            collection_id=COLLECTION_ID,
            document_iri=document_iri,
            generated=GENERATED,
            organization="Demo rights project",
        )
        for n, (document, span) in enumerate(((d, s) for d in documents for s in d.spans), start=1)
    ]
    assert collection["first"]["items"] == expected, "the stream differs from the annotations"
    assert collection["total"] == len(expected) == 10
    assert collection["type"] == "AnnotationCollection"
    assert collection["first"]["partOf"] == collection["id"] == COLLECTION_ID
    ids = [item["id"] for item in expected]
    assert len(set(ids)) == len(ids), "annotation ids repeat"
    assert ids[0] == f"{COLLECTION_ID}/annotations/1"


def test_w3c_selectors_read_back_to_the_document_text():
    documents = {document_iri(d): d for d in corpus()}
    collection = json.loads(w3c_text(list(documents.values())))
    for item in collection["first"]["items"]:
        text = documents[item["target"]["source"]["id"]].text
        position, quote = item["target"]["selector"]
        start, end = position["start"], position["end"]
        assert text[start:end] == quote["exact"], f"{item['id']}: offsets do not give the quote"
        assert quote["prefix"] == text[max(0, start - 32) : start], f"{item['id']}: prefix"
        assert quote["suffix"] == text[end : end + 32], f"{item['id']}: suffix"
        assert len(quote["prefix"]) <= 32
        assert len(quote["suffix"]) <= 32
        assert text.count(quote["prefix"] + quote["exact"] + quote["suffix"]) >= 1


def test_w3c_offsets_count_code_points_not_utf16_units():
    collection = json.loads(w3c_text([uyghur_document()]))
    (item,) = [
        i for i in collection["first"]["items"] if i["body"][0]["value"] == "torture_detention"
    ]
    position, quote = item["target"]["selector"]
    assert quote["exact"] == EXT_B
    assert position["end"] - position["start"] == 1, "𠀋 must count as one character"
    assert UYGHUR.index(EXT_B) == position["start"]
    assert len(EXT_B.encode("utf-16-le")) // 2 == 2, "UTF-16 (JavaScript) would count two"


def test_w3c_creators_bodies_times_and_direction():
    collection = json.loads(w3c_text(corpus(), organization="Demo rights project"))
    items = collection["first"]["items"]
    by_tag = {}
    for item in items:
        by_tag.setdefault(item["body"][0]["value"], []).append(item)
    reviewed = by_tag["detention"][0]
    assert reviewed["creator"] == {"type": "Person", "name": "Reviewer 1"}
    assert reviewed["created"] == "2024-05-01T10:00:00Z"
    assert reviewed["modified"] == "2024-05-02T11:30:00.250000Z"
    assert reviewed["generated"] == "2024-06-01T08:00:00Z"
    assert reviewed["generator"] == {"type": "Software", "name": "annotator"}
    assert reviewed["target"]["source"] == {
        "id": "https://annotator.example/projects/demo/documents/7",
        "type": "Text",
        "format": "text/plain",
        "language": "ug",
        "textDirection": "rtl",
    }
    gold = by_tag["enforced_disappearance"][0]
    assert gold["creator"] == {"type": "Organization", "name": "Demo rights project"}
    assert {"type": "TextualBody", "purpose": "commenting", "value": "قوشۇمچە\nئىزاھات"} in gold[
        "body"
    ], "the note, newline included, should be a commenting body"
    mixed = next(i for i in by_tag["detention"] if i["creator"]["name"] == "Reviewer 2")
    assert mixed["body"][1:] == [
        {"type": "TextualBody", "purpose": "commenting", "value": "first line\nsecond line"},
        {"type": "TextualBody", "purpose": "classifying", "value": "evidence_status: likely"},
        {
            "type": "TextualBody",
            "purpose": "classifying",
            "value": "source_type: witness_testimony",
        },
    ]
    assert all(item["motivation"] == "tagging" for item in items)
    anonymous = json.loads(w3c_text([uyghur_document()]))["first"]["items"][1]
    assert anonymous["creator"] == {"type": "Software", "name": "annotator"}


def test_w3c_gold_spans_say_who_proposed_and_who_decided():
    text = "Police detained him at the camp."
    span = make_span(
        text,
        "detained him",
        "detention",
        attributes={
            "origin": "moderated",
            "proposed_by": ["Reviewer 1", "Reviewer 2"],
            "decided_by": "Moderator 1",
        },
    )
    annotation = w3c_annotation(
        make_document(4, text, (span,)),
        span,
        1,
        collection_id=COLLECTION_ID,
        document_iri=document_iri,
        organization="Demo rights project",
    )
    assert annotation["body"][1:] == [
        {"type": "TextualBody", "purpose": "describing", "value": "origin: moderated"},
        {
            "type": "TextualBody",
            "purpose": "describing",
            "value": "proposed_by: Reviewer 1; Reviewer 2",
        },
        {"type": "TextualBody", "purpose": "describing", "value": "decided_by: Moderator 1"},
    ], "a gold span's provenance should be in the W3C output as it is in CSV and JSONL"
    assert annotation["creator"] == {"type": "Organization", "name": "Demo rights project"}
    assert problems(ANNOTATION, annotation) == []


def test_w3c_category_names_are_describing_bodies():
    annotation = one_annotation(category_names={"detention": "Detention"})
    assert annotation["body"][:2] == [
        {"type": "TextualBody", "purpose": "tagging", "value": "detention"},
        {"type": "TextualBody", "purpose": "describing", "value": "Detention"},
    ]


def test_w3c_a_wrong_total_or_quote_fails_loudly():
    with pytest.raises(ValueError, match="announced 9 annotations but holds 10"):
        w3c_text(corpus(), total=9)
    document = mixed_document()
    bad = ExportSpan(start=0, end=6, category="detention", quote="Famine", layer="gold")
    with pytest.raises(ValueError, match="quotes 'Famine' but the text there is 'Family'"):
        w3c_annotation(document, bad, 1, collection_id=COLLECTION_ID, document_iri=document_iri)


def test_w3c_streams_one_document_at_a_time():
    documents, taken = corpus(), []
    chunks = w3c_collection_chunks(
        recording(documents, taken),
        collection_id=COLLECTION_ID,
        label="Demo",
        generated=GENERATED,
        document_iri=document_iri,
        total=total_spans(documents),
    )
    head = next(chunks)
    assert taken == [], "the header should come before any document is read"
    assert head.startswith('{"@context": "http://www.w3.org/ns/anno.jsonld"')
    next(chunks)
    assert taken == [7], "the first document's annotations should need only that document"


def test_w3c_empty_collection():
    collection = json.loads(w3c_text([plain_document()]))
    assert collection["total"] == 0
    assert collection["first"]["items"] == []
    assert problems(COLLECTION, collection) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T10:00:00+00:00", "2024-05-01T10:00:00Z"),
        ("2024-05-01T12:00:00+02:00", "2024-05-01T10:00:00Z"),
        ("2024-05-01T10:00:00", "2024-05-01T10:00:00Z"),
        ("2024-05-01T10:00:00.5Z", "2024-05-01T10:00:00.500000Z"),
    ],
)
def test_utc_datetime(value, expected):
    assert utc_datetime(value) == expected


# --- brat -----------------------------------------------------------------------------

BRAT_NAME = re.compile(r"^[A-Za-z0-9_-]+$")


def read_ann(ann: str, text: str) -> dict[str, list[dict[str, Any]]]:
    """An .ann file read as brat reads it: lines split by str.splitlines (as brat's
    universal-newline reader does), ID TAB data [TAB tail]; a text-bound annotation's tail
    begins with its fragments' texts joined by one space."""
    read: dict[str, list[dict[str, Any]]] = {"T": [], "A": [], "#": []}
    for line in ann.splitlines():
        identifier, rest = line.split("\t", 1)
        kind = identifier[0]
        assert re.fullmatch(r"[TA#]\d+", identifier), f"bad id {identifier!r}"
        if kind == "T":
            data, tail = rest.split("\t", 1)
            type_name, offsets = data.split(" ", 1)
            parts = [tuple(map(int, part.split(" "))) for part in offsets.split(";")]
            expected = " ".join(text[start:end] for start, end in parts)
            assert tail == expected, f"{identifier}: text {tail!r} is not the .txt's {expected!r}"
            read["T"].append({"id": identifier, "type": type_name, "fragments": parts})
        elif kind == "A":
            name, target, value = rest.split(" ")
            read["A"].append({"name": name, "target": target, "value": value})
        else:
            data, note = rest.split("\t", 1)
            note_type, target = data.split(" ")
            read["#"].append({"type": note_type, "target": target, "note": note})
    return read


def read_conf(conf: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    section = ""
    for line in conf.split("\n"):
        if match := re.fullmatch(r"\[(\w+)\]", line.strip()):
            section = match.group(1)
            sections[section] = []
        elif line.strip() and not line.lstrip().startswith("#"):
            sections[section].append(line)
    return sections


EVIDENCE = {
    "evidence_status": ("confirmed", "likely", "possible", "unknown"),
    "source_type": ("victim_testimony", "witness_testimony", "media_report", "other"),
}


def brat_export(documents, categories=CATEGORIES, **options) -> tuple[dict[str, bytes], BratReport]:
    options.setdefault("attributes", EVIDENCE)
    report = BratReport()
    files = dict(brat_files(documents, categories, report=report, **options))
    return files, report


def test_brat_files_are_a_text_and_annotations_per_document_then_the_configuration():
    files, report = brat_export(corpus())
    assert list(files) == [
        "000007.txt",
        "000007.ann",
        "000012.txt",
        "000012.ann",
        "000003.txt",
        "000003.ann",
        "annotation.conf",
        "visual.conf",
    ]
    for document in corpus():
        assert files[f"{document.id:06d}.txt"] == document.text.encode("utf-8"), (
            "the .txt must be the canonical text, UTF-8, without a byte-order mark"
        )
    assert files["000003.ann"] == b""
    assert (report.documents, report.spans, report.fragmented, report.skipped) == (3, 10, 2, 0)
    assert json.loads(json.dumps(report.as_dict()))["types"]["قىيناش"] == "Category"


def test_brat_fragments_quote_the_text_and_never_cross_a_line_break():
    files, _ = brat_export(corpus())
    for document in corpus():
        stem = f"{document.id:06d}"
        text = files[f"{stem}.txt"].decode("utf-8")
        read = read_ann(files[f"{stem}.ann"].decode("utf-8"), text)
        assert len(read["T"]) == len(document.spans)
        for span, annotation in zip(document.spans, read["T"], strict=True):
            pieces = [text[start:end] for start, end in annotation["fragments"]]
            for piece in pieces:
                assert piece, f"{annotation['id']}: an empty fragment"
                assert not LINE_BREAKS & set(piece), f"{annotation['id']}: {piece!r} crosses a line"
            assert annotation["fragments"][0][0] == span.start
            assert annotation["fragments"][-1][1] == span.end
            assert "".join(pieces) == "".join(c for c in span.quote if c not in LINE_BREAKS), (
                f"{annotation['id']}: the fragments lose more than the line breaks"
            )


def test_brat_span_across_a_line_is_two_fragments():
    files, _ = brat_export([mixed_document()])
    ann = files["000012.ann"].decode("utf-8")
    start = MIXED.index("'held")
    newline = MIXED.index("\n")
    line = f"T3\tdetention-ill {start} {newline};{newline + 1} {newline + 5}\t'held 3 days'! Next"
    assert line + "\n" in ann, f"expected {line!r} in:\n{ann}"


def test_brat_notes_and_attributes():
    files, _ = brat_export(corpus())
    read = read_ann(files["000012.ann"].decode("utf-8"), MIXED)
    assert read["#"] == [
        {"type": "AnnotatorNotes", "target": "T1", "note": "first line second line"}
    ], "a note's newline must become a space"
    assert read["A"] == [
        {"name": "EvidenceStatus", "target": "T1", "value": "likely"},
        {"name": "SourceType", "target": "T1", "value": "witness_testimony"},
        {"name": "EvidenceStatus", "target": "T3", "value": "alleged"},
    ]


def test_brat_type_names_are_valid_and_distinct():
    _, report = brat_export(corpus())
    assert report.types == {
        "detention": "detention",
        "enforced_disappearance": "enforced_disappearance",
        "torture / detention": "torture_detention",
        "torture_detention": "torture_detention_2",
        "قىيناش": "Category",
        "détention-ill": "detention-ill",
    }
    assert all(BRAT_NAME.match(name) for name in report.types.values())
    assert len(set(report.types.values())) == len(report.types)
    assert report.renamed["torture / detention"] == "torture_detention"
    assert storage_name("---") == ""


def test_brat_configuration_declares_every_type_and_attribute_used():
    files, _ = brat_export(corpus())
    conf = read_conf(files["annotation.conf"].decode("utf-8"))
    assert set(conf) == {"entities", "relations", "events", "attributes"}
    entities = [line.strip() for line in conf["entities"]]
    assert "\tenforced_disappearance" in conf["entities"], "a child sits one tab under its parent"
    assert (
        conf["entities"].index("\tenforced_disappearance")
        == conf["entities"].index("detention") + 1
    )
    assert conf["relations"] == ["<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>"]
    assert conf["events"] == []
    declared_values = {}
    for line in conf["attributes"]:
        name, arguments = line.split("\t")
        values = dict(argument.split(":", 1) for argument in arguments.split(", "))
        assert values["Arg"] == "<ENTITY>"
        declared_values[name] = values["Value"].split("|")
    assert "alleged" in declared_values["EvidenceStatus"], "a value met in a span is declared"
    assert "confirmed" in declared_values["EvidenceStatus"]
    for document in corpus():
        text = document.text
        read = read_ann(files[f"{document.id:06d}.ann"].decode("utf-8"), text)
        for annotation in read["T"]:
            assert annotation["type"] in entities, f"{annotation['type']} is not declared"
        for attribute in read["A"]:
            assert attribute["value"] in declared_values[attribute["name"]]


def test_brat_attributes_default_to_the_evidence_keys_with_the_values_met():
    report = BratReport()
    files = dict(brat_files([mixed_document()], CATEGORIES, report=report))
    attributes = read_conf(files["annotation.conf"].decode("utf-8"))["attributes"]
    assert attributes == [
        "EvidenceStatus\tArg:<ENTITY>, Value:likely|alleged",
        "SourceType\tArg:<ENTITY>, Value:witness_testimony",
    ]
    files = dict(brat_files([mixed_document()], CATEGORIES, {"page": (), "قىيناش": ("a b",)}))
    assert read_conf(files["annotation.conf"].decode("utf-8"))["attributes"] == [
        "Page\tArg:<ENTITY>, Value:2",
        "Attribute\tArg:<ENTITY>, Value:a_b",
    ], "names and values must be brat identifiers"


def test_brat_visual_configuration_labels_types_with_their_codes():
    files, _ = brat_export(corpus())
    labels = read_conf(files["visual.conf"].decode("utf-8"))["labels"]
    assert (
        "torture_detention | Torture detention (torture / detention) | torture / detention"
        in labels
    )
    assert "Category | قىيناش (torture) (قىيناش) | قىيناش" in labels


def test_brat_span_of_line_breaks_alone_is_skipped_and_counted():
    text = "Line one\n\u2028Line two"
    document = make_document(5, text, (make_span(text, "\n\u2028", "detention"),))
    files, report = brat_export([document])
    assert files["000005.ann"] == b""
    assert (report.spans, report.skipped) == (0, 1)


def test_brat_report_counts_each_category():
    _, report = brat_export(corpus())
    assert report.categories["detention"] == {"spans": 3, "fragmented": 0, "skipped": 0}
    assert report.categories["enforced_disappearance"] == {
        "spans": 1,
        "fragmented": 1,
        "skipped": 0,
    }
    assert report.categories["détention-ill"]["fragmented"] == 1
    for key in ("spans", "fragmented", "skipped"):
        assert sum(counts[key] for counts in report.categories.values()) == getattr(report, key)
    text = "Line one\n\u2028Line two"
    document = make_document(5, text, (make_span(text, "\n\u2028", "detention"),))
    _, skipped = brat_export([document])
    assert skipped.categories == {"detention": {"spans": 0, "fragmented": 0, "skipped": 1}}


def test_brat_streams_one_document_at_a_time():
    taken: list[int] = []
    pairs = brat_files(recording(corpus(), taken), CATEGORIES)
    list(itertools.islice(pairs, 2))
    assert taken == [7]


# --- CoNLL ----------------------------------------------------------------------------


def read_conll(output: str) -> list[list[list[tuple[str, str]]]]:
    """Documents, of sentences, of (token, tag) pairs; checks the layout on the way."""
    documents: list[list[list[tuple[str, str]]]] = []
    for line in output.split("\n")[:-1]:
        if line == DOCSTART:
            documents.append([[]])
        elif line == "":
            if documents[-1][-1]:
                documents[-1].append([])
        else:
            token, tag = line.split("\t")
            assert token, f"an empty token before tag {tag!r}"
            assert not any(c.isspace() for c in token), f"token {token!r} holds whitespace"
            documents[-1][-1].append((token, tag))
    for document in documents:
        if not document[-1]:
            document.pop()
    return documents


def token_offsets(text: str, tokens: list[str]) -> list[tuple[int, int]]:
    """Where each token is in the text, in order (they skip whitespace only)."""
    offsets, position = [], 0
    for token in tokens:
        while text[position].isspace():
            position += 1
        assert text.startswith(token, position), f"token {token!r} is not next at {position}"
        offsets.append((position, position + len(token)))
        position += len(token)
    assert not text[position:].strip(), "tokens are missing at the end"
    return offsets


def runs(pairs: list[tuple[str, str]], offsets: list[tuple[int, int]]) -> set[tuple[int, int, str]]:
    """The (start, end, label) of every B- I-* run."""
    found, current = set(), None
    for (_, tag), (start, end) in zip(pairs, offsets, strict=True):
        if tag.startswith("B-"):
            if current:
                found.add(tuple(current))
            current = [start, end, tag[2:]]
        elif tag.startswith("I-"):
            current[1] = end
        else:
            if current:
                found.add(tuple(current))
            current = None
    if current:
        found.add(tuple(current))
    return found


def test_conll_tokens_rebuild_the_text_and_tags_are_valid_iob2():
    report = ConllReport()
    output = "".join(conll_lines(corpus(), report=report))
    documents = read_conll(output)
    assert len(documents) == 3 == report.documents
    for document, sentences in zip(corpus(), documents, strict=True):
        tokens = [token for sentence in sentences for token, _ in sentence]
        non_space = "".join(c for c in document.text if not c.isspace())
        assert "".join(tokens) == non_space, f"document {document.id}: tokens lose text"
        token_offsets(document.text, tokens)
        for sentence in sentences:
            previous = "O"
            for token, tag in sentence:
                assert tag == "O" or re.fullmatch(r"[BI]-\S+", tag), f"bad tag {tag!r}"
                if tag.startswith("I-"):
                    assert previous != "O", f"document {document.id}: {tag} on {token!r} after O"
                    assert previous[2:] == tag[2:], (
                        f"document {document.id}: {tag} on {token!r} after {previous}"
                    )
                previous = tag
    assert report.tokens == sum(len(s) for d in documents for s in d)
    assert report.sentences == sum(len(d) for d in documents)


def test_conll_kept_spans_are_their_token_runs_and_overlaps_are_counted():
    report = ConllReport()
    documents = corpus()
    read = read_conll("".join(conll_lines(documents, report=report)))
    for document, sentences in zip(documents, read, strict=True):
        pairs = [pair for sentence in sentences for pair in sentence]
        offsets = token_offsets(document.text, [token for token, _ in pairs])
        found = runs(pairs, offsets)
        dropped = {
            ("ئېلىپ كېتىلدى", "قىيناش"),
            (f"detained at {FLAG} office", "torture / detention"),
        }
        expected = {
            (span.start, span.end, span.category.replace(" ", "_"))
            for span in document.spans
            if (span.quote, span.category) not in dropped
        }
        assert found == expected, f"document {document.id}: runs differ from the kept spans"
    assert report.spans_written == 8
    assert report.spans_overlapping == 2
    assert report.spans_without_tokens == 0
    assert report.spans_widened == 0
    assert report.renamed == {"torture / detention": "torture_/_detention"}
    assert json.loads(json.dumps(report.as_dict()))["spans_dropped"] == 2


def test_conll_emoji_sequences_are_single_tokens():
    tokens = [MIXED[start:end] for start, end in conll_tokens(MIXED)]
    assert FAMILY in tokens, "a ZWJ family must stay one token"
    assert FLAG in tokens, "a flag's two regional indicators must stay one token"
    assert EXT_B in tokens
    assert "\u200d" not in tokens
    text = "🇺🇳🇬🇧 👍🏽 1️⃣"
    assert [text[s:e] for s, e in conll_tokens(text)] == ["🇺🇳", "🇬🇧", "👍🏽", "1️⃣"]


def test_conll_sentences():
    text = "Birinchi jümle. Ikkinchi؟ Üchinchi۔ 第一句。第二句\n\nYéngi abzas\nsame sentence"
    sentences = read_conll("".join(conll_lines([make_document(1, text)])))[0]
    assert [" ".join(token for token, _ in sentence) for sentence in sentences] == [
        "Birinchi jümle .",
        "Ikkinchi ؟",
        "Üchinchi ۔",
        "第一句 。",
        "第二句",
        "Yéngi abzas same sentence",
    ]


def test_conll_never_splits_a_sentence_inside_a_span():
    sentences = read_conll("".join(conll_lines([mixed_document()])))[0]
    crossing = [s for s in sentences if ("'", "B-détention-ill") in s]
    assert crossing, "the span should be written"
    tags = [tag for _, tag in crossing[0]]
    start = tags.index("B-détention-ill")
    assert tags[start + 1 : start + 7] == ["I-détention-ill"] * 6
    assert [token for token, _ in crossing[0]][start + 6] == "Next"


def test_conll_widened_and_whitespace_spans_are_counted():
    text = "The detainees  were moved."
    document = make_document(
        21,
        text,
        (make_span(text, "etainee", "detention"), make_span(text, "  ", "detention")),
    )
    report = ConllReport()
    pairs = read_conll("".join(conll_lines([document], report=report)))[0][0]
    assert pairs[1] == ("detainees", "B-detention")
    assert (report.spans_written, report.spans_widened, report.spans_without_tokens) == (1, 1, 1)
    assert report.spans_dropped == 1


def test_conll_overlap_policy_earlier_start_then_longer_wins():
    text = "The detainees were moved to the camp."
    document = make_document(
        22,
        text,
        (  # deliberately out of order: the writer sorts
            make_span(text, "detainees were moved", "transfer"),
            make_span(text, "The", "actor"),
            make_span(text, "The detainees", "detention"),
            make_span(text, "camp", "place"),
        ),
    )
    report = ConllReport()
    pairs = read_conll("".join(conll_lines([document], report=report)))[0][0]
    assert [tag for _, tag in pairs] == [
        "B-detention",
        "I-detention",
        "O",
        "O",
        "O",
        "O",
        "B-place",
        "O",
    ], "the longer of two spans starting together, then the earlier start, should win"
    assert (report.spans_written, report.spans_overlapping) == (2, 2)


def test_conll_report_counts_each_category():
    report = ConllReport()
    "".join(conll_lines(corpus(), report=report))
    assert report.categories["قىيناش"] == {
        "spans_written": 1,
        "spans_overlapping": 1,
        "spans_without_tokens": 0,
        "spans_widened": 0,
    }, "one قىيناش span overlaps the span kept before it, the flag is written"
    assert report.categories["torture / detention"]["spans_overlapping"] == 1
    assert report.categories["detention"]["spans_written"] == 3
    for key in ("spans_written", "spans_overlapping", "spans_without_tokens", "spans_widened"):
        assert sum(counts[key] for counts in report.categories.values()) == getattr(report, key)
    assert json.loads(json.dumps(report.as_dict()))["categories"] == report.categories
    text = "The detainees  were moved."
    document = make_document(
        21, text, (make_span(text, "etainee", "detention"), make_span(text, "  ", "place"))
    )
    widened = ConllReport()
    "".join(conll_lines([document], report=widened))
    assert widened.categories["detention"]["spans_widened"] == 1
    assert widened.categories["place"]["spans_without_tokens"] == 1


def test_conll_document_without_text_keeps_its_separator():
    output = "".join(conll_lines([make_document(2, " \n ")]))
    assert output == DOCSTART + "\n\n"


# --- check_span (every writer's) -----------------------------------------------------


def test_check_span_refuses_in_an_export_what_saving_refuses():
    text = "💩 detained in a camp"
    document = make_document(5, text)
    check_span(document, make_span(text, "detained", "detention"))
    cases = [
        (3, 11, "detained", "quotes 'detained' but the text there is 'etained '", "text there"),
        (4, 4, "", "is outside a text of 20 characters", "must not be empty"),
        (-1, 4, "x", "is outside a text of 20 characters", "cannot be negative"),
        (0, 21, "x", "is outside a text of 20 characters", "which has 20 characters"),
    ]
    for start, end, quote, export_reason, saving_reason in cases:
        span = ExportSpan(start=start, end=end, category="detention", quote=quote, layer="gold")
        with pytest.raises(SpanError, match=re.escape(f"Document 5: span {start}-{end} ")) as error:
            check_span(document, span)
        assert export_reason in str(error.value), f"{start}-{end}: {error.value}"
        assert saving_reason in str(error.value.__cause__), f"{start}-{end}: the text's reason"


# --- spaCy ----------------------------------------------------------------------------


def test_spacy_missing_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy", None)
    with pytest.raises(RuntimeError, match=re.escape(SPACY_MISSING)):
        docbin_bytes(corpus())
    assert "pip install" in SPACY_MISSING


def read_docbin(data: bytes) -> list[Any]:
    return list(DocBin().from_bytes(data).get_docs(spacy.blank("xx").vocab))


def test_spacy_docbin_reads_back_with_every_span():
    documents = corpus()
    data, statistics = docbin_bytes(documents)
    docs = read_docbin(data)
    assert [doc.text for doc in docs] == [document.text for document in documents]
    expanded = 0
    for doc, document in zip(docs, documents, strict=True):
        assert doc.user_data["id"] == document.id
        assert doc.user_data["title"] == document.title
        assert doc.user_data["text_sha256"] == document.text_sha256
        spans = list(doc.spans["sc"])
        assert [span.label_ for span in spans] == [s.category for s in document.spans]
        for span, original in zip(spans, document.spans, strict=True):
            if (span.start_char, span.end_char) == (original.start, original.end):
                assert span.text == original.quote, f"{original.quote!r} came back as {span.text!r}"
            else:
                expanded += 1
                assert span.start_char <= original.start, f"{span.text!r} starts too late"
                assert original.end <= span.end_char, f"{span.text!r} ends too early"
                assert original.quote in span.text
        exact = [(s["start"], s["end"], s["category"]) for s in doc.user_data["spans"]]
        assert exact == [(s.start, s.end, s.category) for s in document.spans]
        entities = sorted((e.start, e.end) for e in doc.ents)
        for (_, end), (start, _) in itertools.pairwise(entities):
            assert end <= start, "entities overlap"
    assert statistics["expanded"] == expanded
    assert sum(len(doc.ents) for doc in docs) == statistics["entities"]
    assert {key: value for key, value in statistics.items() if key != "categories"} == {
        "documents": 3,
        "spans": 10,
        "entities": 8,
        "expanded": expanded,
        "not_aligned": 0,
        "not_in_entities": 2,
    }


def test_spacy_statistics_count_each_category():
    documents = corpus()
    data, statistics = docbin_bytes(documents)
    docs = read_docbin(data)
    categories = statistics["categories"]
    for code in {span.category for document in documents for span in document.spans}:
        in_group = sum(1 for doc in docs for span in doc.spans["sc"] if span.label_ == code)
        entities = sum(1 for doc in docs for entity in doc.ents if entity.label_ == code)
        assert categories[code]["spans"] == in_group, f"{code}: spans in doc.spans['sc']"
        assert categories[code]["entities"] == entities, f"{code}: entities in doc.ents"
    for key in ("spans", "entities", "expanded", "not_aligned", "not_in_entities"):
        assert sum(counts[key] for counts in categories.values()) == statistics[key], key
    text = "The detainees  were moved."
    document = make_document(
        21, text, (make_span(text, "etainee", "detention"), make_span(text, "  ", "place"))
    )
    _, widened = docbin_bytes([document])
    assert widened["categories"]["detention"]["expanded"] == 1
    assert widened["categories"]["place"]["not_aligned"] == 1


def test_spacy_entities_take_the_longest_of_overlapping_spans():
    docs = read_docbin(docbin_bytes([mixed_document()])[0])
    assert [(e.text, e.label_) for e in docs[0].ents] == [
        (f"{FAMILY} detained", "detention"),
        (FLAG, "قىيناش"),
        ("'held 3 days'!\nNext", "détention-ill"),
    ]
    # spaCy splits the family into its people and joiners: its span is six tokens, longer
    # than "detained at 🇺🇳 office" (five), which overlaps it and is left out of the ents.
    assert [len(span) for span in docs[0].spans["sc"]][:2] == [6, 5]


def test_spacy_entities_prefer_a_longer_span_that_starts_later():
    text = "The detainees were moved to the camp."
    document = make_document(
        22,
        text,
        (
            make_span(text, "The detainees", "detention"),
            make_span(text, "detainees were moved to the camp", "transfer"),
        ),
    )
    data, statistics = docbin_bytes([document])
    (doc,) = read_docbin(data)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("detainees were moved to the camp", "transfer")
    ]
    assert len(doc.spans["sc"]) == 2, "the span group keeps both"
    assert statistics["not_in_entities"] == 1


def test_spacy_widened_and_unalignable_spans_are_counted():
    text = "The detainees  were moved."
    document = make_document(
        21,
        text,
        (make_span(text, "etainee", "detention"), make_span(text, "  ", "detention")),
    )
    data, statistics = docbin_bytes([document])
    (doc,) = read_docbin(data)
    assert [span.text for span in doc.spans["sc"]] == ["detainees"]
    assert (statistics["spans"], statistics["expanded"], statistics["not_aligned"]) == (1, 1, 1)
    assert doc.user_data["spans"][0]["start"] == text.index("etainee")


def batch_corpus() -> list[ExportDocument]:
    """The three documents above and four more whose spans lie on whole tokens: seven, so
    that batches of three documents make three batches."""
    documents = corpus()
    for number in range(4):
        text = f"Witness {number} saw {FAMILY} held at camp {number} on day {number + 1}."
        spans = (
            make_span(text, f"Witness {number}", "witness", note=f"note {number}"),
            make_span(
                text,
                f"held at camp {number}",
                "detention",
                layer="reviewer",
                reviewer=f"Reviewer {number}",
                attributes={"evidence_status": "alleged", "page": number},
            ),
            make_span(text, "camp", "place"),  # inside the one before: not an entity
        )
        documents.append(make_document(30 + number, text, spans, language="en"))
    return documents


def test_spacy_docbin_larger_than_one_batch_round_trips_exactly():
    documents = batch_corpus()
    data, statistics = docbin_bytes(documents, batch_size=3)
    one_batch, one_batch_statistics = docbin_bytes(documents, batch_size=len(documents))
    assert data == one_batch, "the file must not depend on the batches"
    assert statistics == one_batch_statistics
    assert statistics["documents"] == 7
    docs = read_docbin(data)
    assert [doc.text for doc in docs] == [document.text for document in documents]
    for doc, document in zip(docs, documents, strict=True):
        (alone,) = read_docbin(docbin_bytes([document])[0])
        spans = [(s.start_char, s.end_char, s.label_) for s in doc.spans["sc"]]
        entities = [(e.start_char, e.end_char, e.label_) for e in doc.ents]
        assert spans == [(s.start_char, s.end_char, s.label_) for s in alone.spans["sc"]]
        assert entities == [(e.start_char, e.end_char, e.label_) for e in alone.ents]
        assert len(spans) == len(document.spans), f"document {document.id}: every span back"
        assert {**doc.user_data, "spans": list(doc.user_data["spans"])} == {
            "id": document.id,
            "title": document.title,
            "text_sha256": document.text_sha256,
            "language": document.language,
            "spans": [
                {
                    "start": span.start,
                    "end": span.end,
                    "category": span.category,
                    "layer": span.layer,
                    "reviewer": span.reviewer,
                    "note": span.note,
                    "attributes": span.attributes,
                }
                for span in document.spans
            ],
        }, f"document {document.id}: user_data"
    for doc, document in zip(docs[3:], documents[3:], strict=True):
        exact = [(span.start, span.end, span.category) for span in document.spans]
        assert [(s.start_char, s.end_char, s.label_) for s in doc.spans["sc"]] == exact
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == exact[:2]


def test_spacy_docbin_is_written_byte_for_byte_as_spacy_writes_it():
    nlp = spacy.blank("xx")
    # Token arrays of 208 bytes, of 1,144 and of 83,200: msgpack's bin 8, bin 16 and bin 32.
    texts = ["Short.", "A few more words here, then a few more.", " ".join(["word"] * 800), ""]
    docs = [nlp(text) for text in texts]
    docs[1].spans[SPAN_KEY] = [docs[1].char_span(0, 5, label="detention")]
    docs[1].user_data.update({"id": 1, "spans": [{"start": 0, "end": 5, "note": "مەن"}]})
    docs[1].cats = {"detention": 1.0}
    for store_user_data in (True, False):
        for chosen in ([], docs[:1], docs[1:2], docs[2:3], docs):
            docbin = DocBin(store_user_data=store_user_data, docs=chosen)
            assert b"".join(docbin_chunks(docbin)) == docbin.to_bytes(), (
                f"{len(chosen)} docs, store_user_data={store_user_data}"
            )


# --- CSV ------------------------------------------------------------------------------

CSV_HEADER = ("quote", "document_title", "note", "start")


def read_csv_exactly(text: str) -> list[dict[str, str]]:
    """Rows read with Python's csv module, then the README's rule: strip one leading
    apostrophe from exactly the cells that the last column names."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    for row in reader:
        escaped = row.pop(ESCAPED_COLUMN).split()
        for name in escaped:
            assert row[name].startswith("'"), f"{name} is listed but has no apostrophe"
            row[name] = row[name][1:]
        rows.append(row)
    return rows


def test_csv_neutralised_cells_are_listed_and_read_back_exactly():
    originals = [
        (f"{start}86 numbers were detained", f"{start}Report", f"{start}SUM(A1)", 5)
        for start in FORMULA_STARTS
    ]
    originals += [
        ("'tis the camp", "'=Quoted title", "''two apostrophes", 7),
        ("plain", "A title", "", -3),
        ("'", "=", "+", 0),
        ("-", "@", "\r\nline", 1),
    ]
    text = "".join(csv_lines(CSV_HEADER, originals, escaped_column=ESCAPED_COLUMN))
    raw = list(csv.reader(io.StringIO(text, newline="")))
    assert raw[0] == [*CSV_HEADER, ESCAPED_COLUMN], "the list of escaped cells comes last"
    for cells in raw[1:]:
        for cell in cells[:3]:
            assert not cell.startswith(FORMULA_STARTS), f"{cell!r} would run as a formula"
    assert raw[1][-1] == "quote document_title note"
    assert raw[len(FORMULA_STARTS) + 1][-1] == "", "a genuine apostrophe is not escaped"
    restored = read_csv_exactly(text)
    assert [
        (row["quote"], row["document_title"], row["note"], row["start"]) for row in restored
    ] == [(quote, title, note, str(start)) for quote, title, note, start in originals]


def test_csv_without_the_escaped_column_is_unchanged():
    # The agreement download writes its figures this way.
    text = "".join(csv_lines(("title", "value"), [("=HYPERLINK(1)", 0.5), ("-", -1)]))
    assert text == "title,value\r\n'=HYPERLINK(1),0.5\r\n'-,-1\r\n"
    with pytest.raises(ValueError, match="already has a column named 'title'"):
        "".join(csv_lines(("title",), [], escaped_column="title"))
