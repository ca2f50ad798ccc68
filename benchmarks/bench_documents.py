"""Seeding and listing a large project: import throughput and the document list page."""

from __future__ import annotations

import random
import time

from django.test import Client
from django.urls import reverse

from annotator.models import Role
from annotator.services.importing import SourceFile, documents_import
from annotator.services.projects import membership_set, project_create

SENTENCES = [
    "The witness said her brother was detained in 2017 and taken to a training centre.",
    "Officials denied that anyone was held against their will.",
    "Workers were transferred to factories in other provinces under threat of penalty.",
    "Relatives abroad received calls from the police urging them to return.",
    "ئاكام 2017-يىلى تۇتقۇن قىلىندى.",
    "Family members reported fines for births beyond the permitted number.",
    "He described being held in a stress position for hours.",
    "😢 𠮷 Wei has not been heard from since March 2018.",
]


def synthetic_document(number: int, rng: random.Random) -> SourceFile:
    """A testimony-sized text (about 3 KB) that is unique by its first line."""
    paragraphs = [f"Case file {number}: interview notes."]
    for _ in range(8):
        paragraphs.append(" ".join(rng.choice(SENTENCES) for _ in range(4)))
    return SourceFile(name=f"case-{number:05d}.txt", data="\r\n\r\n".join(paragraphs).encode())


def run(bench) -> None:
    from django.contrib.auth import get_user_model

    count = bench.options.documents
    rng = random.Random(20261128)
    project = project_create(slug="bench", name="Benchmark project")
    user = get_user_model().objects.create_user("bench-manager", password=None)
    membership_set(project=project, user=user, role=Role.MANAGER)

    sources = [synthetic_document(number, rng) for number in range(count)]
    start = time.perf_counter()
    report = documents_import(project=project, sources=sources, imported_by=user)
    elapsed = time.perf_counter() - start
    assert report.imported == count, report.summary()  # a broken run must not print figures
    bench.record("import throughput", count / elapsed, "documents/s", f"{count} plain-text files")

    client = Client()
    client.force_login(user)
    url = reverse("document_list", kwargs={"project_slug": project.slug})
    pages = {
        "document list, first page": {},
        "document list, middle page": {"page": count // 100},
        "document list, title/text filter": {"q": "case file 9999"},
    }
    for label, params in pages.items():
        bench.page(client, url, params, label, f"{count} documents")
