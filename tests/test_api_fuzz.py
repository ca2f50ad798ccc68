"""Schemathesis walks every operation of the API's own OpenAPI schema.

Whatever it sends, valid or not, the API must answer without a server error, with a status
the schema documents, a JSON body that matches that status's schema, and the declared
headers and content type. It runs as a reviewer and as a manager of a project that has a
document and a category, in process (the WSGI application against the test database),
with a fixed number of examples derived deterministically, so that CI stays fast and a
failure repeats.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    allow_header_conformance,
    content_type_conformance,
    ensure_resource_availability,
    missing_required_header,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
    use_after_free,
)

from annotator.models import IncidentRole, RelationType, Role
from annotator.services.incidents import incident_create, incident_slot_add
from annotator.services.relations import relation_create
from annotator.services.tokens import api_token_create
from tests.factories import (
    CategoryFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    make_annotation,
    make_document,
)

# Every check that applies to requests made with our own token. Left out: ignored_auth and
# positive_data_acceptance, which cannot tell a token sent by the test from the schema's
# security schemes, nor a schema-valid id that does not exist (404) from a refusal.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
    missing_required_header,
    unsupported_method,
    allow_header_conformance,
    use_after_free,
    ensure_resource_availability,
]
TEXT = "He was detained in 2017. ئاكام تۇتقۇن قىلىندى. 💩 She was beaten."


@pytest.fixture
def in_process(db):
    """Keep the test's database connection open across requests.

    Django closes its connections when a request finishes; the test client stops that
    (as this does) so that requests run inside the test's transaction.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def world(in_process) -> dict[str, object]:
    """A project with a document, a category, a reviewer's two annotations, a relation
    between them and an incident of the first with the second in its one slot; a token
    for a reviewer and one for a manager; the ids and slug worth aiming at."""
    project = ProjectFactory(slug="fuzz", name="Fuzzing")
    category = CategoryFactory(project=project, code="detention", shortcut="1")
    reviewer = UserFactory(username="fuzz-reviewer")
    manager = UserFactory(username="fuzz-manager")
    MembershipFactory(project=project, user=reviewer, role=Role.REVIEWER)
    MembershipFactory(project=project, user=manager, role=Role.MANAGER)
    document = make_document(project, TEXT, title="Fuzzed")
    annotation = make_annotation(document, reviewer, category, 7, 15)
    second = make_annotation(document, reviewer, category, 19, 23)
    relation_type = RelationType.objects.create(project=project, code="denies", name="Denies")
    relation = relation_create(
        document=document,
        reviewer=reviewer,
        source_id=annotation.pk,
        target_id=second.pk,
        relation_type=relation_type,
    )
    role = IncidentRole.objects.create(project=project, code="source", name="Source")
    incident = incident_create(document=document, reviewer=reviewer, act_id=annotation.pk)
    slot = incident_slot_add(
        incident_id=incident.pk, actor=reviewer, role=role, annotation_id=second.pk
    )
    return {
        "tokens": {
            "reviewer": api_token_create(user=reviewer, name="fuzz")[1],
            "manager": api_token_create(user=manager, name="fuzz")[1],
        },
        "path": {
            "slug": project.slug,
            "document_id": document.pk,
            "annotation_id": annotation.pk,
            "relation_id": relation.pk,
            "incident_id": incident.pk,
            "slot_id": slot.pk,
        },
    }


def load_schema() -> schemathesis.schemas.BaseSchema:
    """The schema the API serves, called in process: it needs no database to be made.

    (Schemathesis' ``from_fixture`` would load it per test, but it does not run under
    pytest 9.)"""
    from annotator.api import api

    loaded = schemathesis.openapi.from_dict(api.get_openapi_schema())
    loaded.app = get_wsgi_application()
    return loaded


schema = load_schema()

FUZZ_SETTINGS = settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def call_and_validate(case, world: dict, role: str, aimed: bool) -> None:
    """Call the operation as ``role``; when ``aimed``, at the project's real document,
    annotation and slug (random ids almost never exist, and the code behind a 404 would
    go unexercised)."""
    if aimed and not case.meta.is_negative_at(ParameterLocation.PATH):
        for name, value in world["path"].items():
            if name in (case.path_parameters or {}):
                case.path_parameters[name] = value
    case.call_and_validate(
        headers={"Authorization": f"Bearer {world['tokens'][role]}"}, checks=CHECKS
    )


@schema.parametrize()
@schema.given(aimed=st.booleans())
@FUZZ_SETTINGS
def test_the_api_keeps_its_contract_for_a_reviewer(case, world, aimed):
    call_and_validate(case, world, "reviewer", aimed)


@schema.parametrize()
@schema.given(aimed=st.booleans())
@FUZZ_SETTINGS
def test_the_api_keeps_its_contract_for_a_manager(case, world, aimed):
    call_and_validate(case, world, "manager", aimed)
