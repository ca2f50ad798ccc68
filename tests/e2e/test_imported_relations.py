"""An imported layer's relations in the editor, in a real browser: a reviewer switches on a
brat file's layer, reads its relations beneath its spans, copies one (its end they lack is
copied first, the other is theirs already), and is told why a relation of a type the project
lacks, or whose ends its type does not allow, is not copied; checked against the server."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from annotator.models import Annotation, Category, Document, Relation, Role
from annotator.services.importing import ImportLimits, SourceFile, documents_import
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy_relations import parse_taxonomy_file
from tests.e2e.conftest import log_in
from tests.e2e.test_editor import wait_saved
from tests.factories import (
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    assign_reviewer,
    make_annotation,
)

pytestmark = pytest.mark.e2e

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
TEXT = "\n".join(
    [
        "𠮷 Witnesses said the police detained him without charge in Ghulja.",
        "The ministry denied that anyone was detained; ئۇ تۇتقۇن قىلىندى.",
    ]
)
ALLEGATION = "police detained him without charge"
DENIAL = "The ministry denied that anyone was detained"


def t(number: int, kind: str, quote: str) -> str:
    start = TEXT.index(quote)
    return f"T{number}\t{kind} {start} {start + len(quote)}\t{quote}"


ANN = "\n".join(
    [
        t(1, "detention", DENIAL),
        t(2, "detention", ALLEGATION),
        t(3, "place", "Ghulja"),
        t(4, "detention", "ئۇ تۇتقۇن قىلىندى"),
        "R1\tdenies Arg1:T1 Arg2:T2",
        "R2\tlocated_in Arg1:T2 Arg2:T3",
        "R3\tdenies Arg1:T3 Arg2:T4",
        "",
    ]
)


@pytest.fixture
def editor(page: Page):
    project = ProjectFactory(slug="imported-relations", name="Imported relations")
    taxonomy = parse_taxonomy_file((SEEDS / "taxonomy.yaml").read_bytes())
    taxonomy_load(
        project=project, specs=taxonomy.categories, relation_types=taxonomy.relation_types
    )
    reviewer = UserFactory(username="reviewer-ir")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    documents_import(
        project=project,
        sources=[SourceFile("doc.txt", TEXT.encode(), companions={"ann": ANN.encode()})],
        imported_by=None,
        limits=ImportLimits(max_file_bytes=10**6, max_archive_bytes=10**7, max_archive_files=5),
    )
    document = Document.objects.get(project=project)
    assign_reviewer(document, reviewer)
    # The allegation is the reviewer's already: only the denial is copied with the relation.
    detention = Category.objects.get(project=project, code="detention")
    start = TEXT.index(ALLEGATION)
    make_annotation(document, reviewer, detention, start, start + len(ALLEGATION))
    log_in(page, "reviewer-ir")
    page.goto(f"/projects/{project.slug}/documents/{document.pk}/annotate/")
    expect(page.locator("body")).to_have_attribute("data-editor-ready", "true")
    page.document = document  # type: ignore[attr-defined]
    page.reviewer = reviewer  # type: ignore[attr-defined]
    return page


def test_a_reviewer_copies_an_imported_relation_into_their_layer(editor: Page):
    page = editor
    page.get_by_label("import: doc.ann").check()
    listed = page.locator("#imported-list")
    expect(listed).to_contain_text("Relations in “import: doc.ann”")
    denial = listed.locator(".imported-relation", has_text="The ministry denied")
    expect(denial).to_contain_text("Denies:")
    expect(denial).to_contain_text("→")

    # The keyboard, as a reviewer working for hours does (and no hover left to fade).
    denial.get_by_role("button", name="Copy the relation").press("Enter")
    wait_saved(page)
    expect(denial.locator(".imported-jump")).to_be_focused()
    expect(denial.get_by_role("button", name="Copy the relation")).to_have_text("Copied")
    stored = [
        (relation.source.quote, relation.relation_type.code, relation.target.quote)
        for relation in Relation.objects.filter(
            document=page.document, reviewer=page.reviewer
        ).select_related("source", "target", "relation_type")
    ]
    assert stored == [(DENIAL, "denies", ALLEGATION)]
    quotes = sorted(
        Annotation.objects.filter(document=page.document, reviewer=page.reviewer).values_list(
            "quote", flat=True
        )
    )
    assert quotes == sorted([ALLEGATION, DENIAL]), "the end they had is not copied again"
    expect(page.locator("#relation-list")).to_contain_text("Denies")

    message = page.locator("#editor-message")
    listed.locator(".imported-relation", has_text="located_in").get_by_role(
        "button", name="Copy the relation"
    ).press("Enter")
    expect(message).to_contain_text("“located_in” is not a relation type of this project")
    listed.locator(".imported-relation", has_text="Ghulja").filter(has_text="Denies").get_by_role(
        "button", name="Copy the relation"
    ).press("Enter")
    expect(message).to_contain_text("its ends do not allow these categories")
    assert Relation.objects.filter(document=page.document).count() == 1
    assert Annotation.objects.filter(document=page.document).count() == 2
