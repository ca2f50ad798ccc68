import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from annotator.models import Category
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import TaxonomyError, parse_taxonomy, taxonomy_from_data
from tests.factories import CategoryFactory

SEEDS = Path(__file__).resolve().parent.parent / "seeds"

NESTED_YAML = """
categories:
  - code: detention
    name: Arbitrary detention
    colour: "#0072b2"
    shortcut: "1"
    definition: Deprivation of liberty without legal basis.
    children:
      - code: enforced_disappearance
        name: Enforced disappearance
      - code: house_arrest
        name: House arrest
  - code: torture
    name: Torture and ill-treatment
    shortcut: "2"
"""


def test_nested_yaml_is_flattened_parents_first_in_file_order():
    specs = parse_taxonomy(NESTED_YAML, filename="taxonomy.yaml")
    assert [(s.code, s.parent, s.order) for s in specs] == [
        ("detention", None, 0),
        ("torture", None, 3),
        ("enforced_disappearance", "detention", 1),
        ("house_arrest", "detention", 2),
    ]
    assert specs[0].colour == "#0072B2"
    assert specs[0].definition == "Deprivation of liberty without legal basis."
    assert specs[1].colour == "#0072B2"  # the default


def test_json_with_parent_keys_is_accepted():
    content = json.dumps(
        [
            {"code": "child", "name": "Child", "parent": "root"},
            {"code": "root", "name": "Root", "color": "#E69F00"},
        ]
    )
    specs = parse_taxonomy(content, filename="taxonomy.json")
    assert [(s.code, s.parent) for s in specs] == [("root", None), ("child", "root")]
    assert specs[0].colour == "#E69F00"


def test_every_problem_is_reported_at_once():
    with pytest.raises(TaxonomyError) as error:
        taxonomy_from_data(
            {
                "categories": [
                    {"code": "a", "name": "A", "shortcut": "1"},
                    {"code": "a", "name": "Again", "shortcut": "1"},
                    {"code": "bad code!", "name": "B"},
                    {"code": "c", "name": "", "colour": "red"},
                    {"code": "d", "name": "D", "shortcut": "12", "parent": "missing"},
                    {"code": "e", "name": "E", "flavour": "x"},
                ]
            }
        )
    problems = "\n".join(error.value.problems)
    assert "category 'a': code is used twice." in problems
    assert "shortcut '1' is already used by 'a'" in problems
    assert "category 'bad code!': code must be" in problems
    assert "category 'c': name is missing." in problems
    assert "category 'c': colour 'red' is not #RRGGBB." in problems
    assert "category 'd': shortcut '12' must be a single key." in problems
    assert "category 'e': unknown keys flavour." in problems


def test_undefined_parent_and_cycles_are_refused():
    with pytest.raises(TaxonomyError, match="parent 'ghost' is not defined"):
        taxonomy_from_data([{"code": "a", "name": "A", "parent": "ghost"}])
    with pytest.raises(TaxonomyError, match="cycle"):
        taxonomy_from_data(
            [{"code": "a", "name": "A", "parent": "b"}, {"code": "b", "name": "B", "parent": "a"}]
        )


def test_unparseable_and_empty_files_are_refused():
    with pytest.raises(TaxonomyError, match="cannot be parsed"):
        parse_taxonomy("{not json", filename="t.json")
    with pytest.raises(TaxonomyError, match="non-empty list"):
        parse_taxonomy("categories: []", filename="t.yaml")


def test_seed_taxonomy_has_the_five_violation_categories_with_shortcuts_one_to_five():
    every = parse_taxonomy((SEEDS / "taxonomy.yaml").read_bytes(), filename="taxonomy.yaml")
    # The entity categories (victim, perpetrator, place, date) follow, with keys 6-9:
    # tests/test_taxonomy_relations.py checks them.
    specs = [spec for spec in every if spec.group == "violation"]
    assert [(s.code, s.shortcut) for s in specs] == [
        ("detention", "1"),
        ("torture", "2"),
        ("reproductive", "3"),
        ("forced_labour", "4"),
        ("transnational_repression", "5"),
    ]
    assert all(len(s.definition) > 100 for s in specs), "every category needs a real definition"
    assert len({s.colour for s in specs}) == 5


@pytest.mark.django_db
def test_load_creates_then_updates_by_code_and_keeps_hierarchy(project):
    report = taxonomy_load(project=project, specs=parse_taxonomy(NESTED_YAML))
    assert sorted(report.created) == [
        "detention",
        "enforced_disappearance",
        "house_arrest",
        "torture",
    ]
    child = Category.objects.get(project=project, code="house_arrest")
    assert child.parent.code == "detention"

    changed = NESTED_YAML.replace("name: Torture and ill-treatment", "name: Torture")
    report = taxonomy_load(project=project, specs=parse_taxonomy(changed))
    assert report.updated == ["torture"]
    assert sorted(report.unchanged) == ["detention", "enforced_disappearance", "house_arrest"]
    assert Category.objects.get(project=project, code="torture").name == "Torture"
    assert Category.objects.filter(project=project).count() == 4


@pytest.mark.django_db
def test_shortcuts_can_be_swapped_by_a_new_file(project):
    taxonomy_load(project=project, specs=parse_taxonomy(NESTED_YAML))
    swapped = NESTED_YAML.replace('shortcut: "1"', 'shortcut: "X"')
    swapped = swapped.replace('shortcut: "2"', 'shortcut: "1"').replace('"X"', '"2"')
    taxonomy_load(project=project, specs=parse_taxonomy(swapped))
    shortcuts = dict(Category.objects.filter(project=project).values_list("code", "shortcut"))
    assert shortcuts["detention"] == "2"
    assert shortcuts["torture"] == "1"


