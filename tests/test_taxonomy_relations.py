"""Relation types and category groups in the taxonomy file: parsed, checked (every problem
at once), loaded, versioned and written back."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from annotator.models import Category, RelationType
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import TaxonomyError, parse_taxonomy, taxonomy_from_data
from annotator.taxonomy_relations import (
    RelationTypeSpec,
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
    children:
      - code: house_arrest
        name: House arrest
  - code: torture
    name: Torture
  - code: victim
    name: Victim
    group: entity
    children:
      - code: minor
        name: Minor
relation_types:
  - code: denies
    name: Denies
    definition: An official statement denying the allegation it points to.
    source_categories: [detention, torture]
    target_categories: [detention, torture]
  - code: same_incident
    name: Same incident
    symmetric: true
    source_categories: [detention]
  - code: victim_of
    name: Victim of
"""


def test_categories_are_violations_unless_the_file_says_entity_and_children_inherit():
    taxonomy = parse_taxonomy_file(FILE)
    groups = {spec.code: spec.group for spec in taxonomy.categories}
    assert groups == {
        "detention": "violation",
        "house_arrest": "violation",
        "torture": "violation",
        "victim": "entity",
        "minor": "entity",
    }


def test_relation_types_are_read_in_file_order_with_their_ends():
    taxonomy = parse_taxonomy_file(FILE)
    assert taxonomy.lists_relation_types
    denies, same, victim_of = taxonomy.relation_types
    assert denies == RelationTypeSpec(
        code="denies",
        name="Denies",
        definition="An official statement denying the allegation it points to.",
        symmetric=False,
        source_categories=("detention", "torture"),
        target_categories=("detention", "torture"),
        order=0,
    )
    # A symmetric type has one list: given for one end, it is both ends'.
    assert same.symmetric
    assert same.source_categories == same.target_categories == ("detention",)
    assert (victim_of.source_categories, victim_of.target_categories) == ((), ())
    assert victim_of.order == 2


def test_a_file_without_relation_types_stays_valid_and_says_nothing_about_them():
    old = "categories:\n  - code: detention\n    name: Detention\n"
    taxonomy = parse_taxonomy_file(old)
    assert not taxonomy.lists_relation_types
    assert taxonomy.relation_types == []
    assert [spec.code for spec in parse_taxonomy(old)] == ["detention"]
    assert taxonomy_from_data([{"code": "a", "name": "A"}])[0].group == "violation"


def test_every_problem_of_categories_and_relation_types_is_reported_at_once():
    with pytest.raises(TaxonomyError) as refused:
        taxonomy_file_from_data(
            {
                "categories": [
                    {"code": "detention", "name": "Detention", "group": "place"},
                    {"code": "torture", "name": ""},
                    {
                        "code": "victim",
                        "name": "Victim",
                        "group": "entity",
                        "children": [{"code": "camp", "name": "Camp", "group": "violation"}],
                    },
                ],
                "relation_types": [
                    {"code": "denies", "name": "Denies", "source_categories": ["ghost"]},
                    {"code": "denies", "name": "Again"},
                    {"code": "torture", "name": "Clash"},
                    {"code": "bad code!", "name": "Bad", "colour": "#000000"},
                    {
                        "code": "same",
                        "name": "Same",
                        "symmetric": "yes",
                        "target_categories": "detention",
                    },
                    {
                        "code": "twice",
                        "name": "Twice",
                        "symmetric": True,
                        "source_categories": ["detention"],
                        "target_categories": ["victim"],
                    },
                    "not a mapping",
                ],
            }
        )
    problems = refused.value.problems
    assert "category 'detention': group 'place' is not one of violation, entity." in problems
    assert "category 'torture': name is missing." in problems
    assert (
        "relation type 'denies': source_categories names categories the file does not define: "
        "'ghost'." in problems
    )
    assert "relation type 'denies': code is used twice." in problems
    assert "relation type 'torture': code is also a category's; name it otherwise." in problems
    assert any(p.startswith("relation type 'bad code!': code must be 1-64") for p in problems)
    assert "relation type 'bad code!': unknown keys colour." in problems
    assert "relation type 'same': symmetric must be true or false." in problems
    assert "relation type 'same': target_categories must be a list of category codes." in problems
    assert any(p.startswith("relation type 'twice': a symmetric relation type") for p in problems)
    assert "relation_types[6] is not a mapping of relation type fields." in problems


def test_a_subcategory_in_another_group_than_its_parent_is_refused():
    with pytest.raises(TaxonomyError) as refused:
        taxonomy_from_data(
            [
                {"code": "victim", "name": "Victim", "group": "entity"},
                {"code": "camp", "name": "Camp", "group": "violation", "parent": "victim"},
            ]
        )
    assert refused.value.problems == [
        "category 'camp': group 'violation' is not its parent 'victim''s group 'entity'."
    ]


def test_the_file_written_back_reads_back_the_same():
    taxonomy = parse_taxonomy_file(FILE)
    data = taxonomy_file_data(taxonomy.categories, taxonomy.relation_types)
    assert data["categories"][2]["group"] == "entity"
    assert "group" not in data["categories"][2]["children"][0], "inherited, not repeated"
    assert "group" not in data["categories"][0], "the default is not written"
    again = parse_taxonomy_file(taxonomy_file_yaml(taxonomy.categories, taxonomy.relation_types))
    assert again.relation_types == taxonomy.relation_types
    assert sorted(again.categories, key=lambda s: s.code) == sorted(
        taxonomy.categories, key=lambda s: s.code
    )
    # Without relation types the file is what it always was.
    assert set(taxonomy_file_data(taxonomy.categories)) == {"categories"}


