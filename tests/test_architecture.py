"""What the layers promise, checked on the source where import-linter cannot look.

import-linter (in ``make lint``) keeps the pure core free of Django and each layer above the
ones it uses. It cannot forbid a part of an external package, nor see a manager call, so
this checks that pages and the API never use the ORM themselves: they read through
selectors and write through services, where every write is checked, transactional and
audited.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "annotator"
EDGE = sorted([*PACKAGE.glob("views/*.py"), *PACKAGE.glob("api/*.py")])


def _orm_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django.db"):
            found.append(f"line {node.lineno}: from {node.module} import …")
        elif isinstance(node, ast.Import):
            found += [
                f"line {node.lineno}: import {alias.name}"
                for alias in node.names
                if alias.name.startswith("django.db")
            ]
        elif isinstance(node, ast.Attribute) and node.attr in ("objects", "_default_manager"):
            found.append(f"line {node.lineno}: .{node.attr}")
    return found


def test_the_edge_modules_are_found():
    assert len(EDGE) >= 10, EDGE


@pytest.mark.parametrize("path", EDGE, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_pages_and_the_api_use_no_orm_of_their_own(path):
    uses = _orm_uses(path)
    assert not uses, f"{path.relative_to(PACKAGE.parent)} uses the ORM directly: {uses}"


def test_the_check_sees_a_manager_call(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text(
        "from django.db import transaction\nfrom annotator.models import Project\n"
        "Project.objects.create(slug='x')\n"
    )
    assert len(_orm_uses(sample)) == 2
