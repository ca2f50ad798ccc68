"""Reviewers' incident records in the exports: every format carries them (JSONL, brat's
events, W3C, CSV in a bundle, HURIDOCS-style events), each naming spans whose quotes are
the text at their offsets; pseudonyms, not names; a category filter drops the slots whose
span it leaves out; and the queries an export costs do not grow with its incidents."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotator.models import IncidentRole, Role
from annotator.selectors.exporting import export_documents, export_reviewer_names
from annotator.services.assignments import review_submit
from annotator.services.exporting import ExportOptions, export_start, export_summary
from annotator.services.incidents import incident_create, incident_slot_add
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db

# An astral character first (𠀋 is one code point, two UTF-16 units), a right-to-left
# victim's name (Uyghur) and an emoji family (several code points) before the later spans.
TEXT = "𠀋 On 3 May police detained ئابلىكىم in Kashgar 👨‍👩‍👧, his sister said. Guards beat him."
PERPETRATOR_INVOLVEMENTS = [
    {"code": "direct", "name": "Direct"},
    {"code": "indirect", "name": "Indirect"},
]
FIRST, SECOND = "incident-exporter-a", "incident-exporter-b"


def at(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


@pytest.fixture
def world(project):
    c = {
        "detention": CategoryFactory(project=project, code="detention", name="Detention"),
        "torture": CategoryFactory(project=project, code="torture", name="Torture"),
        "victim": CategoryFactory(project=project, code="victim", group="entity"),
        "perpetrator": CategoryFactory(project=project, code="perpetrator", group="entity"),
        "place": CategoryFactory(project=project, code="place", group="entity"),
        "date": CategoryFactory(project=project, code="date", group="entity"),
        "testimony": CategoryFactory(project=project, code="testimony", group="entity"),
    }
    c["police"] = CategoryFactory(
        project=project, code="police", group="entity", parent=c["perpetrator"]
    )

    def role(code, allowed, *, multiple=False, involvements=(), order=0):
        row = IncidentRole.objects.create(
            project=project,
            code=code,
            name=code.title(),
            multiple=multiple,
            involvements=list(involvements),
            order=order,
        )
        row.categories.set([c[name] for name in allowed])
        return row

    roles = {
        "victims": role("victims", ["victim"], multiple=True, order=1),
        "perpetrators": role(
            "perpetrators",
            ["perpetrator"],
            multiple=True,
            involvements=PERPETRATOR_INVOLVEMENTS,
            order=2,
        ),
        "place": role("place", ["place"], order=3),
        "date": role("date", ["date"], order=4),
        "source": role("source", [], multiple=True, order=5),
        "witnesses": role("witnesses", ["victim"], multiple=True, order=6),
    }
    manager = UserFactory(username="incident-manager")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    first, second = UserFactory(username=FIRST), UserFactory(username=SECOND)
    for user in (first, second):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    document = make_document(project, TEXT)
    text = document.text

    def span(reviewer, category, needle):
        return make_annotation(document, reviewer, c[category], *at(text, needle))

    def incident(reviewer, act, slots, **options):
        record = incident_create(document=document, reviewer=reviewer, act_id=act.pk, **options)
        for code, annotation, involvement in slots:
            incident_slot_add(
                incident_id=record.pk,
                actor=reviewer,
                role=roles[code],
                annotation_id=annotation.pk,
                involvement=involvement,
            )
        return record

    spans = {
        "detained": span(first, "detention", "detained"),
        "name": span(first, "victim", "ئابلىكىم"),
        "sister": span(first, "victim", "his sister"),
        "police": span(first, "police", "police"),
        "kashgar": span(first, "place", "Kashgar"),
        "date": span(first, "date", "3 May"),
        "said": span(first, "testimony", "said"),
        "beat": span(first, "torture", "beat him"),
        "guards": span(first, "perpetrator", "Guards"),
    }
    s = spans
    incident(
        first,
        s["detained"],
        [
            ("victims", s["name"], ""),
            ("victims", s["sister"], ""),
            ("perpetrators", s["police"], "direct"),
            ("place", s["kashgar"], ""),
            ("date", s["date"], ""),
            ("source", s["said"], ""),
        ],
        note="Held overnight.",
        evidence_status="likely",
    )
    incident(
        first,
        s["beat"],
        [
            ("victims", s["name"], ""),
            ("perpetrators", s["guards"], "indirect"),
            ("witnesses", s["sister"], ""),
        ],
    )
    review_submit(document=document, reviewer=first)
    # Work in progress: neither its spans nor its incident go out.
    open_act = span(second, "detention", "detained")
    incident(second, open_act, [("victims", span(second, "victim", "ئابلىكىم"), "")])
    return {
        "project": project,
        "manager": manager,
        "document": document,
        "roles": roles,
        "spans": spans,
        "first": first,
        "categories": c,
    }


def exported(world, fmt: str, **options: Any) -> bytes:
    export = export_start(
        project=world["project"],
        options=ExportOptions(format=fmt, layer="reviewers", **options),
        actor=world["manager"],
    )
    return b"".join(export.chunks)


def files_of(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


EXPECTED = {
    # (act quote, act category): {role: [(quote, involvement)]}
    ("detained", "detention"): {
        "victims": [("ئابلىكىم", ""), ("his sister", "")],
        "perpetrators": [("police", "direct")],
        "place": [("Kashgar", "")],
        "date": [("3 May", "")],
        "source": [("said", "")],
    },
    ("beat him", "torture"): {
        "victims": [("ئابلىكىم", "")],
        "perpetrators": [("Guards", "indirect")],
        "witnesses": [("his sister", "")],
    },
}


# --- JSONL ---------------------------------------------------------------------------------


def jsonl_incidents(line: dict[str, Any]) -> dict[tuple[str, str], dict[str, list]]:
    """A line's incidents by (act quote, category), their roles as (quote, involvement),
    through the span ids, each span's quote checked against the text at its offsets."""
    by_id = {span["id"]: span for span in line["spans"]}
    for span in line["spans"]:
        assert line["text"][span["start"] : span["end"]] == span["quote"]
    found = {}
    for incident in line["incidents"]:
        act = by_id[incident["act"]]
        found[(act["quote"], act["category"])] = {
            role: [(by_id[slot["span"]]["quote"], slot["involvement"]) for slot in slots]
            for role, slots in incident["roles"].items()
        }
    return found


