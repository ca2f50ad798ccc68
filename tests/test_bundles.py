"""Export bundles going back in: verified against their manifest, and imported exactly.

A bundle is what ``export_corpus --bundle`` makes: ``<stem>/corpus.jsonl`` (or another
format's data), ``<stem>/taxonomy.json`` and ``<stem>/manifest.json``.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse

from annotator.formats.bundle import taxonomy_file_data, verify_bundle, verify_members
from annotator.models import AuditEvent, Document, ImportedSpan, Role
from annotator.services.assignments import review_submit
from annotator.services.exporting import ExportOptions, export_start
from annotator.services.importing import (
    ImportReport,
    Outcome,
    SourceFile,
    bundle_taxonomy_load,
    documents_import,
)
from annotator.taxonomy import DEFAULT_COLOUR, taxonomy_from_data
from annotator.text import text_sha256
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    client_for,
    make_annotation,
)

pytestmark = pytest.mark.django_db

# Every character Python's str.splitlines() breaks a line at, other than "\n" and "\r" (a
# canonical text has no "\r": it became "\n").
SEPARATORS = {
    "\x0b": "line tabulation",
    "\x0c": "form feed",
    "\x1c": "file separator",
    "\x1d": "group separator",
    "\x1e": "record separator",
    "\x85": "next line",
    "\u2028": "line separator",
    "\u2029": "paragraph separator",
}
TEXT = (
    "Testimony, recorded in 2019.\n"
    + "".join(f"{name} here{separator}" for separator, name in SEPARATORS.items())
    + "He was detained\u2028in a camp\x85and beaten\u2029in custody.\n"
)


def seed(project, text: str) -> Document:
    """A document with exactly ``text`` (a .txt file with these characters looks binary)."""
    line = json.dumps({"text": text, "title": "Separators"}, ensure_ascii=False)
    report = documents_import(
        project=project, sources=[SourceFile("seed.jsonl", line.encode())], imported_by=None
    )
    assert report.imported == 1, report.results
    document = Document.objects.get(pk=report.results[0].document_id)
    assert document.text == text, "the seed must keep every separator"
    return document


def at(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


@pytest.fixture
def annotated(project):
    """Two reviewers who agree (so the gold layer has the spans too), across separators."""
    detention = CategoryFactory(project=project, code="detention", name="Arbitrary detention")
    torture = CategoryFactory(project=project, code="torture", name="Torture")
    manager = UserFactory(username="boss")
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    document = seed(project, TEXT)
    for username in ("ana", "ben"):
        reviewer = UserFactory(username=username)
        MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
        make_annotation(document, reviewer, detention, *at(TEXT, "detained\u2028in a camp"))
        make_annotation(document, reviewer, torture, *at(TEXT, "beaten\u2029in custody"))
        make_annotation(
            document, reviewer, detention, *at(TEXT, "form feed here\x0cfile separator")
        )
        review_submit(document=document, reviewer=reviewer)
    assert document.gold_spans.count() == 3, "two reviewers in agreement make the gold layer"
    return {"project": project, "manager": manager, "document": document}


def export_bundle(project, manager, *, format: str = "jsonl", layer: str = "all") -> bytes:
    export = export_start(
        project=project,
        options=ExportOptions(format=format, layer=layer, bundle=True),
        actor=manager,
    )
    return b"".join(export.chunks)


def member(data: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(next(n for n in archive.namelist() if n.endswith(f"/{name}")))


def outcomes(report: ImportReport) -> list[tuple[str, Outcome]]:
    return [(result.name, result.outcome) for result in report.results]


# --- line separators ----------------------------------------------------------------------


def test_a_bundle_whose_text_holds_every_line_separator_verifies(annotated, tmp_path):
    data = export_bundle(annotated["project"], annotated["manager"])
    corpus = member(data, "corpus.jsonl")
    assert "\u2028".encode() in corpus, "the export writes U+2028 as it is, inside a JSON line"
    path = tmp_path / "bundle.zip"
    path.write_bytes(data)

    result = verify_bundle(str(path))
    assert result.intact, result.problems
    assert (result.files, result.documents) == (2, 1)
    out = io.StringIO()
    call_command("verify_export", str(path), stdout=out)
    assert "2 files and 1 document texts checked" in out.getvalue()


def test_a_corpus_whose_text_holds_every_line_separator_imports_exactly(annotated):
    corpus = member(export_bundle(annotated["project"], annotated["manager"]), "corpus.jsonl")
    copy_project = ProjectFactory(slug="copy")
    report = documents_import(
        project=copy_project, sources=[SourceFile("corpus.jsonl", corpus)], imported_by=None
    )
    assert outcomes(report) == [("corpus.jsonl, line 1", Outcome.IMPORTED)], report.results
    copy = Document.objects.get(project=copy_project)
    original = annotated["document"]
    assert copy.text == original.text, "every separator must come back where it was"
    assert copy.text_sha256 == original.text_sha256
    expected = sorted(
        (layer, span.start, span.end, span.category.code, span.quote)
        for layer, spans in (
            ("gold", original.gold_spans.select_related("category")),
            ("reviewer", original.annotations.select_related("category")),
        )
        for span in spans
    )
    imported = sorted(
        (span.attributes["layer"], span.start, span.end, span.category_code, span.quote)
        for span in ImportedSpan.objects.filter(document=copy)
    )
    assert imported == expected
    for _, start, end, _, quote in imported:
        assert copy.text[start:end] == quote


def test_a_crlf_corpus_still_reads_line_by_line(annotated):
    corpus = member(export_bundle(annotated["project"], annotated["manager"]), "corpus.jsonl")
    report = documents_import(
        project=ProjectFactory(slug="crlf"),
        sources=[SourceFile("corpus.jsonl", corpus.replace(b"\n", b"\r\n"))],
        imported_by=None,
    )
    assert report.imported == 1, report.results


def test_a_bundle_verifies_from_members_already_read_and_with_crlf_lines():
    texts = ["first\u2028text", "second\x85text"]
    corpus = "".join(
        json.dumps({"id": n, "text": t}, ensure_ascii=False) + "\r\n"
        for n, t in enumerate(texts, start=1)
    ).encode()
    manifest = {
        "product": "annotator 1.0",
        "files": {"corpus.jsonl": hashlib.sha256(corpus).hexdigest()},
        "documents": [{"id": n, "text_sha256": text_sha256(t)} for n, t in enumerate(texts, 1)],
    }
    result = verify_members(
        {"b/corpus.jsonl": corpus, "b/manifest.json": json.dumps(manifest).encode()}
    )
    assert result.intact, result.problems
    assert result.documents == 2


# --- importing a bundle -------------------------------------------------------------------


@pytest.fixture
def target(db):
    """A fresh project that has one of the bundle's two categories, under its own name."""
    project = ProjectFactory(slug="target")
    CategoryFactory(project=project, code="detention", name="Detention, as we call it")
    return project


