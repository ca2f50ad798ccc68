"""Relations that come with an imported corpus: brat's R lines and doccano's (and this
product's own) JSONL relations, read between the spans they name, written into the layer of
those spans with the project's relation type of their code, counted in the report, gone with
their spans, and in the editor's data; one that names a span the file lacks (or a span
refused or removed) is left out, and the report says which and why."""

from __future__ import annotations

import itertools
import json

import pytest
from django.db import IntegrityError, transaction

from annotator.formats.brat_reader import read_brat
from annotator.formats.jsonl import read_jsonl
from annotator.models import (
    AuditEvent,
    Document,
    ImportedRelation,
    ImportedSpan,
    RelationType,
    Role,
)
from annotator.selectors.annotations import imported_layer_list
from annotator.services.importing import (
    ImportLimits,
    ImportReport,
    Outcome,
    SourceFile,
    documents_import,
)
from annotator.services.importing.bundles import bundle_taxonomy_load
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    assign_reviewer,
    client_for,
    make_document,
)
from tests.test_editor_page import editor_data, editor_url

# An emoji and CJK Extension B before every span (one code point, two UTF-16 units each),
# and Uyghur, right to left, inside them.
TEXT = (
    "😀 Officials said no one was detained in Ghulja 𠀋. "
    "ئۇ لاگېرغا ئېلىپ كېتىلدى. Witnesses describe mass detentions."
)
LIMITS = ImportLimits(max_file_bytes=10**6, max_archive_bytes=10**7, max_archive_files=20)


