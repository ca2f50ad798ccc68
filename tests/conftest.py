from __future__ import annotations

import os

import pytest
from django.test import Client

from annotator.models import Role
from tests.factories import MembershipFactory, ProjectFactory, UserFactory, client_for


@pytest.fixture
def project(db):
    return ProjectFactory(slug="demo-test", name="Test project")


@pytest.fixture
def reviewer(project):
    user = UserFactory(username="reviewer")
    MembershipFactory(project=project, user=user, role=Role.REVIEWER)
    return user


@pytest.fixture
def reviewer_client(reviewer) -> Client:
    return client_for(reviewer)


def _skipped(session: pytest.Session) -> list:
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    return list(reporter.stats.get("skipped", [])) if reporter else []


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Under CI=true a skipped test fails the run: a skip there hides a missing browser,
    package or font, and the suite would pass without testing what it claims to."""
    skipped = _skipped(session)
    if skipped and os.environ.get("CI", "").lower() == "true":
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    terminalreporter.write_line(f"skipped tests: {len(skipped)}")
    if skipped and os.environ.get("CI", "").lower() == "true":
        terminalreporter.write_line(
            "CI=true: no test may skip; each skip above fails this run.", red=True, bold=True
        )
