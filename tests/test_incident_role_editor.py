"""The taxonomy page's incident roles: listed, added, edited and deleted (while no incident
fills them) by managers only, each change checked as a taxonomy file is, audited and a new
taxonomy version, through the code paths the relation types' editor uses."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotator.models import AuditEvent, IncidentRole, Project, Role, TaxonomyVersion
from annotator.services.incident_role_edits import (
    incident_role_create,
    incident_role_delete,
    incident_role_update,
)
from annotator.services.incidents import incident_create, incident_slot_add
from annotator.taxonomy_incidents import Involvement
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

TEXT = "Police detained Ablikim and his sister in Kashgar."
DIRECT = Involvement("direct", "Direct")
ALLEGED = Involvement("alleged", "Alleged")


@pytest.fixture
def world():
    project = ProjectFactory(slug="roles")
    users = {name: UserFactory(username=name) for name in ("manager", "moderator", "reviewer")}
    for name, role in (
        ("manager", Role.MANAGER),
        ("moderator", Role.MODERATOR),
        ("reviewer", Role.REVIEWER),
    ):
        MembershipFactory(project=project, user=users[name], role=role)
    categories = {
        code: CategoryFactory(
            project=project, code=code, name=code.title(), order=order, group=group
        )
        for order, (code, group) in enumerate(
            (("detention", "violation"), ("victim", "entity"), ("perpetrator", "entity"))
        )
    }
    categories["relative"] = CategoryFactory(
        project=project,
        code="relative",
        name="Relative",
        group="entity",
        parent=categories["victim"],
    )
    return {"project": project, "users": users, "categories": categories}


def url(name: str, project: Project, **kwargs) -> str:
    return reverse(name, kwargs={"project_slug": project.slug, **kwargs})


def events(action: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


def versions(project: Project) -> int:
    return TaxonomyVersion.objects.filter(project=project).count()


def victims(world, **fields) -> IncidentRole:
    return incident_role_create(
        project=world["project"],
        code="victims",
        name="Victims",
        categories=["victim"],
        multiple=True,
        actor=world["users"]["manager"],
        **fields,
    )


def filled(world, role: IncidentRole, *needles: str, involvement: str = "") -> None:
    """An incident of the reviewer's whose ``role`` is filled with spans of ``needles``."""
    reviewer, categories = world["users"]["reviewer"], world["categories"]
    document = make_document(world["project"], TEXT)
    act = make_annotation(document, reviewer, categories["detention"], 7, 15)
    incident = incident_create(document=document, reviewer=reviewer, act_id=act.pk)
    for needle in needles:
        start = TEXT.index(needle)
        category = categories["relative" if needle == "his sister" else "victim"]
        span = make_annotation(document, reviewer, category, start, start + len(needle))
        incident_slot_add(
            incident_id=incident.pk,
            actor=reviewer,
            role=role,
            annotation_id=span.pk,
            involvement=involvement,
        )


# --- the pages ------------------------------------------------------------------------------


def test_a_manager_adds_a_role_audited_and_versioned(world):
    project, client = world["project"], client_for(world["users"]["manager"])
    response = client.post(
        url("incident_role_new", project),
        {
            "code": "perpetrators",
            "name": "Perpetrators",
            "definition": "Who carried out, ordered or allowed the act.",
            "categories": ["perpetrator"],
            "multiple": "on",
            "involvements": "direct: Direct\n\nalleged: Alleged\n",
        },
    )
    role = IncidentRole.objects.get(project=project, code="perpetrators")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#incident-role-{role.pk}")
    assert role.multiple
    assert role.involvements == [
        {"code": "direct", "name": "Direct"},
        {"code": "alleged", "name": "Alleged"},
    ]
    assert [c.code for c in role.categories.all()] == ["perpetrator"]
    [created] = events("incident_role.create")
    assert created.before is None
    assert created.after["categories"] == ["perpetrator"]
    assert created.project == project
    assert versions(project) == 1
    taxonomy = TaxonomyVersion.objects.get(project=project).taxonomy
    assert taxonomy["incident_roles"][0]["code"] == "perpetrators"
    # The version is a taxonomy file that reads back.
    assert [s.code for s in taxonomy_file_from_data(taxonomy).incident_roles] == ["perpetrators"]

    page = client.get(url("project_taxonomy", project)).content.decode()
    assert 'data-incident-role="perpetrators"' in page
    assert 'aria-label="Edit the incident role Perpetrators"' in page
    assert 'aria-label="Delete the incident role Perpetrators"' in page, "unused: deletable"