def import_bundle(project, data: bytes, *, load_taxonomy: bool = False) -> ImportReport:
    return documents_import(
        project=project,
        sources=[SourceFile("bundle.zip", data)],
        imported_by=None,
        load_taxonomy=load_taxonomy,
    )


def ends(report: ImportReport) -> list[tuple[str, Outcome]]:
    """Outcomes by the name inside the bundle's folder (the folder has the export's time)."""
    return [(result.name.rsplit("/", 1)[-1], result.outcome) for result in report.results]


def row(report: ImportReport, ending: str):
    matches = [result for result in report.results if result.name.endswith(ending)]
    assert len(matches) == 1, f"one row ending {ending!r} expected in {outcomes(report)}"
    return matches[0]


def rezip(data: bytes, change) -> bytes:
    """The archive again, each member passed through ``change(name, content)``, which returns
    the (name, content) to write, or None to leave the member out."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            changed = change(info.filename, source.read(info))
            if changed is not None:
                archive.writestr(*changed)
    return buffer.getvalue()


def test_a_bundle_imports_its_corpus_and_notes_its_manifest_and_taxonomy(annotated, target):
    data = export_bundle(annotated["project"], annotated["manager"])
    report = import_bundle(target, data)

    assert ends(report) == [
        ("corpus.jsonl, line 1", Outcome.IMPORTED),
        ("taxonomy.json", Outcome.NOTE),
        ("manifest.json", Outcome.NOTE),
    ], report.results
    assert report.failed == 0
    assert report.summary() == "1 imported, 0 duplicate, 0 failed, 2 notes"
    manifest = row(report, "manifest.json")
    assert manifest.reason.startswith("Verified: 2 files match it"), manifest.reason
    taxonomy = row(report, "taxonomy.json")
    assert taxonomy.reason == "It holds 2 categories; 1 not yet in this project: torture."
    assert taxonomy.taxonomy is not None
    assert taxonomy.taxonomy.missing == ("torture",)
    assert not taxonomy.taxonomy.loaded
    assert list(target.categories.values_list("code", flat=True)) == ["detention"], (
        "a taxonomy is only offered unless its loading is asked for"
    )
    copy = Document.objects.get(project=target)
    assert copy.text == annotated["document"].text


def test_load_taxonomy_creates_the_missing_categories_before_the_corpus(annotated, target):
    data = export_bundle(annotated["project"], annotated["manager"])
    report = import_bundle(target, data, load_taxonomy=True)

    assert report.failed == 0, report.results
    taxonomy = row(report, "taxonomy.json")
    assert taxonomy.reason == (
        "It holds 2 categories; the 1 not yet in this project were loaded: torture."
    )
    assert taxonomy.taxonomy.loaded
    categories = {c.code: c.name for c in target.categories.all()}
    assert categories == {"detention": "Detention, as we call it", "torture": "Torture"}, (
        "missing categories are created, existing ones never changed"
    )
    spans = ImportedSpan.objects.filter(document__project=target)
    assert spans.exists()
    unlinked = [(s.category_code, s.quote) for s in spans if s.category is None]
    assert unlinked == [], "every imported span finds its category once the taxonomy is in"
    event = AuditEvent.objects.get(action="taxonomy.load")
    assert event.after["created"] == ["torture"]


def test_a_taxonomy_loaded_after_the_import_links_the_spans_imported_before(annotated, target):
    report = import_bundle(target, export_bundle(annotated["project"], annotated["manager"]))
    offer = row(report, "taxonomy.json").taxonomy
    torture = ImportedSpan.objects.filter(document__project=target, category_code="torture")
    assert torture.exists()
    assert not torture.filter(category__isnull=False).exists()

    created = bundle_taxonomy_load(
        project=target, categories=offer.categories, actor=None, source="bundle.zip"
    )
    assert created.created == ["torture"]
    assert set(torture.values_list("category__code", flat=True)) == {"torture"}
    again = bundle_taxonomy_load(
        project=target, categories=offer.categories, actor=None, source="bundle.zip"
    )
    assert again.created == [], "loading again creates nothing"


def test_a_tampered_bundle_is_refused_with_its_problems_as_the_reason(annotated, target):
    data = export_bundle(annotated["project"], annotated["manager"])
    tampered = rezip(
        data,
        lambda name, content: (
            name,
            content.replace(b"detained", b"released", 1)
            if name.endswith("corpus.jsonl")
            else content,
        ),
    )
    report = import_bundle(target, tampered, load_taxonomy=True)

    assert [outcome for _, outcome in ends(report)] == [Outcome.FAILED] * 3, report.results
    corpus = row(report, "corpus.jsonl")
    assert "does not match its manifest" in corpus.reason
    assert "corpus.jsonl has changed: its SHA-256 is not the manifest's." in corpus.reason
    assert "nothing of it was imported" in row(report, "manifest.json").reason
    assert not Document.objects.filter(project=target).exists()
    assert list(target.categories.values_list("code", flat=True)) == ["detention"]


def test_a_file_slipped_into_a_bundle_refuses_it(annotated, target):
    data = export_bundle(annotated["project"], annotated["manager"])
    folder = zipfile.ZipFile(io.BytesIO(data)).namelist()[0].split("/")[0]
    with_extra = rezip(data, lambda name, content: (name, content))
    buffer = io.BytesIO(with_extra)
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(f"{folder}/extra.txt", "A document nobody exported.")
    report = import_bundle(target, buffer.getvalue())

    extra = row(report, "extra.txt")
    assert extra.outcome is Outcome.FAILED
    assert "extra.txt is in the bundle but not in the manifest." in extra.reason
    assert not Document.objects.filter(project=target).exists()


@pytest.mark.parametrize("format", ["csv", "w3c", "brat", "conll"])
def test_a_bundle_of_another_format_gets_one_failed_row_pointing_to_jsonl(
    annotated, target, format
):
    data = export_bundle(annotated["project"], annotated["manager"], format=format)
    report = import_bundle(target, data)

    failed = [result for result in report.results if result.outcome is Outcome.FAILED]
    assert len(failed) == 1, f"one row for the bundle's data, not one per file: {report.results}"
    assert f"holds a {format} export, which cannot be imported yet" in failed[0].reason
    assert "a JSONL bundle can" in failed[0].reason
    assert row(report, "manifest.json").outcome is Outcome.NOTE
    assert row(report, "taxonomy.json").outcome is Outcome.NOTE
    assert not Document.objects.filter(project=target).exists()


def test_a_bundle_without_its_folder_is_still_a_bundle(annotated, target):
    data = export_bundle(annotated["project"], annotated["manager"])
    flat = rezip(data, lambda name, content: (name.split("/", 1)[1], content))
    report = import_bundle(target, flat)
    assert ends(report) == [
        ("corpus.jsonl, line 1", Outcome.IMPORTED),
        ("taxonomy.json", Outcome.NOTE),
        ("manifest.json", Outcome.NOTE),
    ], report.results


def test_a_zip_whose_manifest_is_not_this_products_is_an_ordinary_archive(target):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("pack/a.txt", "A field note.")
        archive.writestr("pack/manifest.json", json.dumps({"product": "other", "files": {}}))
    report = import_bundle(target, buffer.getvalue())
    assert ends(report) == [("a.txt", Outcome.IMPORTED), ("manifest.json", Outcome.FAILED)]
    assert "cannot be imported" in row(report, "manifest.json").reason


def test_an_exported_taxonomy_becomes_a_taxonomy_file_the_parser_reads():
    exported = json.dumps(
        [
            {"code": "torture", "name": "Torture", "definition": "Severe pain.", "parent": ""},
            {"code": "beating", "name": "Beating", "definition": "", "parent": "torture"},
        ]
    ).encode()
    specs = {spec.code: spec for spec in taxonomy_from_data(taxonomy_file_data(exported))}
    assert specs["torture"].parent is None
    assert specs["torture"].definition == "Severe pain."
    assert specs["beating"].parent == "torture"
    assert specs["beating"].colour == DEFAULT_COLOUR, "the export carries no colour"
    with pytest.raises(ValueError, match="not a list of categories"):
        taxonomy_file_data(b'{"categories": "none"}')


# --- relation types and incident roles ----------------------------------------------------

STRUCTURED_TAXONOMY = """\
categories:
  - code: detention
    name: Arbitrary detention
    definition: Deprivation of liberty without legal basis.
  - code: torture
    name: Torture
  - code: victim
    name: Victim
    group: entity
  - code: perpetrator
    name: Perpetrator
    group: entity
