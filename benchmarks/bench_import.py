"""Import speed: 1,000 plain-text documents of about 2,000 characters through the service
(the bulk path), the command and the API; a JSONL corpus of 1,000 such documents in several
scripts through the API, timed until all are listed; and a 45-page text PDF made by the
benchmark."""

from __future__ import annotations

import io
import json
import random
import statistics
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
# The JSONL workload is run this many times (each into a project of its own, with texts of
# its own), so that its figure is a median with its spread on a machine shared with others.
JSONL_ROUNDS = 5
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


# Words of the JSONL corpus besides the English ones: Cyrillic, Arabic, CJK Extension B
# (outside the BMP: two UTF-16 units each) and emoji (some with a modifier, a variation
# selector or a zero-width joiner).
CYRILLIC = ["задержание", "свидетель", "показания", "семья", "арестован", "без", "обвинения"]
ARABIC = ["احتجاز", "شاهد", "شهادة", "عائلة", "اعتقل", "دون", "تهمة", "المحامين"]
CJK_EXTENSION_B = ["𠀋", "𠂢", "𠮷", "𡈁", "𤭢", "𨳒", "𩸽", "𠜎𠜱"]
EMOJI = ["📄", "✊🏽", "🕊️", "⚖️", "🏳️‍🌈", "🔒", "📷"]


def _mixed_text(rng: random.Random, tag: str, n: int) -> str:
    """About 2,000 characters, each sentence in one script, with emoji between."""
    sentences = [f"{tag} {n}."]
    length = len(sentences[0])
    while length < 2_000:
        words = rng.choice([WORDS, CYRILLIC, ARABIC, CJK_EXTENSION_B])
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(6, 14)))
        sentence = f"{sentence} {rng.choice(EMOJI)}."
        sentences.append(sentence)
        length += len(sentence) + 1
    return " ".join(sentences)


def _jsonl_corpus(rng: random.Random, tag: str) -> bytes:
    """One JSONL file: 1,000 lines of ``{"text": …}``, about 2,000 characters each."""
    lines = (
        json.dumps({"text": _mixed_text(rng, tag, n)}, ensure_ascii=False) for n in range(DOCUMENTS)
    )
    return ("\n".join(lines) + "\n").encode()


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

    # 4. A JSONL corpus through the API, as another tool's import is timed: one file of
    # 1,000 lines POSTed, then the document list read until it lists them all.
    jsonl_api(bench, rng, client, manager)

    # 5. A 45-page text PDF.
    data = _pdf(PDF_PAGES)
    durations = bench.repeat(lambda: extract("report.pdf", data), 3)
    extraction = extract("report.pdf", data)
    bench.record(
        f"extract a {PDF_PAGES}-page text PDF",
        min(durations),
        "s",
        f"best of 3; {len(extraction.text):,} characters, {len(extraction.page_starts)} pages",
    )


def jsonl_api(bench, rng: random.Random, client: Client, manager) -> None:
    """1,000 documents of about 2,000 characters (English, Cyrillic, Arabic, CJK Extension B
    and emoji) in one JSONL file POSTed to the import API, timed until the document list
    endpoint lists all of them; ``JSONL_ROUNDS`` rounds, the median and the spread."""
    rates = []
    for round_ in range(JSONL_ROUNDS):
        project = project_create(
            slug=f"bench-import-jsonl-{round_}", name=f"Import benchmark (JSONL API) {round_}"
        )
        membership_set(project=project, user=manager, role=Role.MANAGER)
        data = _jsonl_corpus(rng, f"jsonl {round_}")
        upload = SimpleUploadedFile("corpus.jsonl", data, content_type="application/jsonl")
        url = f"/api/v1/projects/{project.slug}/documents"
        start = time.perf_counter()
        response = client.post(url, {"files": [upload]})
        listed: set[int] = set()
        page = 1
        while True:
            listing = client.get(url, {"page_size": 500, "page": page})
            body = listing.json()
            listed.update(row["id"] for row in body["results"])
            if page >= body["pages"]:
                break
            page += 1
        seconds = time.perf_counter() - start
        assert response.status_code == 200, response.content[:300]
        assert response.json()["imported"] == DOCUMENTS, response.json()["results"][:3]
        assert len(listed) == DOCUMENTS, len(listed)
        rates.append(DOCUMENTS / seconds)
    median = statistics.median(rates)
    bench.record(
        "import API, one JSONL file of 1,000 documents, until listed",
        median,
        "documents/s",
        f"median of {JSONL_ROUNDS} ({min(rates):,.0f}-{max(rates):,.0f}); "
        f"{DOCUMENTS / median:.2f} s; {len(data) / 1e6:.1f} MB",
    )
