"""The gold layer's relations and incidents in every export format: made unanimous by
two reviewers (a denial linked to the allegation it denies, an incident with a victim, a
perpetrator, a place and a date), then exported as gold."""

import csv
import io
import json
import zipfile

import pytest

from annotator.models import GoldIncident, GoldRelation, RelationType
from annotator.services.exporting import ExportOptions, export_start
from annotator.services.relations import relation_create
from tests.factories import UserFactory
from tests.test_export_incidents import brat_events, brat_textbounds
from tests.test_incident_moderation import (  # noqa: F401 (world is a fixture)
    FULL,
    TEXT,
    record_incident,
    submit,
    world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def reconciled(world):  # noqa: F811 (the fixture imported above)
    from annotator.models import Membership, Role

    project = world["document"].project
    denies = RelationType.objects.create(project=project, code="denies", name="Denies")
    for user in (world["alice"], world["bob"]):
        record_incident(world, user, FULL)
        spans = world["spans"][user.pk]
        relation_create(
            document=world["document"],
            reviewer=user,
            source_id=spans["police"].pk,
            target_id=spans["detained"].pk,
            relation_type=denies,
        )
    submit(world)
    assert GoldRelation.objects.count() == 1
    assert GoldIncident.objects.count() == 1
    world["manager"] = UserFactory(username="gold-export-manager")
    Membership.objects.create(project=project, user=world["manager"], role=Role.MANAGER)
    return world


def exported(reconciled, fmt: str, **options) -> bytes:
    export = export_start(
        project=reconciled["document"].project,
        options=ExportOptions(format=fmt, layer="gold", **options),
        actor=reconciled["manager"],
    )
    return b"".join(export.chunks)


def files_of(data: bytes) -> dict[str, bytes]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


ROLES = {"victims": "Ablikim 𠀋", "perpetrators": "police", "place": "Kashgar", "date": "3 May"}


def test_gold_jsonl_carries_the_relation_and_the_incident(reconciled):
    (line,) = [json.loads(raw) for raw in exported(reconciled, "jsonl").decode().splitlines()]
    spans = {span["id"]: span for span in line["spans"]}
    for span in spans.values():
        assert TEXT[span["start"] : span["end"]] == span["quote"]
    (relation,) = line["relations"]
    assert relation["type"] == "denies"
    assert (spans[relation["from_id"]]["quote"], spans[relation["to_id"]]["quote"]) == (
        "police",
        "detained",
    )
    (incident,) = line["incidents"]
    assert spans[incident["act"]]["quote"] == "detained"
    assert {
        role: spans[slots[0]["span"]]["quote"] for role, slots in incident["roles"].items()
    } == ROLES


def test_gold_brat_carries_the_relation_and_the_incident(reconciled):
    files = files_of(exported(reconciled, "brat"))
    stem = f"{reconciled['document'].pk:06d}"
    ann = files[f"{stem}.ann"].decode()
    textbounds = brat_textbounds(ann, files[f"{stem}.txt"].decode())
    relations = [line.split("\t")[1].split() for line in ann.splitlines() if line.startswith("R")]
    ((kind, source, target),) = relations
    assert kind == "denies"
    assert textbounds[source.split(":")[1]][1] == "police"
    assert textbounds[target.split(":")[1]][1] == "detained"
    (event,) = brat_events(ann)
    assert textbounds[event["trigger"]][1] == "detained"
    found = {role.rstrip("0123456789").lower(): textbounds[t][1] for role, t in event["args"]}
    assert found == ROLES


def test_gold_w3c_links_the_relation_and_the_incident(reconciled):
    collection = json.loads(exported(reconciled, "w3c"))
    items = collection["first"]["items"]
    by_id = {item["id"]: item for item in items}
    linking = [item for item in items if item.get("motivation") == "linking"]
    assert len(linking) == 2, "the relation and the incident"
    for item in linking:
        assert all(target in by_id for target in item["target"])
    assert collection["total"] == len(items)


def test_gold_csv_bundle_has_relation_and_incident_tables(reconciled):
    files = files_of(exported(reconciled, "csv", bundle=True))
    read = lambda name: list(csv.DictReader(io.StringIO(files[name].decode("utf-8-sig"))))  # noqa: E731
    (relation,) = read("relations.csv")
    assert relation["type"] == "denies"
    (incident,) = read("incidents.csv")
    assert incident["act_quote"] == "detained"
    assert incident["victims_quotes"] == "Ablikim 𠀋"


def test_gold_huridocs_has_the_incident_with_its_evidence(reconciled):
    document = json.loads(exported(reconciled, "huridocs"))
    (event,) = document["events"]
    (act,) = event["acts"]
    assert act["type"] == "detention"
    (victim,) = event["victims"]
    evidence = victim.get("evidence", [victim])
    assert any(item.get("quote") == "Ablikim 𠀋" for item in evidence)


def test_the_summary_counts_the_gold_relations_and_incidents(reconciled):
    export = export_start(
        project=reconciled["document"].project,
        options=ExportOptions(format="jsonl", layer="gold"),
        actor=reconciled["manager"],
    )
    b"".join(export.chunks)
    summary = export.summary
    assert summary.relations == {"selected": 1, "written": 1}
    assert summary.incidents["written"] == 1
