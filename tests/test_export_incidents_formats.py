"""The writers, on plain data, with incidents (no database): JSONL, brat, W3C, the CSV
incidents table and the HURIDOCS-style events, on a text with an astral character and a
right-to-left passage; and what each does with a span it cannot write."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from annotator.formats.brat import BratReport, brat_files
from annotator.formats.corpus import (
    ExportCategory,
    ExportDocument,
    ExportIncident,
    ExportIncidentRole,
    ExportSpan,
    incident_id,
)
from annotator.formats.huridocs import (
    HuridocsReport,
    huridocs_chunks,
    huridocs_events,
    role_block,
)
from annotator.formats.jsonl import jsonl_lines, read_jsonl
from annotator.formats.tabular import incident_columns, incident_records, incident_row
from annotator.formats.w3c import w3c_collection_chunks
from tests.test_export_incidents import brat_events, brat_textbounds, conf_sections, nonum
from tests.test_format_writers import ANNOTATION, SCHEMA, problems

# 𠀋 first: one code point, two UTF-16 units. Then Uyghur (right to left), and a line break
# alone, which brat cannot mark.
TEXT = "𠀋 Police detained ئابلىكىم in Ürümchi on 3 May.\n\nGuards beat him."
CATEGORIES = [
    ExportCategory("detention", "Detention"),
    ExportCategory("torture", "Torture"),
    ExportCategory("victim", "Victim"),
    ExportCategory("perpetrator", "Perpetrator"),
    ExportCategory("place", "Place"),
    ExportCategory("date", "Date"),
]
ROLES = [
    ExportIncidentRole("victims", "Victims", multiple=True, categories=("victim",)),
    ExportIncidentRole(
        "perpetrators",
        "Perpetrators",
        multiple=True,
        involvements=(("direct", "Direct"), ("indirect", "Indirect")),
        categories=("perpetrator",),
    ),
    ExportIncidentRole("place", "Place", categories=("place",)),
    ExportIncidentRole("date", "Date", categories=("date",)),
    ExportIncidentRole("witness2", "Second witness", multiple=True),
]


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


def span(needle: str, category: str) -> ExportSpan:
    return ExportSpan(*at(needle), category, needle, "reviewer", "Reviewer 1")


def incident_document(document_id: int = 1) -> ExportDocument:
    spans = (
        span("Police", "perpetrator"),  # 0
        span("detained", "detention"),  # 1
        span("ئابلىكىم", "victim"),  # 2
        span("Ürümchi", "place"),  # 3
        span("3 May", "date"),  # 4
        ExportSpan(*at("\n\n"), "victim", "\n\n", "reviewer", "Reviewer 1"),  # 5: breaks only
        span("Guards", "perpetrator"),  # 6
        span("beat him", "torture"),  # 7
    )
    return ExportDocument(
        id=document_id,
        title="Detention in Ürümchi",
        text=TEXT,
        text_sha256="sha",
        source_sha256="source-sha",
        language="ug",
        direction="rtl",
        spans=spans,
        incidents=(
            ExportIncident(
                1,
                (
                    ("victims", 2, ""),
                    ("victims", 5, ""),
                    ("perpetrators", 0, "direct"),
                    ("place", 3, ""),
                    ("date", 4, ""),
                ),
                "Reviewer 1",
                "Held\novernight.",
                "likely",
            ),
            ExportIncident(7, (("perpetrators", 6, "indirect"), ("witness2", 2, "")), "Reviewer 1"),
            ExportIncident(5, (), "Reviewer 1"),  # its act cannot be written in brat
            ExportIncident(7, (), "Reviewer 1", "Act alone."),
        ),
    )


def test_incident_ids_number_from_one():
    assert [incident_id(n) for n in range(3)] == [1, 2, 3]


# --- JSONL ---------------------------------------------------------------------------------


def test_jsonl_names_the_act_and_role_spans_by_id():
    line = json.loads(next(jsonl_lines([incident_document()])))
    by_id = {entry["id"]: entry for entry in line["spans"]}
    first = line["incidents"][0]
    assert first == {
        "id": 1,
        "act": 2,
        "roles": {
            "victims": [{"span": 3, "involvement": ""}, {"span": 6, "involvement": ""}],
            "perpetrators": [{"span": 1, "involvement": "direct"}],
            "place": [{"span": 4, "involvement": ""}],
            "date": [{"span": 5, "involvement": ""}],
        },
        "note": "Held\novernight.",
        "evidence_status": "likely",
        "reviewer": "Reviewer 1",
    }
    for incident in line["incidents"]:
        for number in [
            incident["act"],
            *(s["span"] for v in incident["roles"].values() for s in v),
        ]:
            entry = by_id[number]
            assert TEXT[entry["start"] : entry["end"]] == entry["quote"]
    assert by_id[3]["quote"] == "ئابلىكىم"
    assert by_id[3]["start"] == TEXT.index("ئابلىكىم"), "code points: 𠀋 counts one"


def test_the_jsonl_reader_still_reads_the_spans_of_a_line_with_incidents():
    (line,) = read_jsonl(next(jsonl_lines([incident_document()])).encode())
    assert not line.error, line.error
    assert len(line.spans) == 8
    assert "incidents" not in line.metadata, "incidents are not document metadata"
    assert any("incident" in note and "not imported" in note for note in line.notes)


# --- brat ----------------------------------------------------------------------------------


def brat(document: ExportDocument, **options: Any) -> tuple[dict[str, bytes], BratReport]:
    report = BratReport()
    files = dict(brat_files([document], CATEGORIES, report=report, incident_roles=ROLES, **options))
    return files, report


def test_brat_events_follow_brats_reader_and_leave_out_what_cannot_be_written():
    files, report = brat(incident_document())
    ann = files["000001.ann"].decode()
    textbounds = brat_textbounds(ann, TEXT)
    events = brat_events(ann)
    assert [(event["type"], textbounds[event["trigger"]][1]) for event in events] == [
        ("detention", "detained"),
        ("torture", "beat him"),
        ("torture", "beat him"),
    ]
    first, second, _ = events
    # The line-break-only victim is left out of the event; the other one stays.
    assert [(role, textbounds[t][1]) for role, t in first["args"]] == [
        ("Victims", "ئابلىكىم"),
        ("Perpetrators", "Police"),
        ("Place", "Ürümchi"),
        ("Date", "3 May"),
    ]
    # A role whose code ends with a digit gets a name that does not: brat would read
    # "Witness2" as a second "Witness".
    assert [role for role, _ in second["args"]] == ["Perpetrators", "Witness2_"]
    assert nonum("Witness2_") == "Witness2_"
    assert (report.incidents, report.incidents_skipped, report.slots_skipped) == (3, 1, 1)
    assert report.roles["witness2"] == "Witness2_"
    notes = [line for line in ann.splitlines() if "AnnotatorNotes E" in line]
    assert notes[0].endswith("\tHeld overnight.; involvement: Perpetrators=direct")
    conf = conf_sections(files["annotation.conf"].decode())
    events_declared = {line.split("\t")[0]: line.split("\t")[1] for line in conf["events"]}
    assert set(events_declared) == {"detention", "torture"}
    assert "Witness2_*:<ENTITY>" in events_declared["torture"]
    assert "Place?:place" in events_declared["torture"]
    assert "detention" not in [line.strip() for line in conf["entities"]]


def test_the_brat_reader_reads_each_act_once_though_its_trigger_has_a_line_of_its_own():
    from annotator.formats.brat_reader import read_brat

    document = incident_document()
    files, _ = brat(document)
    line = read_brat(files["000001.txt"], files["000001.ann"], name="000001.ann")
    assert not line.error, line.error
    read = [(s.start, s.end, s.category) for s in line.spans]
    assert len(read) == len(set(read)), f"an act's trigger line is not a second span: {read}"
    written = {(start, end, category) for category, start, end in _t_lines(files["000001.ann"])}
    assert set(read) == written
    acts = [s for s in line.spans if s.attributes.get("events")]
    assert acts, "the events stay with the act span they are triggered by"


def _t_lines(ann: bytes) -> list[tuple[str, int, int]]:
    found = []
    for line in ann.decode().splitlines():
        if line.startswith("T"):
            category, start, end = line.split("\t")[1].split()
            found.append((category, int(start), int(end)))
    return found


def test_repeated_role_arguments_are_numbered_as_brat_does():
    document = incident_document()
    document.incidents = (
        ExportIncident(1, (("victims", 2, ""), ("victims", 0, ""), ("victims", 6, ""))),
    )
    files, _ = brat(document)
    (event,) = brat_events(files["000001.ann"].decode())
    assert [role for role, _ in event["args"]] == ["Victims", "Victims2", "Victims3"]
    assert {nonum(role) for role, _ in event["args"]} == {"Victims"}


def test_brat_without_incidents_writes_what_it_wrote_before():
    document = incident_document()
    document.incidents = ()
    files, report = brat(document)
    conf = conf_sections(files["annotation.conf"].decode())
    assert conf["events"] == []
    assert "detention" in [line.strip() for line in conf["entities"]]
    assert not any("<EVENT>" in line for line in conf["attributes"])
    assert not any(line.startswith("E") for line in files["000001.ann"].decode().splitlines())
    assert report.incidents == 0


# --- W3C -----------------------------------------------------------------------------------

# The test schema's linked targets are a relation's two ends; an incident links more.
_INCIDENT_SCHEMA = copy.deepcopy(SCHEMA)
del _INCIDENT_SCHEMA["$defs"]["linkedAnnotations"]["maxItems"]


def w3c(documents: list[ExportDocument], **options: Any) -> dict[str, Any]:
    options.setdefault("total", sum(len(d.spans) + len(d.incidents) for d in documents))
    return json.loads(
        "".join(
            w3c_collection_chunks(
                documents,
                collection_id="urn:test:export",
                label="Test",
                generated="2024-06-01T08:00:00+00:00",
                document_iri=lambda document: f"urn:test:document:{document.id}",
                **options,
            )
        )
    )


def test_w3c_incidents_link_their_span_annotations_act_first():
    collection = w3c([incident_document(1), incident_document(2)], role_names={"place": "Place"})
    items = collection["first"]["items"]
    assert collection["total"] == len(items) == 2 * (8 + 4)
    by_id = {item["id"]: item for item in items}
    incidents = [item for item in items if "/incidents/" in item["id"]]
    assert [item["id"] for item in incidents] == [
        f"urn:test:export/incidents/{k}" for k in range(1, 9)
    ]
    schema = {"$defs": _INCIDENT_SCHEMA["$defs"], "$ref": "#/$defs/annotation"}
    for item in incidents:
        if item["motivation"] == "linking":
            assert list(Draft202012Validator(schema).iter_errors(item)) == [], item["id"]
    first = incidents[4]  # the second document's first incident
    quotes = [by_id[target]["target"]["selector"][1]["exact"] for target in first["target"]]
    assert quotes == ["detained", "ئابلىكىم", "\n\n", "Police", "Ürümchi", "3 May"]
    values = [body["value"] for body in first["body"]]
    assert values[0] == "incident"
    assert values[1] == f"act: {first['target'][0]}"
    assert f"perpetrators: {first['target'][3]} (direct)" in values
    assert "role place: Place" in values
    assert "evidence_status: likely" in values
    # An incident with its act alone describes it.
    alone = incidents[7]
    assert alone["motivation"] == "describing"
    assert by_id[alone["target"]]["target"]["selector"][1]["exact"] == "beat him"
    assert problems(ANNOTATION, by_id[alone["target"]]) == []


def test_w3c_refuses_a_total_that_leaves_out_the_incidents():
    with pytest.raises(ValueError, match="announced 8 annotations but holds 12"):
        w3c([incident_document()], total=8)


# --- CSV -----------------------------------------------------------------------------------


def test_incident_rows_have_three_columns_per_role_in_order():
    document = incident_document()
    roles = [role.code for role in ROLES]
    header = incident_columns(roles)
    rows = [
        dict(zip(header, incident_row(r, roles), strict=True)) for r in incident_records(document)
    ]
    first = rows[0]
    assert first["act_span_id"] == 2
    assert (first["act_start"], first["act_end"], first["act_quote"]) == (
        *at("detained"),
        "detained",
    )
    assert first["victims_span_ids"] == "3 | 6"
    assert first["victims_quotes"] == "ئابلىكىم | \n\n"
    assert first["victims_involvements"] == "", "no victim has an involvement"
    assert (first["perpetrators_quotes"], first["perpetrators_involvements"]) == (
        "Police",
        "direct",
    )
    assert first["witness2_span_ids"] == ""
    assert rows[1]["witness2_quotes"] == "ئابلىكىم"
    assert header[-3:] == ("note", "evidence_status", "reviewer")


# --- HURIDOCS ------------------------------------------------------------------------------


def test_roles_map_onto_the_huridocs_blocks_by_code():
    assert [
        role_block(code) for code in ("victims", "Perpetrator", "places", "date", "source")
    ] == [
        "victims",
        "perpetrators",
        "places",
        "dates",
        "sources",
    ]
    assert role_block("witness2") == "other_roles"


def test_huridocs_events_cite_each_item_by_document_offsets_and_quote():
    document = incident_document(7)
    first, second, _, alone = huridocs_events(
        document,
        category_names={"detention": "Detention", "torture": "Torture"},
        role_names={"witness2": "Second witness"},
    )
    assert first["id"] == "document-7/incident-1"
    assert first["title"] == "Detention: detained"
    assert first["acts"] == [
        {
            "id": "document-7/incident-1/act",
            "type": "detention",
            "type_name": "Detention",
            "evidence_status": "likely",
            "evidence": [
                {
                    "document": 7,
                    "start": at("detained")[0],
                    "end": at("detained")[1],
                    "quote": "detained",
                    "span": 2,
                    "category": "detention",
                }
            ],
        }
    ]
    victim = first["victims"][0]
    assert victim["id"] == "document-7/incident-1/victims/1"
    (reference,) = victim["evidence"]
    assert TEXT[reference["start"] : reference["end"]] == reference["quote"] == "ئابلىكىم"
    assert reference["start"] == TEXT.index("ئابلىكىم")
    assert [item["evidence"][0]["quote"] for item in first["victims"]] == ["ئابلىكىم", "\n\n"]
    assert [(p["involvement"], p["evidence"][0]["quote"]) for p in first["perpetrators"]] == [
        ("direct", "Police")
    ]
    assert first["places"][0]["evidence"][0]["quote"] == "Ürümchi"
    assert first["dates"][0]["evidence"][0]["quote"] == "3 May"
    assert first["sources"] == first["other_roles"] == []
    assert first["notes"] == ["Held\novernight."]
    assert second["other_roles"] == [
        {
            "id": "document-7/incident-2/other_roles/1",
            "role": "witness2",
            "role_name": "Second witness",
            "involvement": "",
            "evidence": [second["other_roles"][0]["evidence"][0]],
        }
    ]
    assert alone["notes"] == ["Act alone."]
    assert all(alone[block] == [] for block in ("victims", "perpetrators", "places"))


def test_huridocs_streams_a_piece_per_document_and_reports_what_it_cites():
    report = HuridocsReport()
    empty = incident_document(3)
    empty.incidents = ()
    pieces = list(
        huridocs_chunks(
            [incident_document(1), empty, incident_document(2)],
            generated="2024-06-01T08:00:00+00:00",
            project="Test",
            report=report,
        )
    )
    assert len(pieces) == 4, "the head, a piece per document with events, the documents"
    data = json.loads("".join(pieces))
    assert [event["id"] for event in data["events"]][:2] == [
        "document-1/incident-1",
        "document-1/incident-2",
    ]
    assert len(data["events"]) == 8
    assert [(d["id"], d["events"], d["direction"]) for d in data["documents"]] == [
        (1, 4, "rtl"),
        (3, 0, "rtl"),
        (2, 4, "rtl"),
    ]
    assert (report.documents, report.incidents) == (3, 8)
    assert report.spans == 2 * 8, "every span of a document with incidents is cited, once"
    assert report.categories["victim"] == {"spans": 2 * 2}


def test_huridocs_refuses_a_span_whose_quote_is_not_the_text():
    document = incident_document()
    document.spans[1].quote = "arrested"
    with pytest.raises(ValueError, match="quotes 'arrested'"):
        "".join(huridocs_chunks([document], generated="2024-06-01T08:00:00+00:00"))
