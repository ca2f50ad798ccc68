"""Reviewers' relations in exports: brat writes them as R lines declared in annotation.conf,
and they read back, with brat's reader, as the relations that were drawn."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from annotator.formats.brat import brat_files
from annotator.formats.brat_reader import read_brat
from annotator.formats.corpus import (
    ExportCategory,
    ExportDocument,
    ExportRelation,
    ExportRelationType,
    ExportSpan,
)
from annotator.models import RelationType, Role
from annotator.services.assignments import review_submit
from annotator.services.exporting import ExportOptions, export_start
from annotator.services.relations import relation_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    make_annotation,
    make_document,
)

TEXT = "Officials said no one was detained. Witnesses saw mass detentions. Guards beat them."
# brat's standoff syntax for a relation (https://brat.nlplab.org/standoff.html):
# ID, TAB, type, space, Arg1:ID, space, Arg2:ID.
R_LINE = re.compile(r"^R[0-9]+\t[A-Za-z0-9_-]+ Arg1:T[0-9]+ Arg2:T[0-9]+$")


def at(needle: str) -> tuple[int, int]:
    start = TEXT.index(needle)
    return start, start + len(needle)


@pytest.fixture
def world(project):
    detention = CategoryFactory(project=project, code="detention", name="Detention")
    CategoryFactory(project=project, code="arrest", name="Arrest", parent=detention)
    torture = CategoryFactory(project=project, code="torture", name="Torture")
    denies = RelationType.objects.create(project=project, code="denies", name="Denies")
    denies.source_categories.set([detention, torture])
    denies.target_categories.set([detention])
    same = RelationType.objects.create(
        project=project, code="same_incident", name="Same incident", symmetric=True, order=1
    )
    manager = UserFactory(username="exporting-manager")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    first, second = UserFactory(username="first-r"), UserFactory(username="second-r")
    for user in (first, second):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    document = make_document(project, TEXT)

    def layer(reviewer, submit):
        denial = make_annotation(document, reviewer, detention, *at("no one was detained"))
        allegation = make_annotation(document, reviewer, detention, *at("mass detentions"))
        beating = make_annotation(document, reviewer, torture, *at("beat them"))
        for source, target, kind, note in (
            (denial, allegation, denies, "The officials' denial."),
            (beating, allegation, same, ""),
        ):
            relation_create(
                document=document,
                reviewer=reviewer,
                source_id=source.pk,
                target_id=target.pk,
                relation_type=kind,
                note=note,
            )
        if submit:
            review_submit(document=document, reviewer=reviewer)

    layer(first, submit=True)
    layer(second, submit=False)  # work in progress: neither its spans nor relations go out
    return {"project": project, "manager": manager, "document": document}


def brat_export(world) -> dict[str, bytes]:
    export = export_start(
        project=world["project"],
        options=ExportOptions(format="brat", layer="reviewers"),
        actor=world["manager"],
    )
    archive = zipfile.ZipFile(io.BytesIO(b"".join(export.chunks)))
    return {name.rsplit("/", 1)[-1]: archive.read(name) for name in archive.namelist()}


def read_relations(txt: bytes, ann: bytes) -> set[tuple[str, str, str]]:
    """The relations of a brat pair as brat's reader gives them: (type, Arg1's quote,
    Arg2's quote)."""
    line = read_brat(txt, ann, name="exported.ann")
    assert not line.error, line.error
    quotes = {span.attributes["brat_id"]: span.quote for span in line.spans}
    found = set()
    for span in line.spans:
        for relation in span.attributes.get("relations", []):
            arguments = relation["arguments"]
            found.add((relation["type"], quotes[arguments["Arg1"]], quotes[arguments["Arg2"]]))
    return found


@pytest.mark.django_db
def test_brat_writes_the_submitted_relations_as_r_lines_that_read_back(world):
    files = brat_export(world)
    stem = f"{world['document'].pk:06d}"
    ann = files[f"{stem}.ann"]
    r_lines = [line for line in ann.decode().splitlines() if line.startswith("R")]
    assert len(r_lines) == 2, "the submitted layer's two relations, not the open layer's"
    assert all(R_LINE.match(line) for line in r_lines), r_lines
    assert read_relations(files[f"{stem}.txt"], ann) == {
        ("denies", "no one was detained", "mass detentions"),
        # Symmetric: stored once, its ends in the order of their ids.
        ("same_incident", "mass detentions", "beat them"),
    }
    notes = [line for line in ann.decode().splitlines() if "AnnotatorNotes R" in line]
    assert notes == ["#1\tAnnotatorNotes R1\tThe officials' denial."]


@pytest.mark.django_db
def test_annotation_conf_declares_each_relation_type_with_its_ends(world):
    conf = brat_export(world)["annotation.conf"].decode()
    relations = conf.split("[relations]", 1)[1].split("[events]", 1)[0]
    rules = [line for line in relations.splitlines() if line and not line.startswith("#")]
    assert rules == [
        "<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>",
        # A category allows its subcategories: brat is told each by name.
        "denies\tArg1:detention|arrest|torture, Arg2:detention|arrest",
        "same_incident\tArg1:<ENTITY>, Arg2:<ENTITY>, <REL-TYPE>:symmetric",
    ]
    entities = conf.split("[entities]", 1)[1].split("[relations]", 1)[0]
    assert "denies" not in entities, "relation types are not entity types"


def test_the_brat_writer_leaves_out_a_relation_whose_span_it_cannot_write():
    text = "Held.\n\nBeaten."
    spans = (
        ExportSpan(0, 5, "detention", "Held.", "reviewer", "Reviewer 1"),
        ExportSpan(5, 7, "detention", "\n\n", "reviewer", "Reviewer 1"),  # line breaks only
        ExportSpan(7, 14, "torture", "Beaten.", "reviewer", "Reviewer 1"),
    )
    document = ExportDocument(
        id=1,
        title="t",
        text=text,
        text_sha256="",
        source_sha256="",
        spans=spans,
        relations=(
            ExportRelation(0, 2, "corroborates", "Reviewer 1"),
            ExportRelation(1, 2, "corroborates", "Reviewer 1"),
        ),
    )
    from annotator.formats.brat import BratReport

    report = BratReport()
    files = dict(
        brat_files(
            [document],
            [ExportCategory("detention", "Detention"), ExportCategory("torture", "Torture")],
            report=report,
            relation_types=[ExportRelationType("corroborates", "Corroborates")],
        )
    )
    assert "R1\tcorroborates Arg1:T1 Arg2:T2\n" in files["000001.ann"].decode()
    assert (report.relations, report.relations_skipped) == (1, 1)
    assert "corroborates\tArg1:<ENTITY>, Arg2:<ENTITY>" in files["annotation.conf"].decode()
