"""The yardstick for the API benchmark: a bare Django view doing the same two writes.

One POST inserts one annotation and one audit event in one transaction, and the view does
nothing else: no token, no access check, no quote check, no hash chain, no JSON schema.
Served by the same gunicorn, settings, middleware and database as the product, it shows how
fast this machine takes those two writes from 20 clients; the product's figure is compared
with it in the same run. Never part of the product: gunicorn loads it only from the benchmark
(``benchmarks.baseline:application``).
"""

from __future__ import annotations

import json
import os
import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

import django
from django.conf import settings

django.setup()

from django.contrib.auth.decorators import login_not_required  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.db import transaction  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402

from annotator.models import Annotation, AuditEvent  # noqa: E402

PATH = "baseline/documents/<int:document_id>/annotations"
_FIELDS = {field.name for field in AuditEvent._meta.get_fields()}


def chain_fields(unique: str) -> dict:
    """A chain of its own for each event, where events have chains: nothing is serialised."""
    return {"chain": f"baseline:{unique[:24]}", "sequence": 1} if "chain" in _FIELDS else {}


@csrf_exempt
@login_not_required
def create(request: HttpRequest, document_id: int) -> JsonResponse:
    if request.method == "GET":  # the benchmark's warm-up read, one per client
        return JsonResponse({"document": document_id})
    body = json.loads(request.body)
    with transaction.atomic():
        annotation = Annotation.objects.create(
            document_id=document_id,
            reviewer_id=body["reviewer"],
            category_id=body["category_id"],
            start=body["start"],
            end=body["end"],
            quote=body["quote"],
        )
        unique = uuid.uuid4().hex
        AuditEvent.objects.create(
            action="baseline.create",
            object_type="annotation",
            object_id=str(annotation.pk),
            after={"start": annotation.start, "end": annotation.end},
            previous_hash=unique,
            hash=unique + unique,
            **chain_fields(unique),
        )
    return JsonResponse({"id": annotation.pk}, status=201)


urlpatterns = [path(PATH, create)]
settings.ROOT_URLCONF = __name__  # only this view, behind the product's own middleware
application = WSGIHandler()
