"""Agreement in the product: stored figures and when they are recomputed, the page, its
downloads, the command, and the moderation queue ordered by least agreement."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotator.models import (
    AgreementReport,
    Annotation,
    Document,
    ModerationItem,
    Project,
    Role,
)
from annotator.selectors.agreement import agreement_documents, agreement_layers
from annotator.services.agreement import AgreementFilters, agreement_report
from annotator.services.assignments import review_reopen, review_submit
from annotator.services.moderation import item_resolve
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db
TEXT = "He was detained in 2017. She was beaten in custody. They were sent to work."


def at(needle, text=TEXT):
    start = text.index(needle)
    return start, start + len(needle)


@pytest.fixture
def world(project):
    det = CategoryFactory(project=project, code="detention", name="Arbitrary detention")
    tor = CategoryFactory(project=project, code="torture", name="Torture")
    ana, ben = UserFactory(username="ana"), UserFactory(username="ben")
    for user in (ana, ben):
        MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    moderator = UserFactory(username="moderator")
    MembershipFactory(project=project, user=moderator, role=Role.MODERATOR)

    def document(title, ana_spans, ben_spans):
        text = f"{TEXT} ({title})"
        made = make_document(project, text, title=title, name=f"{title}.txt")
        for user, spans in ((ana, ana_spans), (ben, ben_spans)):
            for category, needle in spans:
                make_annotation(made, user, category, *at(needle, text))
            review_submit(document=made, reviewer=user)
        made.refresh_from_db()
        return made

    agreed = document("Agreed", [(det, "detained")], [(det, "detained")])
    disputed = document(
        "=Disputed", [(det, "detained"), (tor, "beaten")], [(tor, "detained in 2017")]
    )
    return {
        "project": project,
        "ana": ana,
        "ben": ben,
        "moderator": moderator,
        "agreed": agreed,
        "disputed": disputed,
        "det": det,
    }


def url(world, **params):
    base = reverse("project_agreement", kwargs={"project_slug": world["project"].slug})
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_alignment_stores_each_documents_agreement(world):
    assert world["agreed"].agreement == 1.0
    assert world["disputed"].agreement is not None
    assert world["disputed"].agreement < 0.5


def test_queue_can_be_ordered_by_least_agreement(world):
    client = client_for(world["moderator"])
    third = make_document(world["project"], "A third text, detained.", title="Third")
    for user in (world["ana"], world["ben"]):
        make_annotation(third, user, world["det"], *at("detained", third.text))
    make_annotation(third, world["ana"], world["det"], *at("third", third.text))
    for user in (world["ana"], world["ben"]):
        review_submit(document=third, reviewer=user)
    third.refresh_from_db()
    assert world["disputed"].agreement < third.agreement < 1.0

    page = client.get(reverse("moderation_queue") + "?order=agreement").content.decode()
    first_disputed, first_third = page.index("=Disputed"), page.index("Third")
    assert first_disputed < first_third, "the least agreed document's items come first"
    assert "document α" in page


def test_report_is_stored_and_reused_until_a_layer_changes(world):
    project = world["project"]
    first = agreement_report(project=project)
    assert first.figures["documents"] == 2
    with CaptureQueriesContext(connection) as reused:
        again = agreement_report(project=project)
    assert again.pk == first.pk
    assert again.computed_at == first.computed_at
    assert len(reused) == 2, "a current report is read, not computed"

    review_reopen(document=world["disputed"], reviewer=world["ben"], actor=world["moderator"])
    after_reopen = agreement_report(project=project)
    assert after_reopen.revision > first.revision
    assert after_reopen.figures["documents"] == 1, "a reopened layer is not final: left out"

    review_submit(document=world["disputed"], reviewer=world["ben"])
    assert agreement_report(project=project).figures["documents"] == 2

    before = agreement_report(project=project).revision
    item = ModerationItem.objects.filter(document=world["disputed"]).first()
    item_resolve(
        item_id=item.pk, moderator=world["moderator"], version=item.version, resolution="reject",
        spans=[],
    )  # fmt: skip
    assert agreement_report(project=project).revision > before, "the gold layer changed"


def test_filters_have_their_own_report(world):
    world["agreed"].language = "ug"
    Document.objects.filter(pk=world["agreed"].pk).update(language="ug")
    only = agreement_report(project=world["project"], filters=AgreementFilters(language="ug"))
    assert only.figures["documents"] == 1
    assert agreement_report(project=world["project"]).figures["documents"] == 2
    assert AgreementReport.objects.filter(project=world["project"]).count() == 2


def test_page_shows_headline_charts_and_tables(world):
    page = client_for(world["moderator"]).get(url(world))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="unitizing-alpha"' in html
    assert "95% CI" in html
    assert 'data-testid="category-chart"' in html
    assert "<svg" in html
    assert 'data-testid="pair-map"' in html
    assert "ana and ben" in html
    assert "Arbitrary detention" in html
    assert "&#x27;" not in html.split('data-testid="document-table"')[1].split("</table>")[0]
    assert "=Disputed" in html
    disputed_at = html.index("=Disputed", html.index('data-testid="document-table"'))
    agreed_at = html.index("Agreed", html.index('data-testid="document-table"'))
    assert disputed_at < agreed_at, "least agreement first"


def test_page_hides_names_when_moderation_is_anonymous(world):
    Project.objects.filter(pk=world["project"].pk).update(anonymous_moderation=True)
    html = client_for(world["moderator"]).get(url(world)).content.decode()
    assert "Reviewer 1 and Reviewer 2" in html
    assert "ana and ben" not in html


def test_page_without_submitted_pairs_explains_why(project):
    moderator = UserFactory()
    MembershipFactory(project=project, user=moderator, role=Role.MANAGER)
    html = client_for(moderator).get(
        reverse("project_agreement", kwargs={"project_slug": project.slug})
    )
    assert "needs at least two reviewers who finished the same document" in html.content.decode()


def test_page_queries_do_not_grow_with_documents(world, django_assert_max_num_queries):
    client = client_for(world["moderator"])
    client.get(url(world))  # compute and store
    with CaptureQueriesContext(connection) as small:
        client.get(url(world))
    small_count = len(small)  # read now: the next request clears the connection's log
    for n in range(3):
        text = f"Document {n} says they were detained."
        made = make_document(world["project"], text, title=f"More {n}")
        for user in (world["ana"], world["ben"]):
            make_annotation(made, user, world["det"], *at("detained", text))
            review_submit(document=made, reviewer=user)
    client.get(url(world))
    with django_assert_max_num_queries(small_count):
        client.get(url(world))


def test_csv_download_has_every_figure(world):
    response = client_for(world["moderator"]).get(url(world, download="csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    figures = {row["figure"] for row in rows}
    assert {"unitizing_alpha", "token_alpha", "token_kappa", "pair_kappa"} <= figures
    titles = {row["document_title"] for row in rows if row["figure"] == "document_unitizing_alpha"}
    assert titles == {"'=Disputed", "Agreed"}, "formula-like titles are neutralised"


def test_csv_download_has_a_row_per_figure_of_each_category_group(world):
    victim = CategoryFactory(project=world["project"], code="victim", name="Victim", group="entity")
    document = make_document(world["project"], TEXT, title="Victims", name="victims.txt")
    for user in (world["ana"], world["ben"]):
        make_annotation(document, user, victim, *at("He"))
        review_submit(document=document, reviewer=user)
    response = client_for(world["moderator"]).get(url(world, download="csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    report = AgreementReport.objects.get(project=world["project"])
    stored = {row["group"]: row for row in report.figures["groups"]}
    assert set(stored) == {"violation", "entity"}

    groups = [row for row in rows if row["figure"].startswith("group_")]
    assert {(row["figure"], row["category"]) for row in groups} == {
        (f"group_{key}", group)
        for key in ("unitizing_alpha", "f1_exact", "f1_overlap")
        for group in ("violation", "entity")
    }, "each group has the three figures a category has, labelled as a group's"
    for row in groups:
        figure = stored[row["category"]][row["figure"].removeprefix("group_")]
        assert row["value"] == ("" if figure is None else str(figure))
        assert row["n"] == str(stored[row["category"]]["spans"])
    entity = next(
        row for row in groups if row["figure"] == "group_f1_exact" and row["category"] == "entity"
    )
    assert entity["value"] == "1.0", "both reviewers marked the same victim"
    categories = {row["category"] for row in rows if row["figure"] == "unitizing_alpha"}
    assert "entity" not in categories, "a group's row is never a category's"


def test_json_download_matches_the_stored_figures(world):
    response = client_for(world["moderator"]).get(url(world, download="json"))
    body = json.loads(response.content)
    report = AgreementReport.objects.get(project=world["project"])
    assert body["figures"] == report.figures
    assert body["reviewers"] == {str(world["ana"].pk): "ana", str(world["ben"].pk): "ben"}
    assert [d["title"] for d in body["documents"]] == ["=Disputed", "Agreed"]


def test_command_prints_table_json_and_csv(world):
    out = io.StringIO()
    call_command("agreement", project=world["project"].slug, stdout=out)
    table = out.getvalue()
    assert "Unitizing alpha (characters)" in table
    assert "95% CI" in table
    assert "ana and ben" in table

    out = io.StringIO()
    call_command("agreement", project=world["project"].slug, format="json", stdout=out)
    assert json.loads(out.getvalue())["figures"]["documents"] == 2

    out = io.StringIO()
    call_command("agreement", project=world["project"].slug, format="csv", stdout=out)
    assert out.getvalue().startswith(",".join(["figure", "category", "reviewer_a"]))


def test_command_refuses_an_unknown_project(db):
    with pytest.raises(CommandError, match="No project with the slug 'nope'"):
        call_command("agreement", project="nope")


def test_demo_project_has_figures_after_seeding(db):
    call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("agreement", project="demo", format="json", stdout=out)
    figures = json.loads(out.getvalue())["figures"]
    assert figures["documents"] == 1, "the seed article, annotated by both demo reviewers"
    assert figures["headline"]["unitizing_alpha"]["value"] is not None
    assert len(figures["pairs"]) == 1
    # The demo reviewers agree exactly on the victims, perpetrator and place they tagged.
    groups = {row["group"]: row for row in figures["groups"]}
    assert groups["entity"]["spans"] == 6
    assert groups["entity"]["unitizing_alpha"] == 1.0
    assert groups["violation"]["unitizing_alpha"] < 1.0


def test_the_page_shows_each_group_of_categories_apart(db, client):
    from annotator.models import Membership, Project
    from tests.factories import UserFactory

    call_command("seed_demo", stdout=io.StringIO())
    manager = UserFactory(username="group-manager")
    Membership.objects.create(
        project=Project.objects.get(slug="demo"), user=manager, role="manager"
    )
    client.force_login(manager)
    page = client.get("/projects/demo/agreement/").content.decode()
    assert 'data-testid="group-table"' in page
    assert "Entities" in page
    assert "Violations" in page


def test_download_links_keep_the_filters(world):
    client = client_for(world["moderator"])
    html = client.get(url(world, q="Agreed")).content.decode()
    assert "?q=Agreed&amp;download=csv" in html
    body = json.loads(client.get(url(world, q="Agreed", download="json")).content)
    assert body["filters"]["query"] == "Agreed"
    assert [d["title"] for d in body["documents"]] == ["Agreed"]


def test_layers_carry_each_span_s_evidence_attributes(world):
    Annotation.objects.filter(reviewer=world["ana"], document=world["agreed"]).update(
        evidence_status="confirmed", source_type="victim_testimony"
    )
    documents = agreement_documents(project=world["project"])
    rows = {
        row["id"]: row for row in agreement_layers(project=world["project"], documents=documents)
    }
    start, end = at("detained", world["agreed"].text)
    assert rows[world["agreed"].pk]["layers"][world["ana"].pk] == [
        (start, end, "detention", "confirmed", "victim_testimony")
    ]
    assert rows[world["agreed"].pk]["layers"][world["ben"].pk] == [
        (start, end, "detention", "unknown", "other")
    ]


def test_page_shows_the_confusion_matrix_the_attributes_and_a_rough_interval(world):
    Annotation.objects.filter(reviewer=world["ana"], document=world["agreed"]).update(
        evidence_status="confirmed"
    )
    html = client_for(world["moderator"]).get(url(world)).content.decode()
    exact = html.split('data-testid="confusion-exact"')[1].split("</table>")[0]
    assert "Arbitrary detention" in exact
    assert 'fw-bold table-light">1<' in exact, "the agreed document's span, on the diagonal"
    overlap = html.split('data-testid="confusion-overlap"')[1].split("</table>")[0]
    assert "Torture" in overlap, "the disputed document's detention against torture"
    attributes = html.split('data-testid="attribute-table"')[1].split("</table>")[0]
    assert "Status of the allegation" in attributes
    assert "Type of source" in attributes
    assert "every matched span has the same value" in attributes, "source: other throughout"
    headline = html.split('data-testid="headline"')[1].split("</section>")[0]
    assert "95% CI" in headline
    assert "Resting on only 2 documents: read the interval as rough." in headline


def test_a_report_stored_before_the_new_figures_is_computed_again(world):
    project = world["project"]
    report = agreement_report(project=project)
    old = {
        k: v for k, v in report.figures.items() if k not in ("schema", "confusion", "attributes")
    }
    AgreementReport.objects.filter(pk=report.pk).update(figures=old)
    again = agreement_report(project=project)
    assert again.figures["schema"] == report.figures["schema"]
    assert again.figures["confusion"] == report.figures["confusion"]
    assert again.computed_at > report.computed_at
    assert client_for(world["moderator"]).get(url(world)).status_code == 200


def test_downloads_carry_the_new_figures_and_the_rough_flag(world):
    client = client_for(world["moderator"])
    body = json.loads(client.get(url(world, download="json")).content)
    figures = body["figures"]
    assert figures["bootstrap"]["few_documents"] is True
    assert figures["confusion"]["exact"]["cells"] == [
        {"a": "detention", "b": "detention", "count": 1}
    ]
    assert figures["attributes"]["evidence_status"]["units"] == 1
    response = client.get(url(world, download="csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    headline = next(row for row in rows if row["figure"] == "unitizing_alpha")
    assert headline["ci_few_documents"] == "true"
    confusion = [row for row in rows if row["figure"] == "confusion_exact"]
    assert [(row["category"], row["category_b"], row["value"]) for row in confusion] == [
        ("detention", "detention", "1")
    ]
    assert {"evidence_status_alpha", "source_type_alpha"} <= {row["figure"] for row in rows}


def test_command_table_has_the_new_figures(world):
    out = io.StringIO()
    call_command("agreement", project=world["project"].slug, stdout=out)
    table = out.getvalue()
    assert "rough: resting on only 2 documents" in table
    assert "Category confusion between reviewers, spans matched exact" in table
    assert "Status of the allegation" in table