def test_a_manager_renames_and_redefines_a_role_and_an_unchanged_save_records_nothing(world):
    project, client = world["project"], client_for(world["users"]["manager"])
    role = victims(world)
    edit = url("incident_role_edit", project, pk=role.pk)
    page = client.get(edit)
    assert page.status_code == 200
    form = page.context["form"]
    assert "code" not in form.fields, "the code is fixed once it exists"
    assert form.initial["categories"] == ["victim"]
    html = page.content.decode()
    for name, label in (
        ("name", "Name"),
        ("definition", "Definition"),
        ("categories", "Categories"),
        ("involvements", "Involvements"),
        ("multiple", "Several spans may fill it"),
    ):
        assert re.search(rf'<label\s+for="id_{name}"[^>]*>\s*{label}', html), f"{name} is labelled"

    before = versions(project)
    response = client.post(
        edit,
        {
            "name": "Victims and relatives",
            "definition": "Who suffered the act.",
            "categories": ["victim", "perpetrator"],
            "multiple": "on",
            "involvements": "alleged: Alleged",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    role.refresh_from_db()
    assert (role.name, role.definition) == ("Victims and relatives", "Who suffered the act.")
    assert role.involvements == [{"code": "alleged", "name": "Alleged"}]
    [updated] = events("incident_role.update")
    assert updated.before["name"] == "Victims"
    assert updated.after["categories"] == ["victim", "perpetrator"]
    assert versions(project) == before + 1

    again = client.post(
        edit,
        {
            "name": "Victims and relatives",
            "definition": "Who suffered the act.",
            "categories": ["victim", "perpetrator"],
            "multiple": "on",
            "involvements": "alleged: Alleged",
        },
    )
    assert again.status_code == 302
    assert len(events("incident_role.update")) == 1, "nothing changed, nothing recorded"
    assert versions(project) == before + 1


def test_a_manager_deletes_an_unused_role_and_is_refused_one_in_use(world):
    project, client = world["project"], client_for(world["users"]["manager"])
    unused = incident_role_create(
        project=project, code="date", name="Date", actor=world["users"]["manager"]
    )
    used = victims(world)
    filled(world, used, "Ablikim")
    before = versions(project)

    response = client.post(url("incident_role_delete", project, pk=unused.pk), follow=True)
    assert not IncidentRole.objects.filter(pk=unused.pk).exists()
    assert "Deleted the incident role “Date”." in response.content.decode()
    [deleted] = events("incident_role.delete")
    assert deleted.before["code"] == "date"
    assert versions(project) == before + 1

    page = client.get(url("project_taxonomy", project)).content.decode()
    assert 'aria-label="Delete the incident role Victims"' not in page, "in use: no button"
    response = client.post(url("incident_role_delete", project, pk=used.pk), follow=True)
    assert IncidentRole.objects.filter(pk=used.pk).exists()
    assert (
        "The incident role &#x27;victims&#x27; is in use (incidents fill it), so it cannot be "
        "deleted; retire it instead."
    ) in response.content.decode()
    assert len(events("incident_role.delete")) == 1
    assert versions(project) == before + 1


@pytest.mark.parametrize("member", ["reviewer", "moderator"])
def test_only_managers_edit_roles(world, member):
    project = world["project"]
    role = victims(world)
    client = client_for(world["users"][member])
    before = versions(project)
    assert client.get(url("incident_role_new", project)).status_code == 403
    assert (
        client.post(url("incident_role_new", project), {"code": "x", "name": "X"}).status_code
        == 403
    )
    assert client.get(url("incident_role_edit", project, pk=role.pk)).status_code == 403
    assert client.post(url("incident_role_delete", project, pk=role.pk)).status_code == 403
    assert IncidentRole.objects.filter(project=project).count() == 1
    assert versions(project) == before
    outsider = client_for(UserFactory(username="outsider"))
    assert outsider.get(url("incident_role_edit", project, pk=role.pk)).status_code == 404


def test_a_role_of_another_project_is_not_found(world):
    other = ProjectFactory(slug="elsewhere")
    theirs = IncidentRole.objects.create(project=other, code="victims", name="Victims")
    client = client_for(world["users"]["manager"])
    assert client.get(url("incident_role_edit", world["project"], pk=theirs.pk)).status_code == 404
    assert (
        client.post(url("incident_role_delete", world["project"], pk=theirs.pk)).status_code == 404
    )
    assert IncidentRole.objects.filter(pk=theirs.pk).exists()


def test_a_malformed_involvement_line_is_a_form_error(world):
    client = client_for(world["users"]["manager"])
    response = client.post(
        url("incident_role_new", world["project"]),
        {"code": "perpetrators", "name": "Perpetrators", "involvements": "direct Direct"},
    )
    assert response.status_code == 200
    assert "Line 1 has no colon" in str(response.context["form"].errors["involvements"])
    response = client.post(
        url("incident_role_new", world["project"]),
        {"code": "perpetrators", "name": "Perpetrators", "involvements": "a b: A\ndirect:"},
    )
    errors = " ".join(response.context["form"].errors["involvements"])
    assert "'a b': a code is" in errors
    assert "'direct' has no name." in errors
    assert not IncidentRole.objects.exists()
    assert not events("incident_role.create")


def test_the_taxonomy_page_lists_roles_in_a_count_of_queries_that_does_not_grow(world):
    client = client_for(world["users"]["manager"])
    page = url("project_taxonomy", world["project"])
    victims(world)
    with CaptureQueriesContext(connection) as one:
        assert client.get(page).status_code == 200
    for number in range(4):
        incident_role_create(
            project=world["project"],
            code=f"role{number}",
            name=f"Role {number}",
            categories=["victim", "perpetrator"],
            actor=None,
        )
    with CaptureQueriesContext(connection) as five:
        assert client.get(page).status_code == 200
    assert len(five) == len(one), "\n".join(q["sql"][:200] for q in five.captured_queries)


# --- the service's rules --------------------------------------------------------------------


def test_a_new_role_code_is_checked_as_a_file_checks_it(world):
    from django.core.exceptions import ValidationError

    victims(world)
    for code, message in (
        ("victims", "Another incident role has the code 'victims'."),
        ("two words", "A code is 1-64 letters, digits, hyphens or underscores"),
    ):
        with pytest.raises(ValidationError, match=message):
            incident_role_create(project=world["project"], code=code, name="X", actor=None)
    with pytest.raises(ValidationError, match="This project has no category 'ghost'"):
        incident_role_create(
            project=world["project"], code="ghosts", name="Ghosts", categories=["ghost"], actor=None
        )
    with pytest.raises(ValidationError, match="is given twice"):
        incident_role_create(
            project=world["project"],
            code="perpetrators",
            name="Perpetrators",
            involvements=[DIRECT, DIRECT],
            actor=None,
        )
    assert IncidentRole.objects.filter(project=world["project"]).count() == 1


def test_a_role_in_use_keeps_fitting_its_incidents(world):
    from django.core.exceptions import ValidationError

    role = victims(world, involvements=[DIRECT, ALLEGED])
    filled(world, role, "Ablikim", "his sister", involvement="alleged")
    current = {
        "name": "Victims",
        "definition": "",
        "categories": ["victim"],
        "multiple": True,
        "involvements": [DIRECT, ALLEGED],
        "retired": False,
        "actor": None,
    }
    before = versions(world["project"])
    refusals = (
        ({"multiple": False}, "multiple", "several spans"),
        ({"involvements": [DIRECT]}, "involvements", "'alleged'"),
        ({"categories": ["perpetrator"]}, "categories", "'relative', 'victim'"),
    )
    for change, field, message in refusals:
        with pytest.raises(ValidationError) as refused:
            incident_role_update(role=role, **{**current, **change})
        assert message in " ".join(refused.value.message_dict[field])
    assert versions(world["project"]) == before
    assert not events("incident_role.update")

    # A subcategory's span fits its parent; a list widened, or emptied (any), always fits.
    incident_role_update(role=role, **{**current, "categories": ["victim", "perpetrator"]})
    incident_role_update(role=role, **{**current, "categories": [], "retired": True})
    role.refresh_from_db()
    assert role.retired
    assert list(role.categories.all()) == []
    assert len(events("incident_role.update")) == 2
    with pytest.raises(ValidationError, match="is in use"):
        incident_role_delete(role=role, actor=None)
