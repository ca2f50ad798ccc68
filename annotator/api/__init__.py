"""The JSON API: parse and validate, authorise, call a service or selector, respond.

Browsers authenticate with their session (and must send the CSRF token in the
``X-CSRFToken`` header); scripts send ``Authorization: Bearer <token>`` with a token from
``manage.py create_api_token``. The OpenAPI schema is at ``/api/v1/openapi.json`` and
its documentation at ``/api/v1/docs``.

Offsets are Unicode code points into the document's canonical text. Every answer is JSON,
errors included: an object with a ``detail`` message: 400 invalid input (an id outside 1 to
2**63-1, text holding U+0000…), 401 not authenticated, 403 not allowed, 404 not found (or
not yours to see), 409 changed by someone else since loaded, 413 too large (a body, an
upload over ``IMPORT_MAX_UPLOAD_MB``, more than 1,000 files). The schema and this page need
a session or a token, like every operation.

One router per domain, as in ``views``, ``services`` and ``selectors``; the schemas are in
``annotator.api.schemas`` and the mapping of refusals to statuses in ``annotator.api.errors``.
"""

from __future__ import annotations

from ninja import NinjaAPI

from annotator.api import errors
from annotator.api.accounts import router as accounts_router
from annotator.api.agreement import router as agreement_router
from annotator.api.annotations import router as annotations_router
from annotator.api.assignments import router as assignments_router
from annotator.api.auth import BrowserSessionAuth, TokenAuth, docs_access
from annotator.api.documents import router as documents_router
from annotator.api.exporting import router as exporting_router
from annotator.api.importing import router as importing_router
from annotator.api.incidents import router as incidents_router
from annotator.api.members import router as members_router
from annotator.api.moderation import router as moderation_router
from annotator.api.projects import router as projects_router
from annotator.api.projects import taxonomy_router
from annotator.api.relation_moderation import router as relation_moderation_router
from annotator.api.relations import router as relations_router

api = NinjaAPI(
    title="annotator API",
    version="1",
    description=__doc__,
    auth=[BrowserSessionAuth(), TokenAuth()],
    urls_namespace="api",
    # The schema and its documentation are for those who may use the API: a session or a
    # token; anyone else gets 401 (the page: the login form).
    docs_decorator=docs_access,
)
errors.register(api)
for router in (
    projects_router,
    documents_router,
    annotations_router,
    relations_router,
    incidents_router,
    moderation_router,
    relation_moderation_router,
    importing_router,
    exporting_router,
    # Project administration.
    taxonomy_router,
    members_router,
    assignments_router,
    agreement_router,
    accounts_router,
):
    api.add_router("/", router)
