"""The taxonomy page's relation types: listed, added, edited, retired and brought back by
managers only, each change checked as a taxonomy file is, audited and a new taxonomy
version; and the category form's group (violation or entity)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotator.models import (
    AuditEvent,
    Category,
    CategoryGroup,
    Project,
    RelationType,
    Role,
    TaxonomyVersion,
)
from annotator.services.relation_type_edits import relation_type_create, relation_type_update
from annotator.services.relations import relation_create
from annotator.taxonomy_relations import taxonomy_file_from_data
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    client_for,
    make_annotation,
    make_document,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    project = ProjectFactory(slug="rel")
    users = {name: UserFactory(username=name) for name in ("manager", "moderator", "reviewer")}
    for name, role in (
        ("manager", Role.MANAGER),
        ("moderator", Role.MODERATOR),
        ("reviewer", Role.REVIEWER),
    ):
        MembershipFactory(project=project, user=users[name], role=role)
    categories = {
        code: CategoryFactory(project=project, code=code, name=code.title(), order=order)
        for order, code in enumerate(("allegation", "denial", "victim"))
    }
    return {"project": project, "users": users, "categories": categories}


def url(name: str, project: Project, **kwargs) -> str:
    return reverse(name, kwargs={"project_slug": project.slug, **kwargs})


def form(**fields) -> dict:
    return {"name": "", "definition": "", **fields}


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def versions(project: Project) -> int:
    return TaxonomyVersion.objects.filter(project=project).count()


def nothing_written(project: Project, *, types: int = 0, version_count: int = 0) -> None:
    assert RelationType.objects.filter(project=project).count() == types
    assert versions(project) == version_count
    assert not AuditEvent.objects.filter(action__startswith="relation_type.").exists()


def test_a_manager_adds_a_directed_relation_type_audited_and_versioned(world):
    project, client = world["project"], client_for(world["users"]["manager"])
    response = client.post(
        url("relation_type_new", project),
        form(
            code="denies",
            name="Denies",
            definition="A denial of the allegation it points to.",
            source_categories=["denial"],
            target_categories=["allegation"],
        ),
    )
    denies = RelationType.objects.get(project=project, code="denies")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#relation-type-{denies.pk}")
    assert not denies.symmetric
    assert [c.code for c in denies.source_categories.all()] == ["denial"]
    assert [c.code for c in denies.target_categories.all()] == ["allegation"]
    [created] = events("relation_type.create")
    assert created.before is None
    assert created.after["source_categories"] == ["denial"]
    assert created.after["target_categories"] == ["allegation"]
    assert versions(project) == 1
    taxonomy = TaxonomyVersion.objects.get(project=project).taxonomy
    assert taxonomy["relation_types"] == [
        {
            "code": "denies",
            "name": "Denies",
            "definition": "A denial of the allegation it points to.",
            "source_categories": ["denial"],
            "target_categories": ["allegation"],
        }
    ]
    # The version is a taxonomy file that reads back.
    assert [s.code for s in taxonomy_file_from_data(taxonomy).relation_types] == ["denies"]


def test_a_symmetric_type_has_one_list_for_both_ends(world):
    project, client = world["project"], client_for(world["users"]["manager"])
    client.post(
        url("relation_type_new", project),
        form(
            code="same_incident",
            name="Same incident",
            symmetric="on",
            source_categories=["allegation", "victim"],
        ),
    )
    same = RelationType.objects.get(project=project, code="same_incident")
    assert same.symmetric
    assert {c.code for c in same.source_categories.all()} == {"allegation", "victim"}
    assert {c.code for c in same.target_categories.all()} == {"allegation", "victim"}
    page = client.get(url("relation_type_edit", project, pk=same.pk))
    assert page.context["form"].initial["target_categories"] == [], "one list is shown"


def test_a_manager_edits_retires_and_restores_a_relation_type(world):
    project, client = world["project"], client_for(world["users"]["manager"])
    manager = world["users"]["manager"]
    denies = relation_type_create(
        project=project,
        code="denies",
        name="Denies",
        target_categories=["allegation"],
        actor=manager,
    )
    edit = url("relation_type_edit", project, pk=denies.pk)
    page = client.get(edit)
    assert page.status_code == 200
    assert "code" not in page.context["form"].fields, "the code is fixed once it exists"
    response = client.post(
        edit,
        form(
            code="renamed",
            name="Officially denies",
            source_categories=["denial"],
            target_categories=["allegation"],
        ),
    )
    assert response.status_code == 302
    denies.refresh_from_db()
    assert (denies.code, denies.name) == ("denies", "Officially denies")
    assert [c.code for c in denies.source_categories.all()] == ["denial"]
    [update] = events("relation_type.update")
    assert update.before["name"] == "Denies"
    assert update.before["source_categories"] == []
    assert update.after["name"] == "Officially denies"
    assert update.after["source_categories"] == ["denial"]
    assert versions(project) == 2
    # The same form again changes nothing: no event, no version.
    client.post(
        edit,
        form(
            name="Officially denies", source_categories=["denial"], target_categories=["allegation"]
        ),
    )
    assert versions(project) == 2
    retire = url("relation_type_retire", project, pk=denies.pk)
    assert client.post(retire, {"retired": "1"}).status_code == 302
    denies.refresh_from_db()
    assert denies.retired
    html = client.get(url("project_taxonomy", project)).content.decode()
    assert 'aria-label="Restore the relation type Officially denies"' in html
    client.post(retire, {"retired": "0"})
    denies.refresh_from_db()
    assert not denies.retired
    retirements = events("relation_type.update")[1:]
    assert [(e.before["retired"], e.after["retired"]) for e in retirements] == [
        (False, True),
        (True, False),
    ]
    assert versions(project) == 4
    assert [c.code for c in denies.source_categories.all()] == ["denial"], "ends kept"


@pytest.mark.parametrize("who", ["moderator", "reviewer"])
def test_only_managers_change_relation_types(world, who):
    project, client = world["project"], client_for(world["users"][who])
    denies = relation_type_create(
        project=project, code="denies", name="Denies", actor=world["users"]["manager"]
    )
    before = versions(project)
    assert client.get(url("project_taxonomy", project)).status_code == 403
    assert client.get(url("relation_type_new", project)).status_code == 403
    assert (
        client.post(url("relation_type_new", project), form(code="x", name="X")).status_code == 403
    )
    edit = url("relation_type_edit", project, pk=denies.pk)
    assert client.get(edit).status_code == 403
    assert client.post(edit, form(name="Changed")).status_code == 403
    retire = url("relation_type_retire", project, pk=denies.pk)
    assert client.post(retire, {"retired": "1"}).status_code == 403
    denies.refresh_from_db()
    assert (denies.name, denies.retired) == ("Denies", False)
    assert RelationType.objects.count() == 1
    assert versions(project) == before


def test_another_projects_relation_type_is_not_found(world):
    other = ProjectFactory(slug="other")
    theirs = relation_type_create(project=other, code="denies", name="Denies", actor=None)
    client = client_for(world["users"]["manager"])
    edit = url("relation_type_edit", world["project"], pk=theirs.pk)
    assert client.get(edit).status_code == 404
    retire = url("relation_type_retire", world["project"], pk=theirs.pk)
    assert client.post(retire, {"retired": "1"}).status_code == 404


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"code": "no spaces"}, "code", "letters, digits, hyphens or underscores"),
        ({"code": "x" * 65}, "code", "at most 64 characters"),
        ({"code": "victim"}, "code", "The category 'victim' has this code"),
        ({"name": ""}, "name", "This field is required"),
        (
            {"symmetric": "on", "source_categories": ["victim"], "target_categories": ["denial"]},
            "target_categories",
            "A symmetric relation type has no source or target to tell apart",
        ),
        ({"source_categories": ["unknown"]}, "source_categories", "Select a valid choice"),
        ({"target_categories": ["unknown"]}, "target_categories", "Select a valid choice"),
    ],
    ids=["bad code", "long code", "category code", "no name", "symmetric ends", "src", "tgt"],
)
def test_invalid_input_is_a_form_error_and_writes_nothing(world, fields, field, message):
    project, client = world["project"], client_for(world["users"]["manager"])
    response = client.post(
        url("relation_type_new", project), form(**{"code": "denies", "name": "Denies", **fields})
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert message in " ".join(errors[field]), errors
    assert message.split("'")[0] in response.content.decode(), "shown on the page"
    nothing_written(project)


def test_a_code_another_relation_type_has_is_refused(world):
    project, client = world["project"], client_for(world["users"]["manager"])
    relation_type_create(project=project, code="denies", name="Denies", actor=None)
    response = client.post(url("relation_type_new", project), form(code="denies", name="Again"))
    assert response.status_code == 200
    assert (
        "Another relation type has the code 'denies'" in response.context["form"].errors["code"][0]
    )
    assert RelationType.objects.filter(project=project).count() == 1
    assert versions(project) == 1


def test_an_invalid_edit_is_a_form_error_and_writes_nothing(world):
    project, client = world["project"], client_for(world["users"]["manager"])
    same = relation_type_create(
        project=project, code="same", name="Same", symmetric=True, actor=None
    )
    response = client.post(
        url("relation_type_edit", project, pk=same.pk),
        form(
            name="Renamed",
            symmetric="on",
            source_categories=["victim"],
            target_categories=["denial"],
        ),
    )
    assert response.status_code == 200
    assert "target_categories" in response.context["form"].errors
    same.refresh_from_db()
    assert same.name == "Same"
    assert not events("relation_type.update")
    assert versions(project) == 1


def test_the_services_check_what_the_form_does(world):
    project = world["project"]
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="no category 'nowhere'"):
        relation_type_create(
            project=project, code="denies", name="D", source_categories=["nowhere"], actor=None
        )
    with pytest.raises(ValidationError, match="symmetric"):
        relation_type_create(
            project=project,
            code="same",
            name="Same",
            symmetric=True,
            source_categories=["victim"],
            target_categories=["denial"],
            actor=None,
        )
    with pytest.raises(ValidationError, match="has this code"):
        relation_type_create(project=project, code="denial", name="D", actor=None)
    nothing_written(project)


def test_a_type_with_relations_keeps_its_direction_and_what_they_link(world):
    project, manager = world["project"], world["users"]["manager"]
    reviewer, categories = world["users"]["reviewer"], world["categories"]
    denies = relation_type_create(project=project, code="denies", name="Denies", actor=manager)
    document = make_document(project, "The army denied that he was detained.")
    denial = make_annotation(document, reviewer, categories["denial"], 0, 15)
    allegation = make_annotation(document, reviewer, categories["allegation"], 21, 37)
    relation_create(
        document=document,
        reviewer=reviewer,
        source_id=denial.pk,
        target_id=allegation.pk,
        relation_type=denies,
    )
    page = client_for(manager).get(url("relation_type_edit", project, pk=denies.pk))
    assert page.context["form"].fields["symmetric"].disabled
    fields = {
        "name": "Denies",
        "definition": "",
        "symmetric": False,
        "source_categories": ["victim"],
        "target_categories": ["allegation"],
        "retired": False,
    }
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="'denial' at this end") as refused:
        relation_type_update(relation_type=denies, **fields, actor=manager)
    assert set(refused.value.message_dict) == {"source_categories"}
    with pytest.raises(ValidationError, match="keeps its direction"):
        relation_type_update(
            relation_type=denies,
            **{**fields, "symmetric": True, "source_categories": []},
            actor=manager,
        )
    # Widening, or narrowing to what the relations have, is allowed.
    relation_type_update(
        relation_type=denies, **{**fields, "source_categories": ["denial"]}, actor=manager
    )
    assert [c.code for c in denies.source_categories.all()] == ["denial"]


def test_the_page_lists_the_types_at_the_same_cost_however_many(world):
    project, client = world["project"], client_for(world["users"]["manager"])
    page = url("project_taxonomy", project)
    relation_type_create(
        project=project,
        code="t0",
        name="Type 0",
        source_categories=["denial"],
        target_categories=["allegation"],
        actor=None,
    )
    with CaptureQueriesContext(connection) as one:
        assert client.get(page).status_code == 200
    for number in range(1, 12):
        relation_type_create(
            project=project,
            code=f"t{number}",
            name=f"Type {number}",
            symmetric=number % 2 == 0,
            source_categories=["denial", "victim"],
            target_categories=[] if number % 2 == 0 else ["allegation"],
            actor=None,
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get(page)
    assert len(many.captured_queries) == len(one.captured_queries)
    html = response.content.decode()
    assert html.count('data-relation-type="') == 12
    row = html[html.index('data-relation-type="t0"') :]
    row = row[: row.index("</tr>")]
    for shown in ("Type 0", "<code>t0</code>", "Directed", "Denial", "Allegation", "Retire"):
        assert shown in row, shown
    assert "Symmetric" in html[html.index('data-relation-type="t2"') :]


def test_every_control_has_a_label(world):
    """Keyboard and screen-reader users reach every control by its name: each input of the
    relation type form has a label, and each row's buttons say which type they act on."""
    project, client = world["project"], client_for(world["users"]["manager"])
    relation_type_create(project=project, code="denies", name="Denies", actor=None)
    for page in (url("relation_type_new", project), url("project_taxonomy", project)):
        html = client.get(page).content.decode()
        ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
        # Hidden fields need none, and a submit button's label is its value.
        hidden = set(re.findall(r'<input type="(?:hidden|submit)"[^>]*\bid="([^"]+)"', html))
        labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
        assert ids, page
        assert not [i for i in ids if i not in labelled and i not in hidden], page
    taxonomy = client.get(url("project_taxonomy", project)).content.decode()
    assert 'aria-label="Edit the relation type Denies"' in taxonomy
    assert 'aria-label="Retire the relation type Denies"' in taxonomy
    assert "Add a relation type" in taxonomy


