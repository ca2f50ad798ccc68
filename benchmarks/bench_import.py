"""Import speed: 1,000 plain-text documents of about 2,000 characters through the service
(the bulk path), the command and the API, and a 45-page text PDF made by the benchmark."""

from __future__ import annotations

import io
import random
import tempfile
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from annotator.extractors import extract
from annotator.models import Document, Role
from annotator.services.importing import SourceFile, documents_import
from annotator.services.projects import membership_set, project_create

DOCUMENTS = 1_000
PDF_PAGES = 45
WORDS = [
    "detention",
    "camp",
    "witness",
    "testimony",
    "family",
    "arrested",
    "without",
    "charge",
    "transferred",
    "interrogated",
    "released",
    "months",
    "later",
    "report",
    "commission",
    "rights",
    "violations",
    "region",
    "authorities",
    "denied",
    "access",
    "lawyers",
    "relatives",
    "were",
    "informed",
]


def _texts(rng: random.Random, tag: str) -> list[bytes]:
    texts = []
    for n in range(DOCUMENTS):
        words = []
        while sum(len(w) + 1 for w in words) < 2_000:
            words.append(rng.choice(WORDS))
        texts.append(f"{tag} {n}. {' '.join(words)}.".encode())
    return texts


def _pdf(pages: int) -> bytes:
    from fpdf import FPDF  # a development dependency, as for the tests

    rng = random.Random(2)
    pdf = FPDF()
    pdf.set_auto_page_break(False)  # one page of the report per page of the PDF
    pdf.set_font("Helvetica", size=11)
    for page in range(pages):
        pdf.add_page()
        pdf.set_y(8)
        pdf.cell(0, 6, "Report of the Special Rapporteur - A/HRC/00/00", align="C")
        pdf.set_y(20)
        for _ in range(4):
            paragraph = " ".join(rng.choice(WORDS) for _ in range(70))
            pdf.multi_cell(0, 5.5, paragraph.capitalize() + ".")
            pdf.ln(3)
        pdf.set_y(-15)
        pdf.cell(0, 6, str(page + 1), align="C")
    return bytes(pdf.output())


def run(bench) -> None:
    rng = random.Random(9)
    users = get_user_model().objects
    manager = users.create_user("bench-import-manager", password=None)

    # 1. The bulk path: the import service itself, as the command and the API call it.
    project = project_create(slug="bench-import-service", name="Import benchmark (service)")
    sources = [SourceFile(f"s{n}.txt", data) for n, data in enumerate(_texts(rng, "service"))]
    start = time.perf_counter()
    report = documents_import(project=project, sources=sources, imported_by=manager)
    seconds = time.perf_counter() - start
    assert report.imported == DOCUMENTS, report.summary()
    bench.record(
        "import service, 1,000 text documents",
        DOCUMENTS / seconds,
        "documents/s",
        f"{seconds:.2f} s; originals kept, both hashes, one audit event each",
    )

    # 2. The command, from files on disk.
    project = project_create(slug="bench-import-command", name="Import benchmark (command)")
    with tempfile.TemporaryDirectory() as folder:
        for n, data in enumerate(_texts(rng, "command")):
            (Path(folder) / f"c{n:04d}.txt").write_bytes(data)
        start = time.perf_counter()
        call_command(
            "import_documents",
            folder,
            project=project.slug,
            quiet_progress=True,
            stdout=io.StringIO(),
        )
        seconds = time.perf_counter() - start
    assert Document.objects.filter(project=project).count() == DOCUMENTS
    bench.record(
        "import command, 1,000 text files", DOCUMENTS / seconds, "documents/s", f"{seconds:.2f} s"
    )

    # 3. The API: one multipart request with the 1,000 files.
    project = project_create(slug="bench-import-api", name="Import benchmark (API)")
    membership_set(project=project, user=manager, role=Role.MANAGER)
    client = Client()
    client.force_login(manager)
    files = [
        SimpleUploadedFile(f"a{n}.txt", data, content_type="text/plain")
        for n, data in enumerate(_texts(rng, "api"))
    ]
    start = time.perf_counter()
    response = client.post(f"/api/v1/projects/{project.slug}/documents", {"files": files})
    seconds = time.perf_counter() - start
    assert response.status_code == 200, response.content[:300]
    assert response.json()["imported"] == DOCUMENTS
    bench.record(
        "import API, 1,000 text files in one request",
        DOCUMENTS / seconds,
        "documents/s",
        f"{seconds:.2f} s",
    )

    # 4. A 45-page text PDF.
    data = _pdf(PDF_PAGES)
    durations = bench.repeat(lambda: extract("report.pdf", data), 3)
    extraction = extract("report.pdf", data)
    bench.record(
        f"extract a {PDF_PAGES}-page text PDF",
        min(durations),
        "s",
        f"best of 3; {len(extraction.text):,} characters, {len(extraction.page_starts)} pages",
    )
