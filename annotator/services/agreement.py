"""Agreement figures of a project: computed from the submitted layers, kept until they change.

The figures are computed by ``annotator.corpus_agreement`` and stored as an
``AgreementReport`` per project and set of document filters, with the project's
``layers_revision`` at the time. Services that change a submitted or gold layer bump that
revision (``services.projects.layers_changed``), so a stored report whose revision is older
is computed again the next time it is asked for; so is one stored before its figures took
their present shape (``FIGURES_SCHEMA``).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from annotator.corpus_agreement import FIGURES_SCHEMA, DocumentLayers, corpus_figures
from annotator.corpus_agreement.relation_figures import relation_figures
from annotator.models import AgreementReport, Project
from annotator.selectors.agreement import (
    agreement_documents,
    agreement_layers,
    agreement_relations,
)
from annotator.selectors.projects import category_list

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20261128


@dataclass(frozen=True)
class AgreementFilters:
    """Which documents of a project the figures are about (empty: all)."""

    query: str = ""
    status: str = ""
    language: str = ""

    def as_dict(self) -> dict[str, str]:
        return {key: value.strip() for key, value in asdict(self).items()}

    def key(self) -> str:
        canonical = json.dumps(self.as_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()


def agreement_report(
    *, project: Project, filters: AgreementFilters | None = None, refresh: bool = False
) -> AgreementReport:
    """The project's agreement figures for ``filters``: stored ones if current, else new ones.

    The revision is read before the layers, so a change made during the computation leaves
    the new report already stale, and the next request computes it again. A report stored
    with figures of an older shape (without the keys added since) is computed again too.
    """
    filters = filters or AgreementFilters()
    revision = Project.objects.values_list("layers_revision", flat=True).get(pk=project.pk)
    report = AgreementReport.objects.filter(project=project, filters_key=filters.key()).first()
    if (
        report is not None
        and report.revision == revision
        and report.figures.get("schema") == FIGURES_SCHEMA
        and not refresh
    ):
        return report

    started = time.perf_counter()
    documents = agreement_documents(project=project, **filters.as_dict())
    rows = agreement_layers(project=project, documents=documents)
    categories = dict(category_list(project=project).values_list("code", "group"))
    layers = [DocumentLayers(**row) for row in rows]
    figures = corpus_figures(
        layers,
        categories=list(categories),
        groups=categories,
        n_resamples=BOOTSTRAP_RESAMPLES,
        seed=BOOTSTRAP_SEED,
    )
    relations, symmetric = agreement_relations(project=project, documents=documents)
    figures["relations"] = relation_figures(
        layers,
        relations,
        symmetric=symmetric,
        n_resamples=BOOTSTRAP_RESAMPLES,
        seed=BOOTSTRAP_SEED,
    )
    values = {
        "filters": filters.as_dict(),
        "revision": revision,
        "computed_at": timezone.now(),
        "seconds": round(time.perf_counter() - started, 3),
        "figures": figures,
    }
    try:
        with transaction.atomic():
            report, _ = AgreementReport.objects.update_or_create(
                project=project, filters_key=filters.key(), defaults=values
            )
    except IntegrityError:
        # Another request stored the same report first; theirs is as good as ours.
        report = AgreementReport.objects.get(project=project, filters_key=filters.key())
    return report
