"""What the package declares: an install with any pip gets everything the product imports."""

from __future__ import annotations

import importlib
import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def declared(group: str | None = None) -> set[str]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    requirements = (
        project["dependencies"] if group is None else project["optional-dependencies"][group]
    )
    names = {re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0] for requirement in requirements}
    return {name.lower().replace("-", "_") for name in names}


def test_the_html_cleaner_trafilatura_needs_is_a_direct_dependency():
    # trafilatura asks for lxml[html_clean]; pip 23 (Python 3.11's own) skipped that extra
    # and the HTML importer then failed at import time.
    assert "lxml_html_clean" in declared()
    importlib.import_module("lxml_html_clean")
    importlib.import_module("trafilatura")


def test_the_browser_tests_accessibility_checker_is_a_development_dependency():
    assert "axe_playwright_python" in declared("dev")


LOCKS = PYPROJECT.parent / "requirements"


def pinned(lock: str) -> dict[str, str]:
    """The versions a lock file pins, by normalised name."""
    versions = {}
    for line in (LOCKS / lock).read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if match:
            versions[match.group(1).lower().replace("-", "_").replace(".", "_")] = match.group(2)
    return versions


def requirements(group: str | None = None) -> list[Requirement]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    listed = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return [Requirement(text) for text in listed if not text.startswith("annotator")]


@pytest.mark.parametrize(
    ("lock", "groups"),
    [
        ("run.txt", [None]),
        ("deploy.txt", [None, "postgres", "deploy"]),
        ("dev.txt", [None, "postgres", "deploy", "spacy", "dev"]),
    ],
)
def test_each_lock_file_pins_every_dependency_within_its_declared_range(lock, groups):
    # `make run` and `make test` install from the locks: a dependency added to pyproject.toml
    # without `make lock` would be missing there, or pinned outside the range asked for.
    versions = pinned(lock)
    for group in groups:
        for requirement in requirements(group):
            name = requirement.name.lower().replace("-", "_").replace(".", "_")
            assert name in versions, (
                f"{requirement.name} is not in requirements/{lock}: run make lock"
            )
            assert requirement.specifier.contains(versions[name], prereleases=True), (
                f"requirements/{lock} pins {requirement.name} {versions[name]}, outside "
                f"{requirement.specifier}: run make lock"
            )


def test_the_database_driver_and_the_server_are_extras_not_requirements():
    names = {requirement.name.lower() for requirement in requirements()}
    assert not names & {"psycopg", "gunicorn"}, names
    assert "psycopg" not in pinned("run.txt")