relation_types:
  - code: same_incident
    name: Same incident
    symmetric: true
    source_categories: [detention, torture]
  - code: denies
    name: Denies
    definition: From an official denial to the allegation it denies.
    target_categories: [detention]
  - code: old_link
    name: Old link
    retired: true
incident_roles:
  - code: victims
    name: Victims
    definition: Who suffered the act.
    categories: [victim]
    multiple: true
  - code: perpetrators
    name: Perpetrators
    categories: [perpetrator]
    multiple: true
    involvements:
      - {code: direct, name: Direct}
      - {code: alleged, name: Alleged}
"""


@pytest.fixture
def structured(annotated):
    """The annotated project with a whole taxonomy: groups, relation types and roles."""
    from annotator.services.taxonomy import taxonomy_load
    from annotator.taxonomy_relations import parse_taxonomy_file

    taxonomy = parse_taxonomy_file(STRUCTURED_TAXONOMY)
    taxonomy_load(
        project=annotated["project"],
        specs=taxonomy.categories,
        relation_types=taxonomy.relation_types,
        incident_roles=taxonomy.incident_roles,
        actor=None,
    )
    return annotated


def whole_taxonomy(project) -> dict:
    """The project's taxonomy as a taxonomy file holds it, without the order of things."""
    from annotator.selectors.incidents import incident_role_specs
    from annotator.selectors.relations import relation_type_specs

    def plain(spec) -> dict:
        fields = {k: v for k, v in vars(spec).items() if k != "order"}
        return {k: sorted(v) if k.endswith("categories") else v for k, v in fields.items()}

    return {
        "groups": dict(project.categories.values_list("code", "group")),
        "relation_types": {s.code: plain(s) for s in relation_type_specs(project=project)},
        "incident_roles": {s.code: plain(s) for s in incident_role_specs(project=project)},
    }