def at(quote: str, text: str = TEXT) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def utf16(quote: str, text: str = TEXT) -> tuple[int, int]:
    start, end = at(quote, text)
    units = [len(text[:offset].encode("utf-16-le")) // 2 for offset in (start, end)]
    return units[0], units[1]


def t(number: int, kind: str, *quotes: str) -> str:
    fragments = ";".join("{} {}".format(*at(quote)) for quote in quotes)
    return f"T{number}\t{kind} {fragments}\t{' '.join(quotes)}"


ANN = "\n".join(
    [
        t(1, "detention", "no one was detained"),
        t(2, "place", "لاگېرغا"),
        t(3, "detention", "mass detentions"),
        t(4, "torture", "Officials", "Witnesses"),  # words between: one span a fragment
        "R1\tdenies Arg1:T1 Arg2:T3",
        "R2\tlocated_in Arg1:T3 Arg2:T2",
        "R3\tdenies Arg1:T1 Arg2:T9",
        "R4\tdenies Arg1:T4 Arg2:T3",
        "R5\tdenies Arg1:T1 Arg2:T1",
        "",
    ]
)


def run(project, *sources: SourceFile) -> ImportReport:
    return documents_import(project=project, sources=sources, imported_by=None, limits=LIMITS)


def brat_pair(ann: str = ANN) -> SourceFile:
    return SourceFile("doc.txt", TEXT.encode(), companions={"ann": ann.encode()})


def links(document: Document) -> set[tuple[str, str, str]]:
    return {
        (relation.type_code, relation.source.quote, relation.target.quote)
        for relation in ImportedRelation.objects.filter(document=document).select_related(
            "source", "target"
        )
    }


@pytest.fixture
def denies(project) -> RelationType:
    return RelationType.objects.create(project=project, code="denies", name="Denies")


# --- Readers ------------------------------------------------------------------------------


def test_brat_r_lines_become_relations_between_the_spans_they_name():
    line = read_brat(TEXT.encode(), ANN.encode(), name="doc.ann")
    assert line.error == ""
    relations = [
        (line.spans[r.source].quote, line.spans[r.target].quote, r.type, r.attributes)
        for r in line.relations
    ]
    assert relations == [
        ("no one was detained", "mass detentions", "denies", {"brat_id": "R1"}),
        ("mass detentions", "لاگېرغا", "located_in", {"brat_id": "R2"}),
    ]
    for span in line.spans:
        assert TEXT[span.start : span.end] == span.quote, "offsets are code points"


def test_a_brat_relation_that_cannot_link_two_spans_is_left_out_and_said_so():
    notes = read_brat(TEXT.encode(), ANN.encode(), name="doc.ann").notes
    assert any(
        "relation R3 (line 7) not imported: it names T9, which is not in the file" in note
        for note in notes
    ), notes
    assert any("relation R4 (line 8) not imported: T4 is discontinuous" in n for n in notes)
    assert any("relation R5 (line 9) not imported: both its ends are T1" in n for n in notes)


def test_brat_relations_in_utf16_offsets_link_the_spans_their_quotes_place():
    def t16(number: int, kind: str, quote: str) -> str:
        return "T{}\t{} {} {}\t{}".format(number, kind, *utf16(quote), quote)

    ann = "\n".join(
        [
            t16(1, "detention", "no one was detained"),
            t16(2, "detention", "mass detentions"),
            "R1\tdenies Arg1:T1 Arg2:T2",
        ]
    )
    line = read_brat(TEXT.encode(), ann.encode(), name="doc.ann")
    assert line.error == ""
    ((source, target),) = [(r.source, r.target) for r in line.relations]
    assert (line.spans[source].quote, line.spans[target].quote) == (
        "no one was detained",
        "mass detentions",
    )


def doccano_line(**extra) -> bytes:
    """A doccano export line: entities with ids, counted in UTF-16 units as its editor does."""
    entities = [
        {"id": number, "start_offset": s, "end_offset": e, "label": label}
        for number, (label, (s, e)) in enumerate(
            [
                ("detention", utf16("no one was detained")),
                ("place", utf16("لاگېرغا")),
                ("detention", utf16("mass detentions")),
            ],
            start=11,
        )
    ]
    record = {
        "id": 4,
        "text": TEXT,
        "entities": entities,
        "relations": [
            {"id": 1, "from_id": 11, "to_id": 13, "type": "denies"},
            {"id": 2, "from_id": 13, "to_id": 12, "type": "located_in"},
            {"id": 3, "from_id": 11, "to_id": 99, "type": "denies"},
        ],
        **extra,
    }
    return json.dumps(record, ensure_ascii=False).encode()


def test_doccano_relations_link_its_entities_by_id():
    (line,) = read_jsonl(doccano_line())
    assert line.error == ""
    cut = [TEXT[span.start : span.end] for span in line.spans]
    relations = [(cut[r.source], cut[r.target], r.type, r.attributes) for r in line.relations]
    assert relations == [
        ("no one was detained", "mass detentions", "denies", {"id": 1}),
        ("mass detentions", "لاگېرغا", "located_in", {"id": 2}),
    ]
    assert "relation 3 not imported: its to_id is 99, and no span of the line has that id" in (
        line.notes
    )
    assert "relations" not in line.metadata


def test_a_relation_to_a_span_doccanos_edit_removed_is_left_out_and_said_so():
    """An export edited in doccano: ``label`` changed, the relations still name the stale
    ``spans`` by id; the one whose end is gone is left out."""
    own = [
        {"id": 1, "start": s, "end": e, "category": c, "quote": TEXT[s:e]}
        for c, (s, e) in [
            ("detention", at("no one was detained")),
            ("detention", at("mass detentions")),
            ("place", at("لاگېرغا")),
        ]
    ]
    for number, span in enumerate(own, start=1):
        span["id"] = number  # the export numbers its spans from 1
    label = [[span["start"], span["end"], span["category"]] for span in own[:2]]
    record = {
        "text": TEXT,
        "spans": own,
        "label": label,
        "relations": [
            {"id": 1, "from_id": 1, "to_id": 2, "type": "denies", "note": "the denial"},
            {"id": 2, "from_id": 2, "to_id": 3, "type": "located_in"},
        ],
    }
    (line,) = read_jsonl(json.dumps(record, ensure_ascii=False).encode())
    assert line.error == ""
    assert len(line.spans) == 2
    ((source, target, kind, attributes),) = [
        (r.source, r.target, r.type, r.attributes) for r in line.relations
    ]
    assert (line.spans[source].quote, line.spans[target].quote, kind) == (
        "no one was detained",
        "mass detentions",
        "denies",
    )
    assert attributes == {"id": 1, "note": "the denial"}
    assert any(
        note.startswith("relation 2 not imported: its to_id is 3, a span not imported")
        for note in line.notes
    ), line.notes


# --- The import service ---------------------------------------------------------------------


def test_brat_relations_import_into_the_layer_of_their_spans_with_the_projects_type(
    project, denies
):
    report = run(project, brat_pair())
    (result,) = report.results
    assert result.outcome is Outcome.IMPORTED, result.reason
    assert "2 relations imported" in result.reason
    assert "R3 (line 7) not imported: it names T9, which is not in the file" in result.reason
    document = Document.objects.get(project=project)
    assert links(document) == {
        ("denies", "no one was detained", "mass detentions"),
        ("located_in", "mass detentions", "لاگېرغا"),
    }
    by_code = {r.type_code: r for r in ImportedRelation.objects.filter(document=document)}
    assert by_code["denies"].relation_type == denies
    assert by_code["located_in"].relation_type is None, "the project has no such type"
    assert by_code["denies"].attributes == {"brat_id": "R1"}
    assert {r.layer for r in by_code.values()} == {"import: doc.ann"}
    for relation in by_code.values():
        assert relation.source.layer == relation.target.layer == relation.layer
    event = AuditEvent.objects.get(action="document.relations_import")
    assert event.after == {"imported_relations": 2, "layers": ["import: doc.ann"]}


def test_doccano_relations_import_with_their_spans(project, denies):
    report = run(
        project,
        SourceFile(
            "corpus.jsonl", doccano_line() + b"\n" + doccano_line(text=TEXT + " Another document.")
        ),
    )
    assert [r.outcome for r in report.results] == [Outcome.IMPORTED, Outcome.IMPORTED]
    for result in report.results:
        assert "2 relations imported" in result.reason
        assert "relation 3 not imported" in result.reason
    for document in Document.objects.filter(project=project):
        assert links(document) == {
            ("denies", "no one was detained", "mass detentions"),
            ("located_in", "mass detentions", "لاگېرغا"),
        }
    assert ImportedRelation.objects.filter(relation_type=denies).count() == 2


def test_a_file_imported_again_adds_no_relation_twice(project):
    run(project, brat_pair())
    (again,) = run(project, brat_pair()).results
    assert again.outcome is Outcome.DUPLICATE
    assert "2 relations between its spans, none added twice" in again.reason
    assert ImportedRelation.objects.count() == 2


def test_relations_go_with_their_layer_and_with_either_span(project):
    run(project, brat_pair())
    document = Document.objects.get(project=project)
    ImportedSpan.objects.filter(document=document, quote="لاگېرغا").delete()
    assert links(document) == {("denies", "no one was detained", "mass detentions")}
    ImportedSpan.objects.filter(document=document, layer="import: doc.ann").delete()
    assert not ImportedRelation.objects.exists()
    # ... and the layer imported anew comes with its relations again.
    run(project, brat_pair())
    assert len(links(document)) == 2


def test_an_imported_relation_links_two_different_spans(project):
    run(project, brat_pair())
    relation = ImportedRelation.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        ImportedRelation.objects.filter(pk=relation.pk).update(target=relation.source)


# --- Reading: the editor --------------------------------------------------------------------


def test_the_editor_lists_each_layers_relations_by_span_index(
    project, denies, reviewer, reviewer_client
):
    run(project, brat_pair())
    document = Document.objects.get(project=project)
    assign_reviewer(document, reviewer)
    (layer,) = editor_data(reviewer_client.get(editor_url(document)))["importedLayers"]
    quotes = [span["quote"] for span in layer["spans"]]
    relations = [
        (quotes[r["source"]], quotes[r["target"]], r["type"], r["type_name"])
        for r in layer["relations"]
    ]
    assert sorted(relations) == [
        ("mass detentions", "لاگېرغا", "located_in", ""),
        ("no one was detained", "mass detentions", "denies", "Denies"),
    ]


def test_editor_query_count_does_not_grow_with_imported_relations(
    project, reviewer, reviewer_client, django_assert_num_queries
):
    CategoryFactory(project=project, code="detention")
    text = " ".join(f"w{n:03}" for n in range(200))
    document = make_document(project, text)
    spans = [
        ImportedSpan.objects.create(
            document=document,
            layer="import: a.ann",
            category_code="detention",
            start=5 * n,
            end=5 * n + 4,
            quote=text[5 * n : 5 * n + 4],
        )
        for n in range(100)
    ]

    def link(source: ImportedSpan, target: ImportedSpan) -> ImportedRelation:
        return ImportedRelation(
            document=document,
            layer="import: a.ann",
            type_code="denies",
            source=source,
            target=target,
        )

    ImportedRelation.objects.bulk_create([link(spans[0], spans[1])])
    url = editor_url(document)
    # The editor's nine queries (test_editor_page) and the imported layers' relations.
    with django_assert_num_queries(10):
        reviewer_client.get(url)
    ImportedRelation.objects.bulk_create([link(a, b) for a, b in itertools.pairwise(spans[1:])])
    with django_assert_num_queries(10):
        response = reviewer_client.get(url)
    (layer,) = editor_data(response)["importedLayers"]
    assert len(layer["relations"]) == 99
    assert layer["relations"][5] == {"source": 5, "target": 6, "type": "denies", "type_name": ""}


def test_a_document_without_imported_spans_reads_no_relations(project, django_assert_num_queries):
    document = make_document(project, "Nothing imported with it.")
    with django_assert_num_queries(1):
        assert imported_layer_list(document=document) == []


def test_a_relation_type_loaded_later_from_a_bundle_links_the_relations_of_its_code(project):
    run(project, brat_pair())
    bundle_taxonomy_load(
        project=project,
        categories=[{"code": "place", "name": "Place"}],
        relation_types=[{"code": "located_in", "name": "Located in"}],
        actor=None,
        source="bundle.zip",
    )
    relation = ImportedRelation.objects.get(type_code="located_in")
    assert relation.relation_type == RelationType.objects.get(project=project, code="located_in")
    assert ImportedRelation.objects.get(type_code="denies").relation_type is None


def test_the_document_page_counts_each_imported_layers_relations(project):
    run(project, brat_pair())
    document = Document.objects.get(project=project)
    manager = UserFactory(username="manager-ir")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    page = client_for(manager).get(document.get_absolute_url()).content.decode()
    assert "in “<bdi>import: doc.ann</bdi>”, with 2 relations" in page