def test_jsonl_lines_carry_the_submitted_incidents_by_span_id(world):
    (line,) = [json.loads(raw) for raw in exported(world, "jsonl").decode().splitlines()]
    assert jsonl_incidents(line) == EXPECTED
    first, second = line["incidents"]
    assert [first["id"], second["id"]] == [1, 2]
    assert (first["note"], first["evidence_status"]) == ("Held overnight.", "likely")
    assert first["reviewer"] == second["reviewer"] == "Reviewer 1"
    # The astral character counts one: "detained" is where code points put it.
    act = next(span for span in line["spans"] if span["id"] == first["act"])
    assert (act["start"], act["end"]) == at(TEXT, "detained")


def test_a_category_filter_keeps_the_incident_of_its_act_without_the_other_spans(world):
    data = exported(world, "jsonl", category="detention")
    (line,) = [json.loads(raw) for raw in data.decode().splitlines()]
    assert jsonl_incidents(line) == {("detained", "detention"): {}}
    summary = export_summary(
        project=world["project"],
        options=ExportOptions(format="jsonl", layer="reviewers", category="victim"),
    )
    assert summary.incidents == {"selected": 0, "written": 0}, "no act among the spans"


def test_names_are_pseudonyms_unless_asked(world):
    for fmt in ("jsonl", "w3c", "brat", "huridocs", "csv"):
        data = exported(world, fmt, bundle=fmt == "csv")
        blob = data if fmt not in ("brat", "csv") else b"".join(files_of(data).values())
        assert FIRST.encode() not in blob, fmt
        assert SECOND.encode() not in blob, fmt
    named = exported(world, "jsonl", names=True)
    assert json.loads(named)["incidents"][0]["reviewer"] == FIRST


# --- brat ----------------------------------------------------------------------------------

# brat's reader (server/src/annotation.py): the ID up to the first TAB, the data up to the
# next; an event's data is TYPE:TRIGGER, then space-separated ROLE:ID arguments, each split
# at ":" into exactly two parts. Its checks (verify_annotations.py) strip trailing digits
# from a role ("Victims2" is the second "Victims").
E_LINE = re.compile(r"^E[0-9]+\t[A-Za-z0-9_-]+:T[0-9]+( [A-Za-z0-9_-]*[A-Za-z_-][0-9]*:T[0-9]+)*$")