# --- The category form's group ----------------------------------------------------------


def category_form(**fields) -> dict:
    return {"code": "", "name": "", "definition": "", "colour": "#0072B2", "shortcut": "", **fields}


def test_a_category_gets_a_group_and_a_subcategory_is_in_its_parents(world):
    project, client = world["project"], client_for(world["users"]["manager"])
    taxonomy = url("project_taxonomy", project)
    victim = world["categories"]["victim"]
    response = client.post(
        url("category_edit", project, pk=victim.pk),
        category_form(code="victim", name="Victim", group="entity"),
    )
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.group == CategoryGroup.ENTITY
    [update] = events("category.update")
    assert (update.before["group"], update.after["group"]) == ("violation", "entity")
    # A subcategory without a group given takes its parent's.
    client.post(taxonomy, category_form(code="child", name="Child", parent=str(victim.pk)))
    child = Category.objects.get(project=project, code="child")
    assert child.group == CategoryGroup.ENTITY
    client.post(
        taxonomy, category_form(code="orphan", name="Orphan", parent=str(victim.pk), group="")
    )
    assert Category.objects.get(code="orphan").group == CategoryGroup.ENTITY, "its parent's"
    # Another group than its parent's is refused, on the field, and nothing is written.
    before = versions(project)
    response = client.post(
        taxonomy,
        category_form(code="minor", name="Minor", parent=str(victim.pk), group="violation"),
    )
    assert response.status_code == 200
    assert "in its parent's group" in response.context["form"].errors["group"][0]
    assert not Category.objects.filter(project=project, code="minor").exists()
    assert versions(project) == before


