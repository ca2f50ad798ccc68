from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from annotator.models import (
    Assignment,
    Category,
    Document,
    IncidentRole,
    Membership,
    Project,
    RelationType,
)

pytestmark = pytest.mark.django_db


def seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "assignments": Assignment.objects.count(),
        "projects": Project.objects.count(),
        "categories": Category.objects.count(),
        "relation_types": RelationType.objects.count(),
        "incident_roles": IncidentRole.objects.count(),
        "documents": Document.objects.count(),
        "users": get_user_model().objects.count(),
        "memberships": Membership.objects.count(),
    }


def test_seeding_twice_creates_nothing_new():
    first_output = seed()
    after_first = counts()
    assert after_first == {
        "assignments": 8,  # four documents, each to both demo reviewers
        "projects": 1,
        "categories": 9,  # five violation categories and four entity categories
        "documents": 4,
        "users": 4,
        "memberships": 4,
        "relation_types": 3,  # denies, corroborates, same_incident
        "incident_roles": 5,  # victims, perpetrators, place, date, source
    }
    passwords_before = dict(get_user_model().objects.values_list("username", "password"))

    second_output = seed()
    assert counts() == after_first
    assert dict(get_user_model().objects.values_list("username", "password")) == (passwords_before)
    assert "4 imported" in first_output
    assert "0 imported, 4 duplicate, 0 failed" in second_output
    assert "make reset-demo-passwords" in second_output


def test_the_seeded_incident_roles_follow_the_entity_categories():
    seed()
    roles = {
        role.code: (
            sorted(role.categories.values_list("code", flat=True)),
            role.multiple,
            role.involvement_codes,
        )
        for role in IncidentRole.objects.all()
    }
    assert roles == {
        "victims": (["victim"], True, []),
        "perpetrators": (["perpetrator"], True, ["direct", "indirect", "alleged"]),
        "place": (["place"], False, []),
        "date": (["date"], False, []),
        "source": ([], True, ["first_hand", "second_hand"]),  # any span may be a source
    }
    assert all(role.definition for role in IncidentRole.objects.all())


def test_passwords_are_generated_printed_once_and_work():
    output = seed()
    lines = [line.split() for line in output.splitlines() if line.startswith("  demo-")]
    assert {line[0] for line in lines} == {
        "demo-manager",
        "demo-moderator",
        "demo-reviewer-1",
        "demo-reviewer-2",
    }
    user_model = get_user_model()
    for username, _role, password in lines:
        assert len(password) >= 16
        assert user_model.objects.get(username=username).check_password(password)
    assert len({line[2] for line in lines}) == 4
    assert "demo-manager" not in seed().split("Demo accounts exist")[0]


def test_reset_passwords_gives_new_working_passwords():
    seed()
    output = seed("--reset-passwords")
    username, _role, password = next(
        line.split() for line in output.splitlines() if line.startswith("  demo-reviewer-1")
    )
    assert get_user_model().objects.get(username=username).check_password(password)


def test_seeded_documents_are_canonical_with_provenance():
    seed()
    documents = {document.source_filename: document for document in Document.objects.all()}
    article = documents["un-xinjiang-assessment-news.txt"]
    assert "serious human rights violations" in article.text
    assert article.imported_by.username == "demo-manager"

    transcript = documents["interview-transcript-crlf.txt"]
    assert "\r" not in transcript.text
    assert "Ürümqi" in transcript.text  # composed by NFC
    assert transcript.normalisation == ["decode:utf-8", "newlines-to-lf", "unicode-nfc"]

    log = documents["monitoring-log-beyond-bmp.txt"]
    start = log.text.index("💩 detained in a camp")
    assert log.text[start + 2 : start + 10] == "detained"

    testimony = documents["testimony-uyghur-arabic.txt"]
    assert testimony.language == "ug-Arab"
    assert "تۇتقۇن" in testimony.text


def test_demo_project_settings_and_roles():
    seed()
    project = Project.objects.get(slug="demo")
    assert project.reviewers_per_document == 2
    assert project.blind_annotation is True
    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {
        "demo-manager": "manager",
        "demo-moderator": "moderator",
        "demo-reviewer-1": "reviewer",
        "demo-reviewer-2": "reviewer",
    }


def test_demo_article_is_annotated_by_both_reviewers_and_queued_for_moderation():
    from annotator.models import Annotation, DocumentStatus, GoldSpan, ModerationItem, Relation

    seed()
    article = Document.objects.get(source_filename="un-xinjiang-assessment-news.txt")
    assert article.status == DocumentStatus.IN_MODERATION
    by_reviewer = {
        name: Annotation.objects.filter(document=article, reviewer__username=name).count()
        for name in ("demo-reviewer-1", "demo-reviewer-2")
    }
    assert by_reviewer == {"demo-reviewer-1": 11, "demo-reviewer-2": 11}
    for annotation in Annotation.objects.filter(document=article):
        assert article.text[annotation.start : annotation.end] == annotation.quote
    kinds = {
        kind for item in ModerationItem.objects.filter(document=article) for kind in item.kinds
    }
    assert kinds == {"label", "boundary", "missing"}
    # Four violations and the victims, perpetrator and place the incidents name.
    assert GoldSpan.objects.filter(document=article, origin="unanimous").count() == 7
    relations = {
        (relation.reviewer.username, relation.source.quote[:12], relation.relation_type.code)
        for relation in Relation.objects.filter(document=article).select_related(
            "reviewer", "source", "relation_type"
        )
    }
    assert relations == {
        ("demo-reviewer-1", "China has fi", "denies"),
        ("demo-reviewer-2", "China has fi", "denies"),
        ("demo-reviewer-2", "interned in ", "corroborates"),
    }
    # Both linked the denial alike: gold at once; only one saw corroboration: an item.
    from annotator.models import GoldRelation, IncidentItem, RelationItem

    assert GoldRelation.objects.filter(document=article, relation_type__code="denies").count() == 1
    assert list(RelationItem.objects.filter(document=article).values_list("kinds", flat=True)) == [
        ["missing"]
    ]
    # The incidents differ in the place: one incident item.
    (incident_item,) = IncidentItem.objects.filter(document=article)
    assert incident_item.kinds == ["roles"]
    others = Document.objects.exclude(pk=article.pk)
    assert not Annotation.objects.filter(document__in=others).exists()

    before = (Annotation.objects.count(), ModerationItem.objects.count(), GoldSpan.objects.count())
    seed()
    after = (Annotation.objects.count(), ModerationItem.objects.count(), GoldSpan.objects.count())
    assert after == before
