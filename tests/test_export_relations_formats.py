"""Reviewers' relations in the JSONL, W3C and CSV exports (brat's are in
test_export_relations.py): each format names the two spans a relation links, and the
product's own importers still read the spans of a file that carries relations."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from typing import Any

import pytest

from annotator.formats.corpus import ExportDocument, ExportRelation, ExportSpan
from annotator.formats.jsonl import jsonl_lines, read_jsonl
from annotator.formats.tabular import RELATION_COLUMNS, relation_rows
from annotator.formats.w3c import w3c_collection_chunks
from annotator.formats.w3c_reader import read_w3c
from annotator.models import Document, ImportedRelation, ImportedSpan
from annotator.services.exporting import ExportOptions, export_start, export_summary
from annotator.services.importing import ImportLimits, Outcome, SourceFile, documents_import
from tests.factories import ProjectFactory
from tests.test_export_relations import world  # noqa: F401 (the fixture)
from tests.test_format_writers import ANNOTATION, COLLECTION, problems

TEXT = "Officials said no one was detained. Witnesses saw mass detentions. Guards beat them."
COLLECTION_ID = "https://annotator.example/projects/demo/exports/w3c"


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


def span(needle: str, category: str = "detention") -> ExportSpan:
    return ExportSpan(*at(needle), category, needle, "reviewer", "Reviewer 1")


def linked_document(document_id: int = 1) -> ExportDocument:
    """Three spans; a denial from the first to the second, with a note, and a symmetric
    same_incident between the third and the second."""
    return ExportDocument(
        id=document_id,
        title="Denial",
        text=TEXT,
        text_sha256="",
        source_sha256="",
        spans=(
            span("no one was detained"),
            span("mass detentions"),
            span("beat them", "torture"),
        ),
        relations=(
            ExportRelation(0, 1, "denies", "Reviewer 1", "The officials' denial."),
            ExportRelation(2, 1, "same_incident", "Reviewer 1", symmetric=True),
        ),
    )


def only(export) -> bytes:
    return b"".join(export.chunks)


def exported(world, fmt: str, **options: Any):  # noqa: F811 (the fixture)
    return export_start(
        project=world["project"],
        options=ExportOptions(format=fmt, layer="reviewers", **options),
        actor=world["manager"],
    )


def quotes(line: dict[str, Any]) -> set[tuple[str, str, str]]:
    """A JSONL line's relations as (type, source quote, target quote), through span ids."""
    by_id = {entry["id"]: entry["quote"] for entry in line["spans"]}
    return {
        (relation["type"], by_id[relation["from_id"]], by_id[relation["to_id"]])
        for relation in line["relations"]
    }


# --- JSONL ---------------------------------------------------------------------------------


def test_jsonl_writes_relations_as_doccano_does_naming_the_lines_span_ids():
    line = json.loads(next(jsonl_lines([linked_document()])))
    assert [entry["id"] for entry in line["spans"]] == [1, 2, 3], "each span has its number"
    assert line["relations"] == [
        {"id": 1, "from_id": 1, "to_id": 2, "type": "denies", "note": "The officials' denial."},
        {"id": 2, "from_id": 3, "to_id": 2, "type": "same_incident"},
    ]
    assert quotes(line) == {
        ("denies", "no one was detained", "mass detentions"),
        ("same_incident", "beat them", "mass detentions"),
    }


def test_a_span_attribute_named_id_does_not_replace_the_spans_id():
    document = linked_document()
    document.spans[0].attributes["id"] = "imported-7"
    line = json.loads(next(jsonl_lines([document])))
    assert line["spans"][0]["id"] == 1


def test_a_line_without_relations_has_an_empty_list():
    document = linked_document()
    document.relations = ()
    assert json.loads(next(jsonl_lines([document])))["relations"] == []


def test_the_jsonl_reader_reads_the_spans_of_a_line_and_the_relations_between_them():
    raw = next(jsonl_lines([linked_document()]))
    (line,) = read_jsonl(raw.encode())
    assert not line.error, line.error
    assert [(s.start, s.end, s.category) for s in line.spans] == [
        (*at("no one was detained"), "detention"),
        (*at("mass detentions"), "detention"),
        (*at("beat them"), "torture"),
    ]
    assert "relations" not in line.metadata, "relations are not document metadata"
    assert [(r.source, r.target, r.type) for r in line.relations] == [
        (0, 1, "denies"),
        (2, 1, "same_incident"),
    ]
    assert not any("not imported" in note for note in line.notes)


