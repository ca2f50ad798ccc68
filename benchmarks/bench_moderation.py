"""Moderation at scale: aligning three layers of 2,000 spans, the queue page with 10,000 open
items, and resolving one item."""

from __future__ import annotations

import random
import time

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from annotator.alignment import Span, align
from annotator.models import Annotation, Assignment, Category, Document, ModerationItem, Role
from annotator.services.importing import SourceFile, documents_import
from annotator.services.moderation_start import cluster_signature, moderation_start
from annotator.services.projects import membership_set, project_create
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import taxonomy_from_data

CODES = ["detention", "torture", "reproductive", "forced_labour", "transnational_repression"]
REVIEWERS = 3
SPANS_PER_REVIEWER = 2_000
QUEUE_ITEMS = 10_000
RESOLVES = 50


def layers(rng: random.Random, text_length: int) -> dict[int, list[Span]]:
    """Three reviewers who mostly agree: each shared span is kept, moved or relabelled."""
    base = []
    for _ in range(SPANS_PER_REVIEWER):
        start = rng.randrange(0, text_length - 100)
        base.append(Span(start, start + rng.randint(5, 60), rng.choice(CODES)))
    result = {}
    for reviewer in range(1, REVIEWERS + 1):
        spans = []
        for span in base:
            roll = rng.random()
            if roll < 0.7:
                spans.append(span)
            elif roll < 0.8:
                spans.append(Span(span.start, span.end + rng.randint(1, 5), span.category))
            elif roll < 0.9:
                spans.append(Span(span.start, span.end, rng.choice(CODES)))
            # else: this reviewer missed it
        result[reviewer] = spans
    return result


def run(bench) -> None:
    rng = random.Random(4)
    project = project_create(slug="bench-moderation", name="Moderation benchmark")
    taxonomy_load(
        project=project, specs=taxonomy_from_data([{"code": c, "name": c} for c in CODES])
    )
    users = get_user_model().objects
    moderator = users.create_user("bench-moderator", password=None)
    membership_set(project=project, user=moderator, role=Role.MODERATOR)
    text = " ".join(f"Sentence {n} of a long report about detention." for n in range(6_000))
    report = documents_import(
        project=project,
        sources=[
            SourceFile(name=f"report-{n}.txt", data=f"{n} {text}".encode()) for n in range(10)
        ],
        imported_by=None,
    )
    documents = [Document.objects.get(pk=r.document_id) for r in report.results]

    # 1. Alignment, pure and stored.
    data = layers(rng, len(documents[0].text))
    durations = bench.repeat(lambda: align(data), 5)
    bench.record(
        "align 3 reviewers x 2,000 spans",
        bench.median_ms(durations),
        "ms",
        f"pure alignment.align, median of 5; {len(align(data))} clusters",
    )
    categories = {c.code: c for c in Category.objects.filter(project=project)}
    reviewers = []
    for number, spans in data.items():
        reviewer = users.create_user(f"bench-reviewer-{number}", password=None)
        membership_set(project=project, user=reviewer, role=Role.REVIEWER)
        reviewers.append(reviewer)
        Assignment.objects.create(
            document=documents[0], reviewer=reviewer, submitted_at="2026-01-01T00:00:00Z"
        )
        Annotation.objects.bulk_create(
            Annotation(
                document=documents[0],
                reviewer=reviewer,
                category=categories[span.category],
                start=span.start,
                end=span.end,
                quote=documents[0].text[span.start : span.end],
            )
            for span in spans
        )
    start = time.perf_counter()
    summary = moderation_start(document=documents[0], actor=moderator)
    bench.record(
        "start moderation (align and store)",
        (time.perf_counter() - start) * 1000,
        "ms",
        f"{summary.items_opened} items, {summary.unanimous_spans} unanimous gold spans",
    )

    # 2. The queue page with 10,000 open items.
    existing = ModerationItem.objects.count()
    fillers = []
    for number in range(QUEUE_ITEMS - existing):
        document = documents[1 + number % 9]
        start_at = rng.randrange(0, len(document.text) - 100)
        versions = {"1": [[start_at, start_at + 20, "detention"]], "2": []}
        fillers.append(
            ModerationItem(
                document=document,
                start=start_at,
                end=start_at + 20,
                kinds=["missing"],
                is_missing=True,
                category_codes=",detention,",
                versions=versions,
                contestedness=1,
                signature=cluster_signature({1: [Span(start_at, start_at + 20, "detention")]}),
            )
        )
    ModerationItem.objects.bulk_create(fillers, batch_size=2_000)
    client = Client()
    client.force_login(moderator)
    queue = reverse("moderation_queue")
    for label, params in [
        ("queue page", {}),
        ("queue page, most contested first", {"order": "contested"}),
        ("queue page, filtered by kind and category", {"kind": "missing", "category": "torture"}),
    ]:
        bench.page(client, queue, params, label, f"{ModerationItem.objects.count():,} open items")

    # 3. Resolving an item through the page, as a moderator does.
    items = list(
        ModerationItem.objects.filter(document=documents[0], status="open").order_by("pk")[
            :RESOLVES
        ]
    )
    durations = []
    for item in items:
        url = reverse("moderation_item", kwargs={"item_id": item.pk})
        begin = time.perf_counter()
        response = client.post(url, {"version": item.version, "decision": "reject"})
        durations.append(time.perf_counter() - begin)
        assert response.status_code == 302, response.status_code
    bench.record(
        "resolve an item (POST, server time)",
        bench.median_ms(durations),
        "ms",
        f"median of {len(items)}; writes the resolution, gold spans and audit event",
    )
