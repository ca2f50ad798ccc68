"""Incident roles in the taxonomy file: parsed, checked (every problem at once, with the
categories' and relation types'), loaded, versioned and written back."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from annotator.models import AuditEvent, IncidentRole
from annotator.services.taxonomy import taxonomy_load, taxonomy_preview
from annotator.taxonomy import TaxonomyError
from annotator.taxonomy_incidents import IncidentRoleSpec, Involvement
from annotator.taxonomy_relations import (
    parse_taxonomy_file,
    taxonomy_file_data,
    taxonomy_file_from_data,
    taxonomy_file_yaml,
)

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

FILE = """
categories:
  - code: detention
    name: Arbitrary detention
  - code: perpetrator
    name: Perpetrator
    group: entity
    children:
      - code: police
        name: Police
  - code: victim
    name: Victim
    group: entity
incident_roles:
  - code: victims
    name: Victims
    definition: Whom the act was committed against.
    categories: [victim]
    multiple: true
  - code: perpetrators
    name: Perpetrators
    categories: [perpetrator]
    multiple: true
    involvements:
      - {code: direct, name: Direct}
      - {code: indirect, name: Indirect}
  - code: source
    name: Source
"""


def test_incident_roles_are_read_in_file_order():
    taxonomy = parse_taxonomy_file(FILE)
    assert taxonomy.lists_incident_roles
    assert not taxonomy.lists_relation_types
    assert taxonomy.incident_roles == [
        IncidentRoleSpec(
            code="victims",
            name="Victims",
            definition="Whom the act was committed against.",
            categories=("victim",),
            multiple=True,
            order=0,
        ),
        IncidentRoleSpec(
            code="perpetrators",
            name="Perpetrators",
            categories=("perpetrator",),
            multiple=True,
            involvements=(Involvement("direct", "Direct"), Involvement("indirect", "Indirect")),
            order=1,
        ),
        IncidentRoleSpec(code="source", name="Source", order=2),
    ]


def test_a_file_without_incident_roles_says_nothing_about_them():
    taxonomy = parse_taxonomy_file("categories:\n  - code: detention\n    name: Detention\n")
    assert (taxonomy.incident_roles, taxonomy.lists_incident_roles) == ([], False)


def test_every_problem_of_the_file_is_reported_at_once():
    data = {
        "categories": [{"code": "detention", "name": ""}],
        "relation_types": [{"code": "denies"}],
        "incident_roles": [
            {"code": "victims", "name": "Victims", "categories": ["ghost"], "colour": "red"},
            {"code": "victims", "name": "Again", "multiple": "yes"},
            {"code": "bad code!", "name": ""},
            {
                "code": "perpetrators",
                "name": "Perpetrators",
                "involvements": [
                    {"code": "direct", "name": "Direct"},
                    {"code": "direct", "name": "Twice"},
                    {"code": "x", "name": "X", "extra": 1},
                    {"code": "", "name": "Nameless code"},
                ],
            },
            {"code": "date", "name": "Date", "categories": "date", "involvements": "direct"},
            "not a mapping",
        ],
    }
    with pytest.raises(TaxonomyError) as error:
        taxonomy_file_from_data(data)
    problems = error.value.problems
    expected = [
        "'detention'",  # the category's missing name
        "relation type 'denies': name is missing.",
        "incident role 'victims': categories names categories the file does not define: 'ghost'.",
        "incident role 'victims': unknown keys colour.",
        "incident role 'victims': code is used twice.",
        "incident role 'victims': multiple must be true or false.",
        "incident role 'bad code!': code must be",
        "incident role 'bad code!': name is missing.",
        "incident role 'perpetrators', involvement 'direct': code is used twice.",
        "incident role 'perpetrators': involvement #3 must be a mapping of code and name only.",
        "incident role 'perpetrators', involvement #4: code must be",
        "incident role 'date': categories must be a list of category codes.",
        "incident role 'date': involvements must be a list of codes with names.",
        "incident_roles[5] is not a mapping of incident role fields.",
    ]
    for fragment in expected:
        assert any(fragment in problem for problem in problems), (fragment, problems)


def test_incident_roles_must_be_a_list():
    with pytest.raises(TaxonomyError, match="incident_roles must be a list"):
        taxonomy_file_from_data({"categories": [], "incident_roles": {"code": "x"}})


def test_the_file_written_back_reads_back_the_same():
    taxonomy = parse_taxonomy_file(FILE)
    data = taxonomy_file_data(taxonomy.categories, (), taxonomy.incident_roles)
    assert data["incident_roles"][2] == {"code": "source", "name": "Source"}
    assert "relation_types" not in data
    again = taxonomy_file_from_data(data)
    assert again.incident_roles == taxonomy.incident_roles
    text = taxonomy_file_yaml(taxonomy.categories, (), taxonomy.incident_roles)
    assert parse_taxonomy_file(text).incident_roles == taxonomy.incident_roles


def test_the_seed_taxonomy_has_the_default_roles():
    taxonomy = parse_taxonomy_file((SEEDS / "taxonomy.yaml").read_bytes())
    roles = {spec.code: spec for spec in taxonomy.incident_roles}
    assert list(roles) == ["victims", "perpetrators", "place", "date", "source"]
    assert roles["victims"].categories == ("victim",)
    assert roles["victims"].multiple
    assert [i.code for i in roles["perpetrators"].involvements] == ["direct", "indirect", "alleged"]
    assert not roles["place"].multiple
    assert not roles["date"].multiple
    assert roles["source"].categories == (), "any span may be a source"
    assert all(spec.definition for spec in taxonomy.incident_roles)


def _load(project, text, **options):
    taxonomy = parse_taxonomy_file(text)
    return taxonomy_load(
        project=project,
        specs=taxonomy.categories,
        relation_types=taxonomy.relation_types if taxonomy.lists_relation_types else None,
        incident_roles=taxonomy.incident_roles if taxonomy.lists_incident_roles else None,
        **options,
    )


def _roles(project):
    return {
        role.code: (
            sorted(role.categories.values_list("code", flat=True)),
            role.multiple,
            role.involvements,
            role.retired,
        )
        for role in IncidentRole.objects.filter(project=project)
    }


@pytest.mark.django_db
def test_loading_creates_roles_versions_them_and_changes_nothing_twice(project):
    report = _load(project, FILE)
    assert report.incident_roles.created == ["victims", "perpetrators", "source"]
    assert "3 incident roles created" in report.summary()
    assert _roles(project) == {
        "victims": (["victim"], True, [], False),
        "perpetrators": (
            ["perpetrator"],
            True,
            [{"code": "direct", "name": "Direct"}, {"code": "indirect", "name": "Indirect"}],
            False,
        ),
        "source": ([], False, [], False),
    }
    event = AuditEvent.objects.filter(action="taxonomy.load").order_by("-pk").first()
    assert event.after["incident_roles"]["created"] == ["victims", "perpetrators", "source"]
    version = project.taxonomy_versions.order_by("-number").first()
    assert [item["code"] for item in version.taxonomy["incident_roles"]] == [
        "victims",
        "perpetrators",
        "source",
    ]
    assert _load(project, FILE).changed is False, "loading the same file changes nothing"


@pytest.mark.django_db
def test_loading_updates_retires_and_reports_roles(project):
    _load(project, FILE)
    changed = FILE.replace("{code: indirect, name: Indirect}", "{code: alleged, name: Alleged}")
    changed = changed.replace("  - code: source\n    name: Source\n", "")
    preview = taxonomy_preview(
        project=project,
        specs=parse_taxonomy_file(changed).categories,
        incident_roles=parse_taxonomy_file(changed).incident_roles,
        retire_missing=True,
    )
    assert preview.incident_roles.updated == ["perpetrators"]
    assert _roles(project)["perpetrators"][2][1]["code"] == "indirect", "a preview writes nothing"
    report = _load(project, changed, retire_missing=True)
    assert report.incident_roles.changes["perpetrators"] == {
        "involvements": (
            [{"code": "direct", "name": "Direct"}, {"code": "indirect", "name": "Indirect"}],
            [{"code": "direct", "name": "Direct"}, {"code": "alleged", "name": "Alleged"}],
        )
    }
    assert report.incident_roles.retired == ["source"]
    assert _roles(project)["source"][3] is True
    # A file that says nothing of incident roles leaves them alone.
    old = "categories:\n  - code: detention\n    name: Arbitrary detention\n"
    assert not _load(project, old).incident_roles.changed
    assert _roles(project)["victims"][3] is False


@pytest.mark.django_db
def test_a_role_naming_a_category_the_project_lacks_is_refused(project):
    _load(project, FILE)
    with pytest.raises(TaxonomyError, match="'ghost'"):
        taxonomy_load(
            project=project,
            specs=parse_taxonomy_file(FILE).categories,
            incident_roles=[IncidentRoleSpec(code="x", name="X", categories=("ghost",))],
        )
    assert not IncidentRole.objects.filter(code="x").exists()


@pytest.mark.django_db
def test_the_api_gives_the_roles_and_takes_them_back_unchanged(project):
    import json

    from tests.factories import MembershipFactory, UserFactory, client_for

    manager = UserFactory(username="lead")
    MembershipFactory(project=project, user=manager, role="manager")
    _load(project, FILE)
    client = client_for(manager)
    data = client.get(f"/api/v1/projects/{project.slug}/taxonomy").json()
    assert [item["code"] for item in data["incident_roles"]] == [
        "victims",
        "perpetrators",
        "source",
    ]
    body = {key: data[key] for key in ("categories", "relation_types", "incident_roles")}
    response = client.put(
        f"/api/v1/projects/{project.slug}/taxonomy",
        json.dumps({**body, "dry_run": True}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["incident_roles"]["unchanged"] == ["victims", "perpetrators", "source"]
    assert response.json()["applied"] is False


@pytest.mark.django_db
def test_the_taxonomy_page_downloads_incident_roles_and_applies_an_uploaded_file_with_them(
    project,
):
    """The page's download holds the roles, and an upload through the page (preview, kept in
    the session, then Apply) loads them: neither drops them on the way."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import MembershipFactory, UserFactory, client_for

    manager = UserFactory(username="lead")
    MembershipFactory(project=project, user=manager, role="manager")
    seeds = Path(__file__).resolve().parents[1] / "seeds" / "taxonomy.yaml"
    client = client_for(manager)
    page = f"/projects/{project.slug}/settings/taxonomy/upload/"
    response = client.post(page, {"file": SimpleUploadedFile("t.yaml", seeds.read_bytes())})
    assert response.status_code == 200
    token = response.context["apply_token"]
    assert client.post(page, {"apply": "1", "token": token}).status_code == 302
    roles = list(IncidentRole.objects.filter(project=project).values_list("code", flat=True))
    assert roles == ["victims", "perpetrators", "place", "date", "source"]
    body = client.get(f"/projects/{project.slug}/settings/taxonomy/download/").content
    downloaded = yaml.safe_load(body)
    assert [role["code"] for role in downloaded["incident_roles"]] == roles
    perpetrators = next(r for r in downloaded["incident_roles"] if r["code"] == "perpetrators")
    assert perpetrators["involvements"], "the involvements travel with their role"