def test_a_category_takes_its_subcategories_to_its_new_group(world):
    project, client = world["project"], client_for(world["users"]["manager"])
    allegation = world["categories"]["allegation"]
    child = CategoryFactory(project=project, code="beating", parent=allegation)
    grandchild = CategoryFactory(project=project, code="whipping", parent=child)
    client.post(
        url("category_edit", project, pk=allegation.pk),
        category_form(code="allegation", name="Allegation", group="entity"),
    )
    groups = dict(
        Category.objects.filter(pk__in=[allegation.pk, child.pk, grandchild.pk]).values_list(
            "code", "group"
        )
    )
    assert groups == {"allegation": "entity", "beating": "entity", "whipping": "entity"}
    assert sorted(e.after["code"] for e in events("category.update")) == [
        "allegation",
        "beating",
        "whipping",
    ]
    # The version is a taxonomy file that reads back.
    latest = TaxonomyVersion.objects.filter(project=project).order_by("-number").first()
    assert taxonomy_file_from_data(latest.taxonomy)


def test_a_category_cannot_take_a_relation_types_code(world):
    project, client = world["project"], client_for(world["users"]["manager"])
    relation_type_create(project=project, code="denies", name="Denies", actor=None)
    response = client.post(url("project_taxonomy", project), category_form(code="denies", name="D"))
    assert response.status_code == 200
    assert "The relation type 'denies' has this code" in response.context["form"].errors["code"][0]
    assert not Category.objects.filter(project=project, code="denies").exists()
