"""Export at scale: 10,000 documents with 1,000,000 gold spans as jsonl and as w3c, through
the export command in a child process, timed, with the child's peak memory."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from annotator.models import Category, Document, GoldOrigin, GoldSpan
from annotator.services.importing import SourceFile, documents_import
from annotator.services.projects import project_create
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import taxonomy_from_data

CODES = ["detention", "torture", "reproductive", "forced_labour", "transnational_repression"]
DOCUMENTS = 10_000
SPANS_PER_DOCUMENT = 100
SENTENCE = "Witnesses said that the detainees were held without charge for months. "


# Runs manage.py, then prints the process's peak resident memory. VmHWM belongs to the
# memory of the program after exec; ru_maxrss would also count the benchmark's own memory,
# which the child had when it was forked.
PEAK_REPORTING = """
import runpy, sys
manage, *arguments = sys.argv[1:]
sys.argv = [manage, *arguments]
try:
    runpy.run_path(manage, run_name="__main__")
finally:
    with open("/proc/self/status") as status:
        sys.stderr.write(next(line for line in status if line.startswith("VmHWM:")))
"""


def _child_env() -> dict[str, str]:
    """The environment for a child process that sees the benchmark's database."""
    env = dict(os.environ)
    if connection.vendor == "postgresql":
        database = settings.DATABASES["default"]
        env["DATABASE_URL"] = (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        )
    return env


def run(bench) -> None:
    rng = random.Random(11)
    project = project_create(slug="bench-export", name="Export benchmark")
    taxonomy_load(
        project=project, specs=taxonomy_from_data([{"code": c, "name": c} for c in CODES])
    )
    start = time.perf_counter()
    documents_import(
        project=project,
        sources=[
            SourceFile(f"e{n}.txt", f"Report {n}. {SENTENCE * 40}".encode())
            for n in range(DOCUMENTS)
        ],
        imported_by=None,
    )
    categories = list(Category.objects.filter(project=project))
    batch = []
    for pk, text in Document.objects.filter(project=project).values_list("pk", "text").iterator():
        for _ in range(SPANS_PER_DOCUMENT):
            begin = rng.randrange(0, len(text) - 40)
            end = begin + rng.randint(3, 40)
            batch.append(
                GoldSpan(
                    document_id=pk,
                    category=rng.choice(categories),
                    start=begin,
                    end=end,
                    quote=text[begin:end],
                    origin=GoldOrigin.UNANIMOUS,
                    cluster_signature="bench",
                )
            )
        if len(batch) >= 50_000:
            GoldSpan.objects.bulk_create(batch, batch_size=5_000)
            batch.clear()
    GoldSpan.objects.bulk_create(batch, batch_size=5_000)
    spans = GoldSpan.objects.filter(document__project=project).count()
    print(f"  (setup: {DOCUMENTS:,} documents, {spans:,} gold spans in "
          f"{time.perf_counter() - start:.0f} s)")  # fmt: skip

    out = Path(settings.DATA_DIR) / "exports"
    out.mkdir(exist_ok=True)
    manage = Path(__file__).resolve().parent.parent / "manage.py"
    for name in ("jsonl", "w3c"):
        path = out / f"gold.{name}"
        arguments = ["export_corpus", "--project", project.slug, "--format", name,
                     "--output", str(path)]  # fmt: skip
        start = time.perf_counter()
        finished = subprocess.run(  # noqa: S603 - our own command, fixed arguments
            [sys.executable, "-c", PEAK_REPORTING, str(manage), *arguments],
            env=_child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        report = finished.stderr.decode()
        assert finished.returncode == 0, f"export {name} failed: {report[-2000:]}"
        peak_kib = int(report.rsplit("VmHWM:", 1)[1].split()[0])
        bench.record(
            f"export {name}, 1,000,000 gold spans",
            spans / seconds,
            "spans/s",
            f"{seconds:.1f} s for the whole command; {path.stat().st_size / 1e6:,.0f} MB",
        )
        bench.record(
            f"export {name}: peak memory of the process",
            peak_kib / 1024,
            "MiB",
            "peak resident memory (VmHWM) of the export command's process",
        )