def test_a_bundle_carries_the_relation_types_incident_roles_and_groups(structured):
    data = export_bundle(structured["project"], structured["manager"])
    exported = json.loads(member(data, "taxonomy.json"))
    assert set(exported) == {"categories", "relation_types", "incident_roles"}
    groups = {item["code"]: item["group"] for item in exported["categories"]}
    assert groups == {
        "detention": "violation",
        "torture": "violation",
        "victim": "entity",
        "perpetrator": "entity",
    }
    assert [item["code"] for item in exported["relation_types"]] == [
        "same_incident",
        "denies",
        "old_link",
    ]
    assert exported["incident_roles"][1]["involvements"] == [
        {"code": "direct", "name": "Direct"},
        {"code": "alleged", "name": "Alleged"},
    ]
    assert verify_members(
        {
            name: member(data, name.rsplit("/", 1)[-1])
            for name in zipfile.ZipFile(io.BytesIO(data)).namelist()
        }
    ).intact


def test_a_bundle_imported_into_a_fresh_project_gives_the_same_taxonomy(structured):
    data = export_bundle(structured["project"], structured["manager"])
    fresh = ProjectFactory(slug="fresh")
    report = import_bundle(fresh, data, load_taxonomy=True)

    assert report.failed == 0, report.results
    taxonomy = row(report, "taxonomy.json")
    assert taxonomy.reason == (
        "It holds 4 categories, 3 relation types and 2 incident roles; those not yet in this "
        "project were loaded: categories detention, torture, victim, perpetrator; relation "
        "types same_incident, denies, old_link; incident roles victims, perpetrators."
    )
    assert whole_taxonomy(fresh) == whole_taxonomy(structured["project"])
    event = AuditEvent.objects.get(action="taxonomy.load", project=fresh)
    assert event.after["relation_types"]["created"] == ["same_incident", "denies", "old_link"]
    assert event.after["incident_roles"]["created"] == ["victims", "perpetrators"]

    again = import_bundle(fresh, data, load_taxonomy=True)
    assert row(again, "taxonomy.json").reason == (
        "It holds 4 categories, 3 relation types and 2 incident roles, all of them already in "
        "this project."
    )