def brat_textbounds(ann: str, text: str) -> dict[str, tuple[str, str]]:
    """T id → (type, quote), each fragment's text checked against the .txt."""
    found = {}
    for line in ann.splitlines():
        if not line.startswith("T"):
            continue
        identifier, data, quoted = line.split("\t")
        kind, offsets = data.split(" ", 1)
        pieces = []
        for fragment in offsets.split(";"):
            start, end = (int(value) for value in fragment.split())
            pieces.append(text[start:end])
        assert " ".join(pieces) == quoted
        found[identifier] = (kind, quoted)
    return found


def brat_events(ann: str) -> list[dict[str, Any]]:
    """The E lines, parsed by brat's reader's rules."""
    events = []
    for line in ann.splitlines():
        identifier, tail = line.split("\t", 1)
        if not identifier.startswith("E"):
            continue
        assert E_LINE.match(line), line
        data = tail.split("\t", 1)[0]
        delimiter = data.index(" ") if " " in data else len(data)
        kind, trigger = data[:delimiter].split(":")
        arguments = [tuple(argument.split(":")) for argument in data[delimiter:].split()]
        assert all(len(argument) == 2 for argument in arguments)
        events.append({"id": identifier, "type": kind, "trigger": trigger, "args": arguments})
    return events


def nonum(role: str) -> str:
    match = re.match(r"^(.*?)\d*$", role)
    assert match is not None
    return match.group(1)


