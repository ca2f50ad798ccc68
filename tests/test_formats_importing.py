"""Corpora from other tools through the importer: each format's documents, layers, offsets and
refusals, and spans added to documents the project already has."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from annotator.formats.corpus import ExportDocument, ExportSpan
from annotator.formats.jsonl import jsonl_lines
from annotator.models import AuditEvent, Category, Document, ImportedSpan
from annotator.services.importing import (
    ImportLimits,
    ImportReport,
    Outcome,
    SourceFile,
    documents_import,
    uploaded_sources,
)
from annotator.text import text_sha256
from tests.factories import CategoryFactory
from tests.test_formats_webanno import BODY as TSV_BODY
from tests.test_formats_webanno import HEADER as TSV_HEADER
from tests.test_formats_xmi import TYPESYSTEM, XMI

pytestmark = pytest.mark.django_db

MB = 1_000_000
LIMITS = ImportLimits(max_file_bytes=1 * MB, max_archive_bytes=10 * MB, max_archive_files=50)
# An emoji and CJK Extension B (two UTF-16 units each), Uyghur (right to left).
TEXT = (
    "😀😀 Witnesses said the teacher from Ghulja was detained at the camp. "
    "ئۇ لاگېرغا ئېلىپ كېتىلدى 𠀋."
)


def run(project, *sources: SourceFile, **options) -> ImportReport:
    return documents_import(
        project=project, sources=sources, imported_by=None, limits=LIMITS, **options
    )


def rows(report: ImportReport) -> list[tuple[str, Outcome, str]]:
    return [(r.name, r.outcome, r.reason) for r in report.results]


def assert_quotes_match() -> None:
    spans = list(ImportedSpan.objects.select_related("document"))
    assert spans, "no span was imported"
    for span in spans:
        assert span.document.text[span.start : span.end] == span.quote, span


def make_zip(*entries: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


def utf16(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return (
        len(text[:start].encode("utf-16-le")) // 2,
        len(text[: start + len(quote)].encode("utf-16-le")) // 2,
    )


# --- doccano and the offsets' unit --------------------------------------------------------


def test_doccano_offsets_are_read_as_its_editors_utf16_units_by_default(project):
    start, end = utf16(TEXT, "was detained")
    assert (start, end) == (44, 56)
    line = {"text": TEXT, "label": [[start, end, "detention"]]}
    report = run(project, SourceFile("doccano.jsonl", json.dumps(line).encode()))
    assert report.results[0].outcome is Outcome.IMPORTED, rows(report)
    span = ImportedSpan.objects.get()
    assert span.quote == "was detained", "UTF-16 44-56 is 'was detained', not 'etained at t'"
    document = Document.objects.get()
    assert document.metadata["offset_unit"] == "utf-16"
    assert document.metadata["offset_unit_source"] == "the format's default"
    assert "Offsets counted in UTF-16 code units" in report.results[0].reason


def test_the_person_importing_can_say_the_offsets_count_code_points(project):
    start = TEXT.index("was detained")
    line = {"text": TEXT, "label": [[start, start + 12, "detention"]]}
    source = SourceFile("api.jsonl", json.dumps(line).encode(), offset_unit="code-points")
    run(project, source)
    span = ImportedSpan.objects.get()
    assert span.quote == "was detained"
    assert span.document.metadata["offset_unit"] == "code-points"
    assert span.document.metadata["offset_unit_source"] == "chosen at import"


def test_a_round_trip_through_doccano_keeps_its_edits_and_reports_them(project):
    text = "Police detained Tursun in Ghulja. 😀 ئۇ لاگېرغا"
    exported = ExportDocument(
        9,
        "Testimony",
        text,
        text_sha256(text),
        "y",
        metadata={"source_id": "original-7"},
        spans=(
            ExportSpan(
                7,
                15,
                "detention",
                "detained",
                "gold",
                note="kept note",
                created="2024-03-01T10:00:00Z",
                modified="2024-03-02T10:00:00Z",
            ),
            ExportSpan(26, 32, "place", "Ghulja", "gold"),
        ),
    )
    record = json.loads(next(iter(jsonl_lines([exported], label_layer="gold"))))
    # doccano: the place moved to "in Ghulja", a person added (UTF-16: after the emoji, +1).
    p_start, p_end = utf16(text, "لاگېرغا")
    record["label"] = [[7, 15, "detention"], [23, 32, "place"], [p_start, p_end, "person"]]
    record["id"] = 345  # doccano's own id
    report = run(project, SourceFile("edited.jsonl", json.dumps(record).encode()))
    result = report.results[0]
    assert result.outcome is Outcome.IMPORTED
    assert (
        "Edits made in doccano kept over the exported spans: 1 span added, 0 removed, 1 moved"
        in (result.reason)
    )
    spans = {s.quote: s for s in ImportedSpan.objects.all()}
    assert set(spans) == {"detained", "in Ghulja", "لاگېرغا"}
    assert spans["detained"].note == "kept note", "an unedited span keeps what it had"
    assert spans["detained"].attributes["created"] == "2024-03-01T10:00:00Z"
    assert spans["detained"].attributes["modified"] == "2024-03-02T10:00:00Z"
    document = Document.objects.get()
    assert document.metadata["source_id"] == "original-7", "the original source id is kept"
    assert document.metadata["exported_id"] == 345
    assert_quotes_match()


# --- spans onto documents the project has ------------------------------------------------


def test_spans_of_a_text_already_in_the_project_are_added_to_it_once(project):
    run(project, SourceFile("report.txt", TEXT.encode()))
    document = Document.objects.get()
    assert not ImportedSpan.objects.exists()
    start, end = utf16(TEXT, "was detained")
    corpus = json.dumps({"text": TEXT, "label": [[start, end, "detention"]]}).encode()
    report = run(project, SourceFile("corpus.jsonl", corpus))
    result = report.results[0]
    assert result.outcome is Outcome.DUPLICATE
    assert result.document_id == document.pk
    assert f"spans added to document {document.pk}" in result.reason, result.reason
    assert result.spans == 1
    span = ImportedSpan.objects.get()
    assert (span.document_id, span.layer, span.quote) == (
        document.pk,
        "import: corpus.jsonl",
        "was detained",
    )
    assert AuditEvent.objects.filter(action="document.spans_import", document=document).count() == 1
    again = run(project, SourceFile("corpus.jsonl", corpus)).results[0]
    assert again.outcome is Outcome.DUPLICATE
    assert "already: nothing added" in again.reason
    assert ImportedSpan.objects.count() == 1
    assert Document.objects.count() == 1


# --- Label Studio -------------------------------------------------------------------------


def label_studio_export() -> bytes:
    def region(quote: str, label: str, unit16: bool = False) -> dict:
        start = TEXT.index(quote)
        offsets = utf16(TEXT, quote) if unit16 else (start, start + len(quote))
        return {
            "id": quote[:3],
            "type": "labels",
            "value": {"start": offsets[0], "end": offsets[1], "text": quote, "labels": [label]},
        }

    tasks = [
        {
            "id": 1,
            "data": {"text": TEXT},
            "annotations": [
                {"id": 11, "completed_by": 3, "result": [region("was detained", "detention")]},
                {
                    "id": 12,
                    "completed_by": 4,
                    "result": [
                        region("teacher from Ghulja was detained", "detention", unit16=True),
                        region("لاگېرغا", "place", unit16=True),
                    ],
                },
            ],
        },
        {"id": 2, "data": {"text": ""}, "annotations": []},
    ]
    return json.dumps(tasks, ensure_ascii=False).encode()


def test_a_label_studio_export_imports_a_layer_per_annotator(project):
    CategoryFactory(project=project, code="detention")
    report = run(project, SourceFile("project-1.json", label_studio_export()))
    assert [(name, outcome) for name, outcome, _ in rows(report)] == [
        ("project-1.json, task 1 (id 1)", Outcome.IMPORTED),
        ("project-1.json, task 2 (id 2)", Outcome.FAILED),
    ]
    assert report.results[0].spans == 3
    assert "Task 2 (id 2): it has no text" in report.results[1].reason
    layers = sorted(ImportedSpan.objects.values_list("layer", "category_code", "quote"))
    assert layers == [
        ("import: project-1.json (annotator 3)", "detention", "was detained"),
        ("import: project-1.json (annotator 4)", "detention", "teacher from Ghulja was detained"),
        ("import: project-1.json (annotator 4)", "place", "لاگېرغا"),
    ]
    assert ImportedSpan.objects.filter(category__code="detention").count() == 2
    assert_quotes_match()
    event = AuditEvent.objects.get(action="document.spans_import")
    assert event.after["layers"] == ["import: project-1.json (annotator 4)"]


def test_a_json_file_that_is_no_known_export_is_refused_not_read_as_prose(project):
    report = run(project, SourceFile("notes.json", b'{"title": "a report", "body": "text"}'))
    (row,) = rows(report)
    assert row[1] is Outcome.FAILED
    assert "neither a Label Studio export" in row[2]
    assert "nor W3C Web Annotations" in row[2]
    assert "not valid JSON" in run(project, SourceFile("x.json", b"{")).results[0].reason
    assert not Document.objects.exists()


# --- brat -----------------------------------------------------------------------------


BRAT_TEXT = "Police detained\nTursun 😀 in Ghulja. ئۇ لاگېرغا"


def brat_ann() -> bytes:
    def t(number: int, kind: str, quote: str) -> str:
        start = BRAT_TEXT.index(quote)
        return f"T{number}\t{kind} {start} {start + len(quote)}\t{quote}"

    lines = [
        t(1, "detention", "detained"),
        t(2, "place", "لاگېرغا"),
        "R1\tLocated_in Arg1:T1 Arg2:T2",
        "#1\tAnnotatorNotes T2\tthe camp",
    ]
    return ("\n".join(lines) + "\n").encode()


CONF = b"[entities]\ndetention\n\tarrest\nplace\n[relations]\n[events]\n[attributes]\n"


def test_a_brat_zip_imports_pairs_and_offers_annotation_conf_as_a_taxonomy(project):
    data = make_zip(
        ("corpus/annotation.conf", CONF),
        ("corpus/visual.conf", b"[labels]\n"),
        ("corpus/doc1.txt", BRAT_TEXT.encode()),
        ("corpus/doc1.ann", brat_ann()),
        ("corpus/plain.txt", b"A document without annotations."),
    )
    report = run(project, SourceFile("brat.zip", data), load_taxonomy=True)
    outcomes = [(name, outcome) for name, outcome, _ in rows(report)]
    assert outcomes == [
        ("brat.zip/corpus/annotation.conf", Outcome.NOTE),
        ("brat.zip/corpus/visual.conf", Outcome.NOTE),
        ("brat.zip/corpus/doc1.txt", Outcome.IMPORTED),
        ("brat.zip/corpus/plain.txt", Outcome.IMPORTED),
    ]
    conf = report.results[0]
    assert conf.taxonomy is not None
    assert conf.taxonomy.loaded
    assert set(conf.taxonomy.missing) == {"detention", "arrest", "place"}
    assert Category.objects.get(project=project, code="arrest").parent.code == "detention"
    spans = {s.quote: s for s in ImportedSpan.objects.select_related("category")}
    assert spans["لاگېرغا"].note == "the camp"
    assert spans["لاگېرغا"].category.code == "place"
    assert spans["detained"].layer == "import: doc1.ann"
    assert spans["detained"].attributes["relations"][0]["arguments"] == {"Arg1": "T1", "Arg2": "T2"}
    document = spans["detained"].document
    assert document.source_filename == "doc1.txt"
    assert "ann" in document.metadata["read_with"]
    assert_quotes_match()


def test_brat_files_uploaded_together_are_paired_and_a_lone_ann_is_refused():
    uploads = [
        SimpleUploadedFile("doc1.ann", brat_ann()),
        SimpleUploadedFile("doc1.txt", BRAT_TEXT.encode()),
        SimpleUploadedFile("other.ann", b"T1\tx 0 1\tA\n"),
    ]
    sources = list(uploaded_sources(uploads, limits=LIMITS, offset_unit="utf-16"))
    assert [(s.name, sorted(s.companions), s.offset_unit) for s in sources] == [
        ("doc1.txt", ["ann"], "utf-16"),
        ("other.ann", [], "utf-16"),
    ]


def test_a_lone_ann_names_the_text_it_needs(project):
    (row,) = rows(run(project, SourceFile("other.ann", b"T1\tx 0 1\tA\n")))
    assert row[1] is Outcome.FAILED
    assert "brat annotations without their text: import other.txt with it" in row[2]


# --- CoNLL ------------------------------------------------------------------------------


CONLL = (
    "-DOCSTART- -X- O O\n\nPolice O\ndetained B-detention\nTursun I-detention\n"
    "😀 O\n\nئۇ B-person\n"
)


def test_a_conll_file_named_txt_is_read_as_conll_not_as_prose(project):
    report = run(
        project,
        SourceFile("tagged.txt", CONLL.encode()),
        SourceFile("b.conll03", CONLL.replace("Police", "Guards").encode()),
    )
    assert [(n, o) for n, o, _ in rows(report)] == [
        ("tagged.txt, document 1 (from line 2)", Outcome.IMPORTED),
        ("b.conll03, document 1 (from line 2)", Outcome.IMPORTED),
    ]
    document = Document.objects.get(text__startswith="Police")
    assert document.text == "Police detained Tursun 😀\nئۇ"
    assert "B-detention" not in document.text
    assert document.extractor == "conll"
    assert document.normalisation[:2] == [
        "conll-tokens-joined-by-single-spaces",
        "conll-sentences-one-per-line",
    ]
    assert document.metadata["token_offsets"][0] == [0, 6]
    assert sorted(
        ImportedSpan.objects.filter(document=document).values_list("quote", flat=True)
    ) == [
        "detained Tursun",
        "ئۇ",
    ]
    assert_quotes_match()


# --- WebAnno TSV and INCEpTION's XMI -----------------------------------------------------


def test_webanno_tsv_imports_and_another_tsv_is_refused(project):
    report = run(
        project,
        SourceFile("doc.tsv", (TSV_HEADER + TSV_BODY).encode()),
        SourceFile("table.tsv", b"a\tb\n1\t2\n"),
    )
    assert [(n, o) for n, o, _ in rows(report)] == [
        ("doc.tsv", Outcome.IMPORTED),
        ("table.tsv", Outcome.FAILED),
    ]
    assert "only WebAnno TSV 3" in report.results[1].reason
    assert ImportedSpan.objects.filter(layer="import: doc.tsv").count() == 6
    assert Document.objects.get().metadata["offset_unit"] == "utf-16"
    assert_quotes_match()


def test_an_inception_zip_of_xmi_and_its_type_system_imports(project):
    data = make_zip(("export/doc.xmi", XMI), ("export/TypeSystem.xml", TYPESYSTEM))
    report = run(project, SourceFile("inception.zip", data), SourceFile("alone.xmi", XMI))
    assert [(n, o) for n, o, _ in rows(report)] == [
        ("inception.zip/export/doc.xmi", Outcome.IMPORTED),
        ("inception.zip/export/TypeSystem.xml", Outcome.NOTE),
        ("alone.xmi", Outcome.FAILED),
    ]
    assert "import it with its TypeSystem.xml" in report.results[2].reason
    quotes = sorted(ImportedSpan.objects.values_list("start", "end", "quote"))
    assert (9, 17, "detained") in quotes
    assert_quotes_match()


# --- W3C Web Annotation -------------------------------------------------------------------


def w3c_annotation(source: str, quote: str, category: str, start: int, **quote_parts) -> dict:
    return {
        "type": "Annotation",
        "body": {"type": "TextualBody", "purpose": "tagging", "value": category},
        "target": {
            "source": source,
            "selector": [
                {"type": "TextPositionSelector", "start": start, "end": start + len(quote)},
                {"type": "TextQuoteSelector", "exact": quote, **quote_parts},
            ],
        },
    }


def test_w3c_annotations_go_onto_the_documents_they_name_reanchored_by_their_quotes(project):
    run(project, SourceFile("report.txt", TEXT.encode()))
    document = Document.objects.get()
    iri = f"urn:annotator:{project.slug}:document:{document.pk}"
    collection = {
        "type": "AnnotationCollection",
        "first": {
            "type": "AnnotationPage",
            "items": [
                w3c_annotation(iri, "was detained", "detention", TEXT.index("was detained")),
                w3c_annotation(iri, "لاگېرغا", "place", 3),  # a stale position
                w3c_annotation("urn:annotator:other:document:1", "camp", "place", 0),
            ],
        },
    }
    report = run(project, SourceFile("annotations.jsonld", json.dumps(collection).encode()))
    first, missing = report.results
    assert first.outcome is Outcome.DUPLICATE
    assert f"spans added to document {document.pk}" in first.reason
    assert "re-anchored 1 span by their quote" in first.reason
    assert missing.outcome is Outcome.FAILED
    assert "No document of this project is urn:annotator:other:document:1" in missing.reason
    assert sorted(ImportedSpan.objects.values_list("quote", flat=True)) == [
        "was detained",
        "لاگېرغا",
    ]
    assert_quotes_match()
    by_hash = [w3c_annotation(f"urn:sha256:{document.text_sha256}", "teacher", "person", 29)]
    assert run(project, SourceFile("h.json", json.dumps(by_hash).encode())).results[0].spans == 1


def test_a_w3c_text_or_label_studio_task_with_a_lone_surrogate_is_refused_by_name(project):
    """JSON's escapes can make a lone surrogate (``\\ud800``), which is no text: the task or
    target holding one is refused, the others imported."""
    broken = "Broken \ud800 text."
    embedded = [
        {
            **w3c_annotation("urn:x:1", "Broken", "place", 0),
            "target": {
                "source": {"id": "urn:x:1", "value": broken},
                "selector": {"type": "TextQuoteSelector", "exact": "Broken"},
            },
        }
    ]
    tasks = [
        {"data": {"text": broken}, "annotations": []},
        {"data": {"text": "Task two is fine."}, "annotations": []},
    ]
    report = run(
        project,
        SourceFile("w3c.json", json.dumps(embedded).encode()),
        SourceFile("export.json", json.dumps(tasks).encode()),
    )
    assert [(r.outcome, "lone surrogate" in r.reason) for r in report.results] == [
        (Outcome.FAILED, True),
        (Outcome.FAILED, True),
        (Outcome.IMPORTED, False),
    ], rows(report)
    assert list(Document.objects.values_list("text", flat=True)) == ["Task two is fine."]


def test_w3c_annotations_that_hold_their_text_make_a_document(project):
    embedded = [
        {
            **w3c_annotation("urn:x:1", "Ghulja", "place", TEXT.index("Ghulja")),
            "target": {
                "source": {"id": "urn:x:1", "value": TEXT, "language": "ug"},
                "selector": {"type": "TextQuoteSelector", "exact": "Ghulja"},
            },
        }
    ]
    report = run(project, SourceFile("w3c.json", json.dumps(embedded).encode()))
    assert report.results[0].outcome is Outcome.IMPORTED, rows(report)
    document = Document.objects.get()
    assert (document.text, document.language) == (TEXT, "ug")
    assert document.metadata["source_iri"] == "urn:x:1"
    assert_quotes_match()
