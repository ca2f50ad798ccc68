"""The README's example, run as it stands: a whole project by API only, against a live
server, and its export compared with what it made."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from annotator.models import Annotation, Document, GoldSpan, Project, Role, TaxonomyVersion
from annotator.services.audit import audit_verify
from annotator.services.tokens import api_token_create
from tests.factories import UserFactory

README = Path(__file__).resolve().parents[1] / "README.md"
EXAMPLE_PATH = os.environ.get("ANNOTATOR_EXAMPLE")


def readme_example() -> str:
    """The Python block of the README's section on scripting the whole workflow."""
    if EXAMPLE_PATH:
        return Path(EXAMPLE_PATH).read_text(encoding="utf-8")
    text = README.read_text(encoding="utf-8")
    found = re.search(
        r"<!-- the API example: tests/test_api_workflow.py runs it -->\s*```python\n(.*?)```",
        text,
        re.S,
    )
    assert found, "the README has no API example block"
    return found.group(1)


@pytest.fixture
def admin_token(transactional_db) -> str:
    admin = UserFactory(username="admin", is_staff=True)
    return api_token_create(user=admin, name="setup")[1]


def test_the_readme_example_runs_the_whole_workflow(live_server, admin_token, tmp_path):
    script = tmp_path / "example.py"
    script.write_text(readme_example(), encoding="utf-8")
    environment = {
        **os.environ,
        "ANNOTATOR_URL": live_server.url,
        "ANNOTATOR_TOKEN": admin_token,
        # The script is the standard library only: no proxy between it and the live server.
        "NO_PROXY": "*",
    }
    done = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    project = Project.objects.get(slug="example")
    roles = dict(project.memberships.values_list("user__username", "role"))
    assert roles == {
        "admin": Role.MANAGER,
        "reviewer-1": Role.REVIEWER,
        "reviewer-2": Role.REVIEWER,
        "moderator-1": Role.MODERATOR,
    }
    document = Document.objects.get(project=project)
    # What the reviewers made, by reviewer: (quote, category), and under which version.
    made = {
        (a.reviewer.username, a.quote, a.category.code)
        for a in Annotation.objects.filter(document=document).select_related("reviewer", "category")
    }
    assert made == {
        ("reviewer-1", "detained", "detention"),
        ("reviewer-1", "beaten", "torture"),
        ("reviewer-2", "detained", "detention"),
        ("reviewer-2", "beaten", "detention"),
    }
    latest = TaxonomyVersion.objects.filter(project=project).order_by("-number").first()
    assert latest is not None, "the project has taxonomy versions"
    assert latest.number == 2, "project made, then its taxonomy"
    assert set(
        Annotation.objects.filter(document=document).values_list("taxonomy_version", flat=True)
    ) == {latest.pk}
    # The export the script printed is the gold layer the moderator and the agreement made.
    gold = {
        (span.start, span.end, span.category.code, span.quote)
        for span in GoldSpan.objects.filter(document=document).select_related("category")
    }
    text = document.text
    expected = {
        (text.index("detained"), text.index("detained") + 8, "detention", "detained"),
        (text.index("beaten"), text.index("beaten") + 6, "torture", "beaten"),
    }
    assert gold == expected
    printed = {
        (int(start), int(end), category, json.loads(quote.replace("'", '"')))
        for start, end, category, quote in re.findall(
            r"^(\d+) (\d+) (\w+) ('[^']*')$", done.stdout, re.M
        )
    }
    assert printed == expected, done.stdout
    assert "unitizing alpha:" in done.stdout
    assert audit_verify().intact