@pytest.mark.django_db
def test_a_file_cannot_take_the_shortcut_of_a_category_it_does_not_mention(project):
    CategoryFactory(project=project, code="legacy", shortcut="1")
    with pytest.raises(TaxonomyError, match="shortcut '1' is already used by 'legacy'"):
        taxonomy_load(project=project, specs=parse_taxonomy(NESTED_YAML))
    assert list(Category.objects.filter(project=project).values_list("code", flat=True)) == [
        "legacy"
    ], "a refused file must change nothing"


@pytest.mark.django_db
def test_keeping_existing_categories_leaves_admin_edits_alone(project):
    taxonomy_load(project=project, specs=parse_taxonomy(NESTED_YAML))
    Category.objects.filter(project=project, code="torture").update(name="Edited in the admin")
    report = taxonomy_load(
        project=project, specs=parse_taxonomy(NESTED_YAML), update_existing=False
    )
    assert report.created == []
    assert Category.objects.get(project=project, code="torture").name == "Edited in the admin"


@pytest.mark.django_db
def test_load_taxonomy_command(project, tmp_path):
    path = tmp_path / "taxonomy.yaml"
    path.write_text(NESTED_YAML, encoding="utf-8")
    call_command("load_taxonomy", "--project", project.slug, str(path))
    assert Category.objects.filter(project=project).count() == 4

    path.write_text("categories:\n  - code: x\n", encoding="utf-8")
    with pytest.raises(CommandError, match="name is missing"):
        call_command("load_taxonomy", "--project", project.slug, str(path))
    with pytest.raises(CommandError, match="No project"):
        call_command("load_taxonomy", "--project", "nope", str(path))


# --- Fields beyond what the database holds: a report, never a traceback -----------------

LONG_NAME = "Detention " * 20 + "x"  # 201 characters


def test_the_parser_knows_the_databases_limits():
    from annotator import taxonomy

    fields = {field.name: field for field in Category._meta.get_fields()}
    assert fields["code"].max_length == taxonomy.CODE_MAX_LENGTH
    assert fields["name"].max_length == taxonomy.NAME_MAX_LENGTH
    assert fields["colour"].max_length == taxonomy.COLOUR_MAX_LENGTH
    assert fields["shortcut"].max_length == taxonomy.SHORTCUT_MAX_LENGTH


def test_every_field_beyond_the_databases_limits_is_reported():
    with pytest.raises(TaxonomyError) as refused:
        taxonomy_from_data(
            [
                {"code": "detention", "name": LONG_NAME},
                {"code": "c" * 65, "name": "Long code"},
                {"code": "colour", "name": "Colour", "colour": "#0072B2FF"},
                {"code": "keys", "name": "Keys", "shortcut": "12"},
                {"code": "fine", "name": "x" * 200},
            ]
        )
    problems = refused.value.problems
    assert "category 'detention': name has 201 characters; at most 200 fit." in problems
    assert any("code must be 1-64" in problem for problem in problems)
    assert any("'colour': colour '#0072B2FF' is not #RRGGBB" in problem for problem in problems)
    assert any("'keys': shortcut '12' must be a single key" in problem for problem in problems)
    assert not any("'fine'" in problem for problem in problems)


@pytest.mark.parametrize("field", ["name", "definition"])
def test_nul_in_a_category_is_reported(field):
    category = {"code": "detention", "name": "Detention", field: "Arbitrary\x00detention"}
    with pytest.raises(TaxonomyError) as refused:
        taxonomy_from_data([category])
    assert refused.value.problems == [
        f"category 'detention': {field} contains the NUL character (U+0000), which cannot be "
        "stored."
    ]


def long_name_file(tmp_path: Path) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(
        f"categories:\n  - code: detention\n    name: {LONG_NAME}\n"
        '  - code: torture\n    name: Torture\n    definition: "Ill-treatment\\0"\n',
        encoding="utf-8",
    )
    return path


@pytest.mark.django_db
def test_load_taxonomy_reports_a_name_too_long_with_call_command(project, tmp_path):
    path = long_name_file(tmp_path)
    with pytest.raises(CommandError) as refused:
        call_command("load_taxonomy", "--project", project.slug, str(path))
    message = str(refused.value)
    assert "taxonomy.yaml was not loaded" in message
    assert "category 'detention': name has 201 characters; at most 200 fit." in message
    assert "category 'torture': definition contains the NUL character" in message
    assert not Category.objects.filter(project=project).exists()


@pytest.mark.django_db
def test_load_taxonomy_prints_the_report_on_the_command_line(
    project, tmp_path, capsys, monkeypatch
):
    """As ``manage.py load_taxonomy`` runs it: the report on standard error, exit status 1."""
    from django.core.management import ManagementUtility
    from django.db import connections

    # The command line closes the connections when done; this test's transaction is on one.
    monkeypatch.setattr(connections, "close_all", lambda: None)
    path = long_name_file(tmp_path)
    utility = ManagementUtility(
        ["manage.py", "load_taxonomy", "--project", project.slug, str(path)]
    )
    with pytest.raises(SystemExit) as exited:
        utility.execute()
    assert exited.value.code == 1
    errors = capsys.readouterr().err
    assert "Traceback" not in errors
    assert "CommandError:" in errors
    assert "  - category 'detention': name has 201 characters; at most 200 fit." in errors
    assert not Category.objects.filter(project=project).exists()