def test_seed_taxonomy_has_entities_and_the_default_relation_types():
    taxonomy = parse_taxonomy_file((SEEDS / "taxonomy.yaml").read_bytes())
    entities = [(s.code, s.shortcut) for s in taxonomy.categories if s.group == "entity"]
    assert entities == [("victim", "6"), ("perpetrator", "7"), ("place", "8"), ("date", "9")]
    violations = [s.code for s in taxonomy.categories if s.group == "violation"]
    assert len(violations) == 5
    types = {spec.code: spec for spec in taxonomy.relation_types}
    assert list(types) == ["denies", "corroborates", "same_incident"]
    assert not types["denies"].symmetric
    assert types["same_incident"].symmetric
    assert set(types["denies"].source_categories) == set(violations)
    assert all(len(spec.definition) > 80 for spec in types.values())
    shortcuts = [s.shortcut for s in taxonomy.categories]
    assert len(shortcuts) == len(set(shortcuts)), "no two categories share a key"
    assert len({s.colour for s in taxonomy.categories}) == len(taxonomy.categories)


# --- Loading into a project ------------------------------------------------------------


def _load(project, content, **options):
    taxonomy = parse_taxonomy_file(content)
    return taxonomy_load(
        project=project,
        specs=taxonomy.categories,
        relation_types=taxonomy.relation_types,
        **options,
    )


def _types(project):
    return {
        relation_type.code: (
            relation_type.symmetric,
            sorted(c.code for c in relation_type.source_categories.all()),
            sorted(c.code for c in relation_type.target_categories.all()),
            relation_type.retired,
        )
        for relation_type in RelationType.objects.filter(project=project)
    }


@pytest.mark.django_db
def test_loading_creates_relation_types_and_groups(project):
    report = _load(project, FILE)
    assert report.relation_types.created == ["denies", "same_incident", "victim_of"]
    assert "3 relation types created" in report.summary()
    assert Category.objects.get(project=project, code="minor").group == "entity"
    assert _types(project) == {
        "denies": (False, ["detention", "torture"], ["detention", "torture"], False),
        "same_incident": (True, ["detention"], ["detention"], False),
        "victim_of": (False, [], [], False),
    }
    version = project.taxonomy_versions.order_by("-number").first()
    assert [item["code"] for item in version.taxonomy["relation_types"]] == [
        "denies",
        "same_incident",
        "victim_of",
    ]
    assert _load(project, FILE).changed is False, "loading the same file changes nothing"


@pytest.mark.django_db
def test_loading_updates_retires_and_reports_relation_types(project):
    _load(project, FILE)
    changed = FILE.replace("name: Denies", "name: Denies it").replace(
        "  - code: victim_of\n    name: Victim of\n", ""
    )
    report = _load(project, changed, retire_missing=True)
    assert report.relation_types.updated == ["denies"]
    assert report.relation_types.changes["denies"] == {"name": ("Denies", "Denies it")}
    assert report.relation_types.retired == ["victim_of"]
    assert _types(project)["victim_of"][3] is True
    assert report.version is not None
    # A file that says nothing of relation types leaves them alone, retire_missing or not.
    old = "categories:\n  - code: detention\n    name: Arbitrary detention\n"
    report = _load(project, old, retire_missing=False)
    assert not report.relation_types.changed
    taxonomy = parse_taxonomy_file(old)
    taxonomy_load(project=project, specs=taxonomy.categories, retire_missing=True)
    assert _types(project)["denies"][3] is False


@pytest.mark.django_db
def test_a_relation_type_naming_a_category_the_project_lacks_is_refused(project):
    _load(project, FILE)
    with pytest.raises(TaxonomyError, match="'ghost'"):
        taxonomy_load(
            project=project,
            specs=parse_taxonomy(FILE),
            relation_types=[RelationTypeSpec(code="x", name="X", source_categories=("ghost",))],
        )
    assert not RelationType.objects.filter(code="x").exists()


@pytest.mark.django_db
def test_the_download_is_the_file_and_uploads_back_to_no_change(project):
    from tests.factories import MembershipFactory, UserFactory, client_for

    manager = UserFactory(username="lead")
    MembershipFactory(project=project, user=manager, role="manager")
    _load(project, FILE)
    client = client_for(manager)
    body = client.get(f"/projects/{project.slug}/settings/taxonomy/download/").content
    data = yaml.safe_load(body)
    assert [item["code"] for item in data["relation_types"]] == [
        "denies",
        "same_incident",
        "victim_of",
    ]
    api = client.get(f"/api/v1/projects/{project.slug}/taxonomy").json()
    assert api["relation_types"] == data["relation_types"]
    assert not _load(project, body).changed


@pytest.mark.django_db
def test_the_upload_page_previews_relation_types_then_applies_them(project):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.factories import MembershipFactory, UserFactory, client_for

    manager = UserFactory(username="lead")
    MembershipFactory(project=project, user=manager, role="manager")
    _load(project, FILE)
    client = client_for(manager)
    page = f"/projects/{project.slug}/settings/taxonomy/upload/"
    changed = FILE.replace("name: Denies", "name: Denies it")
    response = client.post(
        page, {"file": SimpleUploadedFile("t.yaml", changed.encode()), "retire_missing": "on"}
    )
    assert response.status_code == 200
    rows = [row for row in response.context["preview_rows"] if row["name"] == "relation type"]
    assert [(row["code"], row["what"]) for row in rows] == [
        ("denies", "updated"),
        ("same_incident", "unchanged"),
        ("victim_of", "unchanged"),
    ]
    assert rows[0]["changes"] == [("name", "Denies", "Denies it")]
    assert RelationType.objects.get(project=project, code="denies").name == "Denies"
    token = response.context["apply_token"]
    assert client.post(page, {"apply": "1", "token": token}).status_code == 302
    assert RelationType.objects.get(project=project, code="denies").name == "Denies it"