def test_relation_types_and_roles_are_only_offered_until_loaded_from_the_report(structured):
    from annotator.models import ImportRow, ImportVia, IncidentRole, RelationType
    from annotator.services.importing import import_row_taxonomy_load

    data = export_bundle(structured["project"], structured["manager"])
    target = ProjectFactory(slug="offered")
    for code in ("detention", "torture", "victim", "perpetrator"):
        CategoryFactory(project=target, code=code, name=code.title())
    report = documents_import(
        project=target,
        sources=[SourceFile("bundle.zip", data)],
        imported_by=None,
        via=ImportVia.WEB,
    )
    taxonomy = row(report, "taxonomy.json")
    assert taxonomy.reason == (
        "It holds 4 categories, 3 relation types and 2 incident roles; not yet in this "
        "project: relation types same_incident, denies, old_link; incident roles victims, "
        "perpetrators."
    )
    assert not RelationType.objects.filter(project=target).exists()
    stored = ImportRow.objects.get(run_id=report.run_id, name=taxonomy.name)
    assert stored.taxonomy_offered, "missing relation types alone make an offer"
    manager = UserFactory(username="target-manager")
    MembershipFactory(project=target, user=manager, role=Role.MANAGER)
    page = client_for(manager).get(
        reverse(
            "document_import_report",
            kwargs={"project_slug": target.slug, "token": report.run_id},
        )
    )
    assert "Load what this project lacks: 3 relation types, 2 incident roles" in (
        page.content.decode()
    )

    loaded = import_row_taxonomy_load(run=stored.run, index=stored.index, actor=None)
    assert loaded is not None
    assert loaded.created == []
    assert loaded.created_relation_types == ["same_incident", "denies", "old_link"]
    assert loaded.created_incident_roles == ["victims", "perpetrators"]
    stored.refresh_from_db()
    assert not stored.taxonomy_offered
    assert "those not yet in this project were loaded: relation types" in stored.reason
    assert set(IncidentRole.objects.filter(project=target).values_list("code", flat=True)) == {
        "victims",
        "perpetrators",
    }