def test_a_doccano_line_with_entities_and_relations_reads_its_spans():
    start, end = at("mass detentions")
    raw = json.dumps(
        {
            "text": TEXT,
            "entities": [{"id": 0, "start_offset": start, "end_offset": end, "label": "X"}],
            "relations": [{"id": 5, "from_id": 0, "to_id": 0, "type": "self"}],
        }
    ).encode()
    (line,) = read_jsonl(raw)
    assert not line.error, line.error
    assert [(s.start, s.end) for s in line.spans] == [(start, end)]
    assert "relations" not in line.metadata
    assert line.relations == ()
    assert "relation 5 not imported: both its ends are the one span" in line.notes


@pytest.mark.django_db
def test_an_exported_jsonl_with_relations_imports_back_with_every_span(world):  # noqa: F811
    data = only(exported(world, "jsonl"))
    line = json.loads(data.decode().splitlines()[0])
    assert quotes(line) == {
        ("denies", "no one was detained", "mass detentions"),
        ("same_incident", "mass detentions", "beat them"),
    }
    elsewhere = ProjectFactory(slug="round-trip")
    report = documents_import(
        project=elsewhere,
        sources=[SourceFile("export.jsonl", data)],
        imported_by=None,
        limits=ImportLimits(max_file_bytes=10**6, max_archive_bytes=10**7, max_archive_files=5),
    )
    (result,) = report.results
    assert result.outcome is Outcome.IMPORTED, result.reason
    assert "2 relations imported" in result.reason
    document = Document.objects.get(project=elsewhere)
    assert {
        (r.type_code, r.source.quote, r.target.quote)
        for r in ImportedRelation.objects.filter(document=document).select_related(
            "source", "target"
        )
    } == quotes(line)
    assert "relations" not in document.metadata
    imported = {span.quote for span in ImportedSpan.objects.filter(document=document)}
    assert imported == {"no one was detained", "mass detentions", "beat them"}


@pytest.mark.django_db
def test_the_summary_counts_the_relations_each_format_writes(world):  # noqa: F811
    written = {
        fmt: export_summary(
            project=world["project"], options=ExportOptions(format=fmt, layer="reviewers")
        ).relations
        for fmt in ("jsonl", "w3c", "brat", "csv", "conll")
    }
    assert written == {
        "jsonl": {"selected": 2, "written": 2},
        "w3c": {"selected": 2, "written": 2},
        "brat": {"selected": 2, "written": 2},
        "csv": {"selected": 2, "written": 0},  # one table a file: relations need a bundle
        "conll": {"selected": 2, "written": 0},
    }
    # A category filter keeps the relations both of whose spans it keeps: none here, and the
    # W3C collection announces exactly what it holds.
    torture = ExportOptions(format="w3c", layer="reviewers", category="torture")
    summary = export_summary(project=world["project"], options=torture)
    assert summary.relations == {"selected": 0, "written": 0}
    assert summary.counts["spans_written"] == 1


# --- W3C -----------------------------------------------------------------------------------


def w3c(documents: list[ExportDocument], **options: Any) -> dict[str, Any]:
    options.setdefault("total", sum(len(d.spans) + len(d.relations) for d in documents))
    return json.loads(
        "".join(
            w3c_collection_chunks(
                documents,
                collection_id=COLLECTION_ID,
                label="Demo: reviewers",
                generated="2024-06-01T08:00:00+00:00",
                document_iri=lambda document: f"urn:annotator:demo:document:{document.id}",
                **options,
            )
        )
    )


def test_w3c_writes_one_linking_annotation_per_relation_targeting_the_two_spans():
    collection = w3c(
        [linked_document(1), linked_document(2)],
        relation_names={"denies": "Denies"},
    )
    assert problems(COLLECTION, collection) == []
    items = collection["first"]["items"]
    assert collection["total"] == len(items) == 10
    for item in items:
        assert problems(ANNOTATION, item) == [], f"{item['id']} breaks the schema"
    links = [item for item in items if item["motivation"] == "linking"]
    assert [link["id"] for link in links] == [
        f"{COLLECTION_ID}/relations/{m}" for m in (1, 2, 3, 4)
    ]
    # The second document's spans keep their numbers: 4, 5, 6 after the first one's 1, 2, 3.
    spans = [item["id"] for item in items if item["motivation"] == "tagging"]
    assert spans == [f"{COLLECTION_ID}/annotations/{n}" for n in range(1, 7)]
    denial, same = links[2], links[3]
    assert denial["target"] == [spans[3], spans[4]], "source first, then target"
    assert denial["creator"] == {"type": "Person", "name": "Reviewer 1"}
    assert denial["body"] == [
        {"type": "TextualBody", "purpose": "tagging", "value": "denies"},
        {"type": "TextualBody", "purpose": "describing", "value": "Denies"},
        {"type": "TextualBody", "purpose": "commenting", "value": "The officials' denial."},
        # JSON-LD keeps several targets as a set: the direction is said again.
        {"type": "TextualBody", "purpose": "describing", "value": f"source: {spans[3]}"},
    ]
    assert same["target"] == [spans[5], spans[4]]
    assert same["body"][-1]["value"] == "symmetric: true"


