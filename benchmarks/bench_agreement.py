"""Agreement at scale: 1,000 documents x 3 reviewers x 200 spans (600,000 spans), the figures
with their bootstrap intervals, and the agreement page served from the stored figures."""

from __future__ import annotations

import random
import time

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from annotator.corpus_agreement import DocumentLayers, corpus_figures
from annotator.models import (
    Annotation,
    Assignment,
    Category,
    Document,
    DocumentStatus,
    GoldOrigin,
    GoldSpan,
    Role,
)
from annotator.selectors.agreement import agreement_documents, agreement_layers
from annotator.services.agreement import BOOTSTRAP_RESAMPLES, agreement_report
from annotator.services.importing import SourceFile, documents_import
from annotator.services.projects import membership_set, project_create
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import taxonomy_from_data

CODES = ["detention", "torture", "reproductive", "forced_labour", "transnational_repression"]
DOCUMENTS = 1_000
REVIEWER_POOL = 6
REVIEWERS_PER_DOCUMENT = 3
SPANS_PER_REVIEWER = 200
RECONCILED_SHARE = 0.3


def _spans(rng: random.Random, length: int) -> list[list[tuple[int, int, str]]]:
    """Three reviewers who mostly agree: each shared span is kept, moved, relabelled or
    missed, as annotators do."""
    base = []
    for _ in range(SPANS_PER_REVIEWER):
        start = rng.randrange(0, length - 80)
        base.append((start, start + rng.randint(5, 60), rng.choice(CODES)))
    layers = []
    for _ in range(REVIEWERS_PER_DOCUMENT):
        spans = []
        for start, end, code in base:
            roll = rng.random()
            if roll < 0.75:
                spans.append((start, end, code))
            elif roll < 0.85:
                spans.append((start, end + rng.randint(1, 8), code))
            elif roll < 0.93:
                spans.append((start, end, rng.choice(CODES)))
            else:
                spans.append((max(0, start - 200), max(0, start - 200) + 20, code))
        layers.append(spans)
    return layers


def run(bench) -> None:
    rng = random.Random(5)
    project = project_create(slug="bench-agreement", name="Agreement benchmark")
    taxonomy_load(
        project=project, specs=taxonomy_from_data([{"code": c, "name": c} for c in CODES])
    )
    users = get_user_model().objects
    moderator = users.create_user("bench-agreement-moderator", password=None)
    membership_set(project=project, user=moderator, role=Role.MODERATOR)
    reviewers = []
    for number in range(REVIEWER_POOL):
        reviewer = users.create_user(f"bench-agreement-reviewer-{number}", password=None)
        membership_set(project=project, user=reviewer, role=Role.REVIEWER)
        reviewers.append(reviewer)

    sentence = "Witnesses said that the detainees were held without charge for months. "
    start = time.perf_counter()
    report = documents_import(
        project=project,
        sources=[
            SourceFile(name=f"r{n}.txt", data=f"Report {n}. {sentence * 150}".encode())
            for n in range(DOCUMENTS)
        ],
        imported_by=None,
    )
    print(f"  (setup: imported {DOCUMENTS} documents in {time.perf_counter() - start:.1f} s)")
    documents = list(
        Document.objects.filter(pk__in=[r.document_id for r in report.results]).only(
            "id", "text_length"
        )
    )
    categories = {c.code: c for c in Category.objects.filter(project=project)}
    now = timezone.now()
    start = time.perf_counter()
    assignments, annotations, gold = [], [], []
    reconciled = []
    for document in documents:
        chosen = rng.sample(reviewers, REVIEWERS_PER_DOCUMENT)
        layers = _spans(rng, document.text_length)
        for reviewer, spans in zip(chosen, layers, strict=True):
            assignments.append(Assignment(document=document, reviewer=reviewer, submitted_at=now))
            for s, e, code in set(spans):
                annotations.append(
                    Annotation(
                        document=document,
                        reviewer=reviewer,
                        category=categories[code],
                        start=s,
                        end=e,
                        quote="x" * (e - s),
                    )
                )
        if rng.random() < RECONCILED_SHARE:
            reconciled.append(document.pk)
            for s, e, code in set(layers[0]):
                gold.append(
                    GoldSpan(
                        document=document,
                        category=categories[code],
                        start=s,
                        end=e,
                        quote="x" * (e - s),
                        origin=GoldOrigin.MODERATED,
                    )
                )
    Assignment.objects.bulk_create(assignments, batch_size=2_000)
    Annotation.objects.bulk_create(annotations, batch_size=5_000)
    GoldSpan.objects.bulk_create(gold, batch_size=5_000)
    Document.objects.filter(pk__in=reconciled).update(status=DocumentStatus.RECONCILED)
    print(
        f"  (setup: {len(annotations):,} spans, {len(gold):,} gold spans written in "
        f"{time.perf_counter() - start:.1f} s)"
    )

    # 1. Reading the layers, and the pure computation on them.
    documents_qs = agreement_documents(project=project)
    start = time.perf_counter()
    rows = agreement_layers(project=project, documents=documents_qs)
    bench.record(
        "read layers of 1,000 documents",
        (time.perf_counter() - start) * 1000,
        "ms",
        f"{sum(len(s) for r in rows for s in r['layers'].values()):,} spans",
    )
    start = time.perf_counter()
    figures = corpus_figures(
        [DocumentLayers(**row) for row in rows], categories=CODES, n_resamples=BOOTSTRAP_RESAMPLES
    )
    bench.record(
        "compute all figures (pure)",
        (time.perf_counter() - start) * 1000,
        "ms",
        f"{BOOTSTRAP_RESAMPLES} bootstrap resamples; {figures['tokens']:,} tokens; "
        f"u-alpha {figures['headline']['unitizing_alpha']['value']:.3f}",
    )

    # 2. The whole service: read, compute, store.
    start = time.perf_counter()
    stored = agreement_report(project=project, refresh=True)
    bench.record(
        "agreement figures, read + compute + store",
        (time.perf_counter() - start) * 1000,
        "ms",
        f"{stored.figures['spans']:,} spans, bootstrap included",
    )

    # 3. The page served from the stored figures.
    client = Client()
    client.force_login(moderator)
    url = reverse("project_agreement", kwargs={"project_slug": project.slug})
    bench.page(client, url, {}, "agreement page (stored figures)", "1,000 documents, 6 reviewers")
    bench.page(
        client, url, {"download": "json"}, "agreement JSON download", "every figure and document"
    )