def test_an_existing_relation_type_or_role_defined_otherwise_is_kept_and_noted(structured):
    from annotator.models import IncidentRole, RelationType
    from annotator.services.relation_type_edits import relation_type_create

    data = export_bundle(structured["project"], structured["manager"])
    target = ProjectFactory(slug="ours")
    for code in ("detention", "torture", "victim", "perpetrator"):
        CategoryFactory(project=target, code=code, name=code.title())
    relation_type_create(
        project=target,
        code="denies",
        name="Denies",
        definition="Our own wording.",
        target_categories=["detention"],
        actor=None,
    )
    IncidentRole.objects.create(project=target, code="victims", name="Victims", multiple=True)
    report = import_bundle(target, data, load_taxonomy=True)

    reason = row(report, "taxonomy.json").reason
    assert (
        "this project's relation type 'denies' differs from the bundle's (definition) and is "
        "kept as it is"
    ) in reason
    assert (
        "this project's incident role 'victims' differs from the bundle's (definition, "
        "categories) and is kept as it is"
    ) in reason
    denies = RelationType.objects.get(project=target, code="denies")
    assert denies.definition == "Our own wording.", "an existing type is never changed"
    victims = IncidentRole.objects.get(project=target, code="victims")
    assert (victims.definition, list(victims.categories.all())) == ("", [])
    assert set(RelationType.objects.filter(project=target).values_list("code", flat=True)) == {
        "denies",
        "same_incident",
        "old_link",
    }, "the ones it lacked are created"


@pytest.mark.parametrize("shape", ["list", "mapping"])
def test_a_bundle_taxonomy_without_relation_types_or_roles_still_reads(shape):
    categories = [
        {"code": "torture", "name": "Torture", "definition": "", "parent": ""},
        {"code": "beating", "name": "Beating", "definition": "", "parent": "torture"},
    ]
    exported = categories if shape == "list" else {"categories": categories}
    file_data = taxonomy_file_data(json.dumps(exported).encode())
    assert set(file_data) == {"categories"}, "a file without the keys says nothing of them"
    from annotator.taxonomy_relations import taxonomy_file_from_data

    taxonomy = taxonomy_file_from_data(file_data)
    assert [spec.code for spec in taxonomy.categories] == ["torture", "beating"]
    assert not taxonomy.lists_relation_types
    assert not taxonomy.lists_incident_roles
    with pytest.raises(ValueError, match="relation_types is not a list"):
        taxonomy_file_data(json.dumps({"categories": categories, "relation_types": 3}).encode())


def test_an_old_bundle_imports_and_loads_its_categories(annotated, target):
    """A bundle made before taxonomy.json carried relation types: the bare list."""
    data = export_bundle(annotated["project"], annotated["manager"])

    def old(name: str, content: bytes):
        if name.endswith("taxonomy.json"):
            content = json.dumps(json.loads(content)["categories"]).encode()
        elif name.endswith("manifest.json"):
            manifest = json.loads(content)
            manifest["files"]["taxonomy.json"] = hashlib.sha256(taxonomy).hexdigest()
            content = json.dumps(manifest).encode()
        return name, content

    taxonomy = json.dumps(json.loads(member(data, "taxonomy.json"))["categories"]).encode()
    report = import_bundle(target, rezip(data, old), load_taxonomy=True)
    assert report.failed == 0, report.results
    assert row(report, "taxonomy.json").reason == (
        "It holds 2 categories; the 1 not yet in this project were loaded: torture."
    )