def test_the_schema_refuses_a_linking_annotation_with_one_target():
    link = next(i for i in w3c([linked_document()])["first"]["items"] if "linking" in str(i))
    assert problems(ANNOTATION, {**link, "target": link["target"][:1]}), "two ends, always"
    assert problems(ANNOTATION, {**link, "motivation": "tagging"}), "a tag marks a text"


def test_w3c_refuses_a_total_that_leaves_out_the_relations():
    with pytest.raises(ValueError, match="announced 3 annotations but holds 5"):
        w3c([linked_document()], total=3)


def test_the_w3c_reader_passes_over_linking_annotations_and_reads_the_spans():
    (target,) = read_w3c(w3c([linked_document()]))
    assert target.errors == []
    assert [s.quote for s in target.spans] == [
        "no one was detained",
        "mass detentions",
        "beat them",
    ]


@pytest.mark.django_db
def test_the_w3c_export_announces_and_holds_the_relations(world):  # noqa: F811
    collection = json.loads(only(exported(world, "w3c")))
    items = collection["first"]["items"]
    assert collection["total"] == len(items) == 5, "three spans and two relations"
    by_id = {item["id"]: item for item in items}
    found = set()
    for link in (item for item in items if item["motivation"] == "linking"):
        assert problems(ANNOTATION, link) == []
        source, target = (by_id[end]["target"]["selector"][1]["exact"] for end in link["target"])
        found.add((link["body"][0]["value"], source, target))
    assert found == {
        ("denies", "no one was detained", "mass detentions"),
        ("same_incident", "mass detentions", "beat them"),
    }


# --- CSV -----------------------------------------------------------------------------------


def test_relation_rows_name_both_ends_by_span_id_offsets_and_quote():
    rows = [
        dict(zip(RELATION_COLUMNS, row, strict=True)) for row in relation_rows(linked_document())
    ]
    start, end = at("no one was detained")
    assert rows[0] == {
        "document_id": 1,
        "relation_id": 1,
        "type": "denies",
        "source_span_id": 1,
        "source_start": start,
        "source_end": end,
        "source_quote": "no one was detained",
        "target_span_id": 2,
        "target_start": at("mass detentions")[0],
        "target_end": at("mass detentions")[1],
        "target_quote": "mass detentions",
        "note": "The officials' denial.",
        "reviewer": "Reviewer 1",
    }
    assert (rows[1]["relation_id"], rows[1]["source_span_id"], rows[1]["target_span_id"]) == (
        2,
        3,
        2,
    )


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


@pytest.mark.django_db
def test_a_csv_bundle_carries_the_relations_table_beside_the_spans(world):  # noqa: F811
    export = exported(world, "csv", bundle=True, bom=True)
    archive = zipfile.ZipFile(io.BytesIO(only(export)))
    files = {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}
    assert {"corpus.csv", "relations.csv", "manifest.json"} <= set(files)
    spans = {(row["document_id"], row["span_id"]): row for row in read_csv(files["corpus.csv"])}
    relations = read_csv(files["relations.csv"])
    assert files["relations.csv"].startswith(b"\xef\xbb\xbf"), "--bom applies to both tables"
    assert list(relations[0]) == [*RELATION_COLUMNS, "formula_escaped"]
    found = set()
    for row in relations:
        source = spans[(row["document_id"], row["source_span_id"])]
        target = spans[(row["document_id"], row["target_span_id"])]
        assert (source["quote"], target["quote"]) == (row["source_quote"], row["target_quote"])
        assert (source["start"], target["end"]) == (row["source_start"], row["target_end"])
        assert row["reviewer"] == source["reviewer"] == target["reviewer"] == "Reviewer 1"
        found.add((row["type"], row["source_quote"], row["target_quote"], row["note"]))
    assert found == {
        ("denies", "no one was detained", "mass detentions", "The officials' denial."),
        ("same_incident", "mass detentions", "beat them", ""),
    }
    manifest = json.loads(files["manifest.json"])
    assert "relations.csv" in manifest["files"], "the manifest hashes the second table too"
    assert manifest["summary"]["relations"] == {"selected": 2, "written": 2}


@pytest.mark.django_db
def test_a_plain_csv_stays_one_file_of_spans(world):  # noqa: F811
    export = exported(world, "csv")
    data = only(export)
    assert export.filename.endswith(".csv")
    rows = read_csv(data)
    assert [row["span_id"] for row in rows] == ["1", "2", "3"]
    assert export.summary.relations == {"selected": 2, "written": 0}
