from __future__ import annotations

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
