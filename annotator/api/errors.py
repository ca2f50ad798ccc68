"""The services' and the access module's refusals, mapped to statuses once, here, rather
than in each endpoint."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, ValidationError

from annotator.access import Forbidden, NoAccess, document_access_by_id
from annotator.selectors.annotations import annotation_record
from annotator.selectors.gold import gold_record
from annotator.selectors.incidents import incident_record
from annotator.selectors.moderation import item_record
from annotator.selectors.pseudonyms import ReviewerLabels, document_reviewer_labels
from annotator.selectors.relation_moderation import incident_item_record, relation_item_record
from annotator.selectors.relations import relation_record
from annotator.services.annotations import (
    AnnotationConflict,
    AnnotationError,
    AnnotationForbidden,
    AnnotationGone,
)
from annotator.services.assignments import AssignmentError
from annotator.services.gold import GoldConflict, GoldError
from annotator.services.incident_moderation import IncidentItemConflict
from annotator.services.incident_rules import IncidentError
from annotator.services.incidents import IncidentConflict, IncidentGone
from annotator.services.moderation import ItemConflict, ModerationError
from annotator.services.relation_moderation import RelationItemConflict
from annotator.services.relations import RelationConflict, RelationError, RelationGone
from annotator.taxonomy import TaxonomyError


def register(api: NinjaAPI) -> None:
    """Install the handlers on ``api``."""

    def respond(request: HttpRequest, body: dict, status: int) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ValidationError)
    def invalid_input(request: HttpRequest, error: ValidationError) -> HttpResponse:
        problems = []
        for item in error.errors:
            where = ".".join(str(part) for part in item.get("loc", ()) if part not in ("body",))
            message = str(item.get("msg", "invalid"))
            problems.append(f"{where}: {message}" if where else message)
        return respond(
            request,
            {"detail": "Invalid input. " + "; ".join(problems), "errors": error.errors},
            400,
        )

    @api.exception_handler(AnnotationError)
    def invalid_annotation(request: HttpRequest, error: AnnotationError) -> HttpResponse:
        return respond(request, {"detail": str(error)}, 400)

    @api.exception_handler(AnnotationForbidden)
    def layer_closed(request: HttpRequest, error: AnnotationForbidden) -> HttpResponse:
        return respond(request, {"detail": str(error)}, 403)

    @api.exception_handler(AnnotationConflict)
    def stale_version(request: HttpRequest, conflict: AnnotationConflict) -> HttpResponse:
        return respond(
            request,
            {"detail": str(conflict), "current": annotation_record(conflict.current)},
            409,
        )

    @api.exception_handler(AnnotationGone)
    def gone(request: HttpRequest, error: AnnotationGone) -> HttpResponse:
        return respond(request, {"detail": "No such annotation of yours (it was deleted)."}, 404)

    @api.exception_handler(RelationConflict)
    def stale_relation(request: HttpRequest, conflict: RelationConflict) -> HttpResponse:
        current = relation_record(conflict.current)
        return respond(request, {"detail": str(conflict), "current": current}, 409)

    @api.exception_handler(RelationGone)
    def relation_gone(request: HttpRequest, error: RelationGone) -> HttpResponse:
        return respond(request, {"detail": "No such relation of yours (it was deleted)."}, 404)

    @api.exception_handler(IncidentConflict)
    def stale_incident(request: HttpRequest, conflict: IncidentConflict) -> HttpResponse:
        current = incident_record(conflict.current)
        return respond(request, {"detail": str(conflict), "current": current}, 409)

    @api.exception_handler(IncidentGone)
    def incident_gone(request: HttpRequest, error: IncidentGone) -> HttpResponse:
        return respond(request, {"detail": f"{error} It was deleted, or never yours."}, 404)

    @api.exception_handler(RelationError)
    @api.exception_handler(IncidentError)
    @api.exception_handler(GoldError)
    @api.exception_handler(ModerationError)
    def invalid_decision(request: HttpRequest, error: ValueError) -> HttpResponse:
        return respond(request, {"detail": str(error)}, 400)

    def labels(request: HttpRequest, document_id: int) -> ReviewerLabels:
        """The reviewers as the caller sees them, for the current state in a 409."""
        access = document_access_by_id(user=request.user, document_id=document_id)
        return document_reviewer_labels(access, document_id=document_id)

    @api.exception_handler(ItemConflict)
    def item_decided(request: HttpRequest, conflict: ItemConflict) -> HttpResponse:
        item = conflict.item
        current = item_record(item, labels=labels(request, item.document_id))
        return respond(request, {"detail": str(conflict), "current": current}, 409)

    @api.exception_handler(RelationItemConflict)
    def relation_item_decided(request: HttpRequest, conflict: RelationItemConflict) -> HttpResponse:
        item = conflict.item
        current = relation_item_record(item, labels=labels(request, item.document_id))
        return respond(request, {"detail": str(conflict), "current": current}, 409)

    @api.exception_handler(IncidentItemConflict)
    def incident_item_decided(request: HttpRequest, conflict: IncidentItemConflict) -> HttpResponse:
        item = conflict.item
        current = incident_item_record(item, labels=labels(request, item.document_id))
        return respond(request, {"detail": str(conflict), "current": current}, 409)

    @api.exception_handler(GoldConflict)
    def gold_changed(request: HttpRequest, conflict: GoldConflict) -> HttpResponse:
        gold = conflict.current
        if gold is None:
            return respond(request, {"detail": str(conflict)}, 404)
        current = gold_record(gold, labels=labels(request, gold.document_id))
        return respond(request, {"detail": str(conflict), "current": current}, 409)

    # The services' refusals of a change (project administration): 400, naming the field
    # that is wrong when there is one.
    @api.exception_handler(DjangoValidationError)
    def refused(request: HttpRequest, error: DjangoValidationError) -> HttpResponse:
        if not hasattr(error, "error_dict"):
            return respond(request, {"detail": " ".join(error.messages)}, 400)
        fields = error.message_dict
        problems = "; ".join(
            " ".join(messages) if name == NON_FIELD_ERRORS else f"{name}: {' '.join(messages)}"
            for name, messages in fields.items()
        )
        field = next((name for name in fields if name != NON_FIELD_ERRORS), None)
        return respond(request, {"detail": problems, "field": field}, 400)

    @api.exception_handler(TaxonomyError)
    def taxonomy_refused(request: HttpRequest, error: TaxonomyError) -> HttpResponse:
        return respond(
            request,
            {
                "detail": "The taxonomy was not changed: " + "; ".join(error.problems),
                "field": "categories",
            },
            400,
        )

    @api.exception_handler(AssignmentError)
    def assignment_refused(request: HttpRequest, error: AssignmentError) -> HttpResponse:
        return respond(request, {"detail": str(error)}, 400)

    @api.exception_handler(NoAccess)
    def not_yours(request: HttpRequest, error: NoAccess) -> HttpResponse:
        return respond(request, {"detail": str(error) or "Not found."}, 404)

    @api.exception_handler(Forbidden)
    def not_allowed(request: HttpRequest, error: Forbidden) -> HttpResponse:
        return respond(request, {"detail": str(error) or "Not allowed."}, 403)

    @api.exception_handler(AuthenticationError)
    def not_authenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        return respond(
            request,
            {"detail": "Log in, or send an API token as 'Authorization: Bearer <token>'."},
            401,
        )

    # Django's refusals of a request it could not or would not read (raised when the API
    # reads the body), which it would otherwise answer with an HTML page; logged as Django
    # logs them.
    def security_log(error: SuspiciousOperation) -> None:
        logging.getLogger(f"django.security.{error.__class__.__name__}").error(str(error))

    @api.exception_handler(TooManyFilesSent)
    def too_many_files(request: HttpRequest, error: TooManyFilesSent) -> HttpResponse:
        security_log(error)
        limit = settings.DATA_UPLOAD_MAX_NUMBER_FILES
        return respond(
            request,
            {
                "detail": f"Too many files in one request: at most {limit}. Send them in batches, "
                "or as a ZIP archive."
            },
            413,
        )

    @api.exception_handler(RequestDataTooBig)
    def body_too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
        security_log(error)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return respond(
            request,
            {
                "detail": f"The request body is too large: at most {limit / 1e6:,.1f} MB besides "
                "uploaded files."
            },
            413,
        )

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, error: SuspiciousOperation) -> HttpResponse:
        security_log(error)
        return respond(request, {"detail": "The request could not be read."}, 400)