def conf_sections(conf: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current = ""
    for line in conf.splitlines():
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections[current] = []
        elif line.strip() and not line.lstrip().startswith("#"):
            sections[current].append(line)
    return sections


def test_brat_writes_each_incident_as_an_event_with_numbered_repeated_roles(world):
    files = files_of(exported(world, "brat"))
    stem = f"{world['document'].pk:06d}"
    text, ann = files[f"{stem}.txt"].decode(), files[f"{stem}.ann"].decode()
    textbounds = brat_textbounds(ann, text)
    events = brat_events(ann)
    assert len(events) == 2, "the submitted layer's incidents, not the open one's"
    roles = {"Victims": "victims", "Perpetrators": "perpetrators", "Place": "place"}
    roles |= {"Date": "date", "Source": "source", "Witnesses": "witnesses"}
    found = {}
    for event in events:
        kind, quote = textbounds[event["trigger"]]
        assert kind == event["type"], "the trigger's type is the event's"
        by_role: dict[str, list] = {}
        for role, target in event["args"]:
            by_role.setdefault(roles[nonum(role)], []).append(textbounds[target][1])
        found[(quote, kind)] = by_role
    assert found == {
        act: {role: [quote for quote, _ in slots] for role, slots in by_role.items()}
        for act, by_role in EXPECTED.items()
    }
    # brat's Annotations._sanity: a trigger is referred to by events alone (no attribute,
    # note or relation), and the span's own line keeps its attributes.
    triggers = {event["trigger"] for event in events}
    for line in ann.splitlines():
        if not line.startswith("E"):
            assert not triggers & set(re.findall(r"\bT[0-9]+\b", line.split("\t", 1)[1])), line
    detention = next(event for event in events if event["type"] == "detention")
    assert [role for role, _ in detention["args"]][:2] == ["Victims", "Victims2"]
    assert any(
        re.match(rf"^A[0-9]+\tEvidenceStatus {detention['id']} likely$", line)
        for line in ann.splitlines()
    )
    notes = [line for line in ann.splitlines() if "AnnotatorNotes E" in line]
    assert any("Held overnight." in line and "Perpetrators=direct" in line for line in notes), notes

    conf = conf_sections(files["annotation.conf"].decode())
    rules = {line.split("\t")[0].strip(): line.split("\t")[1] for line in conf["events"]}
    assert set(rules) == {"detention", "torture"}
    allowed: dict[str, tuple[str, set[str]]] = {}
    for argument in rules["detention"].split(", "):
        role, types = argument.split(":")
        allowed[role[:-1]] = (role[-1], set(types.split("|")))
    assert allowed["Victims"] == ("*", {"victim"})
    assert allowed["Perpetrators"] == ("*", {"perpetrator", "police"}), "with subcategories"
    assert allowed["Place"] == ("?", {"place"})
    assert allowed["Source"] == ("*", {"<ENTITY>"})
    entities = {line.strip() for line in conf["entities"]}
    assert "detention" not in entities, "an event type is not also an entity type"
    for event in events:
        for role, target in event["args"]:
            _, types = allowed[nonum(role)]
            assert types == {"<ENTITY>"} or textbounds[target][0] in types
    assert any(
        line.startswith("EvidenceStatus\tArg:<ENTITY>|<EVENT>") for line in conf["attributes"]
    )


def test_the_products_brat_reader_reads_the_events_back(world):
    from annotator.formats.brat_reader import read_brat

    files = files_of(exported(world, "brat"))
    stem = f"{world['document'].pk:06d}"
    line = read_brat(files[f"{stem}.txt"], files[f"{stem}.ann"], name="exported.ann")
    assert not line.error, line.error


# --- W3C -----------------------------------------------------------------------------------


def test_w3c_writes_one_annotation_per_incident_targeting_its_spans(world):
    collection = json.loads(exported(world, "w3c"))
    items = collection["first"]["items"]
    assert collection["total"] == len(items) == 9 + 2, "nine spans, two incidents"
    by_id = {item["id"]: item for item in items}
    incidents = [item for item in items if "/incidents/" in item["id"]]
    assert [item["motivation"] for item in incidents] == ["linking", "linking"]
    found = {}
    for item in incidents:
        assert item["creator"] == {"type": "Person", "name": "Reviewer 1"}
        assert item["body"][0] == {"type": "TextualBody", "purpose": "tagging", "value": "incident"}
        act = by_id[item["target"][0]]
        selectors = act["target"]["selector"]
        assert TEXT[selectors[0]["start"] : selectors[0]["end"]] == selectors[1]["exact"]
        roles: dict[str, list] = {}
        for body in item["body"][1:]:
            key, _, value = body["value"].partition(": ")
            if body["purpose"] == "describing" and value.startswith("urn:"):
                if key == "act":
                    assert value == item["target"][0]
                    continue
                iri, _, involvement = value.partition(" (")
                assert iri in item["target"]
                quote = by_id[iri]["target"]["selector"][1]["exact"]
                roles.setdefault(key, []).append((quote, involvement.rstrip(")")))
        found[(act["target"]["selector"][1]["exact"], act["body"][0]["value"])] = roles
    assert found == EXPECTED
    bodies = [body["value"] for body in incidents[0]["body"]]
    assert "Held overnight." in bodies
    assert "evidence_status: likely" in bodies


# --- CSV -----------------------------------------------------------------------------------


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_a_csv_bundle_carries_an_incidents_table_joining_the_spans(world):
    files = files_of(exported(world, "csv", bundle=True))
    spans = {row["span_id"]: row for row in read_csv(files["corpus.csv"])}
    rows = read_csv(files["incidents.csv"])
    assert len(rows) == 2
    first = rows[0]
    assert list(first)[:7] == [
        "document_id",
        "incident_id",
        "act_span_id",
        "act_start",
        "act_end",
        "act_quote",
        "category",
    ]
    assert (first["act_quote"], first["category"]) == ("detained", "detention")
    assert spans[first["act_span_id"]]["quote"] == "detained"
    assert (first["act_start"], first["act_end"]) == tuple(str(n) for n in at(TEXT, "detained"))
    ids = first["victims_span_ids"].split(" | ")
    assert [spans[i]["quote"] for i in ids] == ["ئابلىكىم", "his sister"]
    assert first["victims_quotes"] == "ئابلىكىم | his sister"
    assert (first["perpetrators_quotes"], first["perpetrators_involvements"]) == (
        "police",
        "direct",
    )
    assert (first["note"], first["evidence_status"], first["reviewer"]) == (
        "Held overnight.",
        "likely",
        "Reviewer 1",
    )
    assert rows[1]["witnesses_quotes"] == "his sister"
    manifest = json.loads(files["manifest.json"])
    assert "incidents.csv" in manifest["files"]
    assert manifest["summary"]["incidents"] == {"selected": 2, "written": 2}


def test_a_plain_csv_says_how_many_incidents_it_left_out(world):
    summary = export_summary(
        project=world["project"], options=ExportOptions(format="csv", layer="reviewers")
    )
    assert summary.incidents == {"selected": 2, "written": 0}


def test_the_summary_counts_the_incidents_each_format_writes(world):
    written = {
        fmt: export_summary(
            project=world["project"], options=ExportOptions(format=fmt, layer="reviewers")
        ).incidents["written"]
        for fmt in ("jsonl", "w3c", "brat", "huridocs", "csv", "conll")
    }
    assert written == {"jsonl": 2, "w3c": 2, "brat": 2, "huridocs": 2, "csv": 0, "conll": 0}


# --- HURIDOCS ------------------------------------------------------------------------------


def test_the_huridocs_export_gives_each_incident_as_an_event_citing_its_evidence(world):
    export = export_start(
        project=world["project"],
        options=ExportOptions(format="huridocs", layer="reviewers"),
        actor=world["manager"],
    )
    assert export.filename.endswith(".json")
    data = json.loads(b"".join(export.chunks))
    document = world["document"]
    assert data["format"] == "huridocs-events"
    assert data["documents"] == [
        {
            "id": document.pk,
            "title": document.title,
            "language": document.language,
            "direction": document.direction,
            "text_sha256": document.text_sha256,
            "source_sha256": document.source_sha256,
            "events": 2,
        }
    ]
    detention, torture = data["events"]
    assert detention["document"] == document.pk
    assert detention["recorded_by"] == "Reviewer 1"
    assert detention["title"] == "Detention: detained"
    (act,) = detention["acts"]
    assert (act["type"], act["type_name"], act["evidence_status"]) == (
        "detention",
        "Detention",
        "likely",
    )

    def check(reference):
        assert reference["document"] == document.pk
        assert document.text[reference["start"] : reference["end"]] == reference["quote"]
        return reference["quote"]

    assert [check(ref) for ref in act["evidence"]] == ["detained"]
    assert [[check(r) for r in v["evidence"]] for v in detention["victims"]] == [
        ["ئابلىكىم"],
        ["his sister"],
    ]
    assert [(p["involvement"], check(p["evidence"][0])) for p in detention["perpetrators"]] == [
        ("direct", "police")
    ]
    assert [check(p["evidence"][0]) for p in detention["places"]] == ["Kashgar"]
    assert [check(d["evidence"][0]) for d in detention["dates"]] == ["3 May"]
    assert [check(s["evidence"][0]) for s in detention["sources"]] == ["said"]
    assert detention["other_roles"] == []
    assert detention["notes"] == ["Held overnight."]
    assert [(p["involvement"], check(p["evidence"][0])) for p in torture["perpetrators"]] == [
        ("indirect", "Guards")
    ]
    (witness,) = torture["other_roles"]
    assert (witness["role"], witness["role_name"], check(witness["evidence"][0])) == (
        "witnesses",
        "Witnesses",
        "his sister",
    )
    assert torture["places"] == torture["dates"] == torture["sources"] == []
    assert export.summary.counts == {"spans_selected": 9, "spans_written": 9}


# --- Queries -------------------------------------------------------------------------------


def export_queries(world) -> int:
    project, document_ids = world["project"], [world["document"].pk]
    names = export_reviewer_names(project=project, document_ids=document_ids, real_names=False)
    with CaptureQueriesContext(connection) as captured:
        documents = list(
            export_documents(
                project=project, document_ids=document_ids, layer="reviewers", names=names
            )
        )
    assert documents
    return len(captured.captured_queries)


def add_incidents(world, reviewer, count: int) -> None:
    """``count`` incidents of one act and one victim, in a new layer of ``reviewer``."""
    document, c = world["document"], world["categories"]
    act = make_annotation(document, reviewer, c["detention"], *at(document.text, "detained"))
    victim = make_annotation(document, reviewer, c["victim"], *at(document.text, "his sister"))
    for n in range(count):
        record = incident_create(document=document, reviewer=reviewer, act_id=act.pk, note=f"{n}")
        incident_slot_add(
            incident_id=record.pk,
            actor=reviewer,
            role=world["roles"]["victims"],
            annotation_id=victim.pk,
        )


def test_an_export_costs_the_same_queries_whatever_its_incidents(world, django_assert_num_queries):
    before = export_queries(world)
    more = UserFactory(username="incident-exporter-c")
    MembershipFactory(project=world["project"], user=more, role=Role.REVIEWER)
    add_incidents(world, more, 6)
    review_submit(document=world["document"], reviewer=more)
    project, document_ids = world["project"], [world["document"].pk]
    names = export_reviewer_names(project=project, document_ids=document_ids, real_names=False)
    with django_assert_num_queries(before):
        (document,) = export_documents(
            project=project, document_ids=document_ids, layer="reviewers", names=names
        )
    assert len(document.incidents) == 2 + 6
    # The whole export, too: brat, with its declarations.
    with CaptureQueriesContext(connection) as captured:
        exported(world, "brat")
    grown = len(captured.captured_queries)
    other = UserFactory(username="incident-exporter-e")
    MembershipFactory(project=world["project"], user=other, role=Role.REVIEWER)
    add_incidents(world, other, 9)
    review_submit(document=world["document"], reviewer=other)
    with django_assert_num_queries(grown):
        exported(world, "brat")
