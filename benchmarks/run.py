"""Run the benchmarks and print a table of named figures.

    make bench                      # every benchmark, on a fresh SQLite file
    make bench BENCH_ARGS="--documents 2000 --only documents"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/annotator make bench

Benchmarks measure; they assert nothing about time. Each module ``bench_*.py`` here has a
``run(bench: Bench)`` that records figures. They run against a throw-away database: a
SQLite file in a temporary folder, or, with DATABASE_URL, a test database that Django
creates beside the named one and drops afterwards.
"""

from __future__ import annotations

import argparse
import importlib
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


@dataclass
class Figure:
    benchmark: str
    name: str
    value: float
    unit: str
    note: str = ""


@dataclass
class Bench:
    """What a benchmark module gets: its options, a timer, and a place to put figures."""

    options: argparse.Namespace
    figures: list[Figure] = field(default_factory=list)
    current: str = ""

    def record(self, name: str, value: float, unit: str, note: str = "") -> None:
        self.figures.append(Figure(self.current, name, value, unit, note))
        print(f"  {name}: {value:,.2f} {unit} {note}".rstrip(), flush=True)

    @staticmethod
    def repeat(action: Callable[[], object], times: int) -> list[float]:
        """Seconds taken by each of ``times`` runs of ``action``."""
        durations = []
        for _ in range(times):
            start = time.perf_counter()
            action()
            durations.append(time.perf_counter() - start)
        return durations

    @staticmethod
    def median_ms(durations: list[float]) -> float:
        return statistics.median(durations) * 1000

    def page(self, client, url: str, params: dict, label: str, note: str) -> None:
        """Record a page's median server time (after a warm-up) and its query count."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.get(url, params)
        durations = self.repeat(lambda: client.get(url, params), self.options.repeat)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
        assert response.status_code == 200, f"{label}: {response.status_code}"
        self.record(
            f"{label} server time",
            self.median_ms(durations),
            "ms",
            f"median of {self.options.repeat}; {note}",
        )
        self.record(f"{label} queries", len(queries), "queries")


def configure_django() -> Callable[[], None]:
    """Point Django at a throw-away database; return the clean-up to call at the end."""
    # Beside the code, as a deployment's data folder is (benchmarks/out/ is not committed):
    # this machine's /tmp is shared with other jobs and creates files several times slower.
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="data-", dir=out)
    os.environ["DATA_DIR"] = data_dir
    os.environ["STATIC_ROOT"] = str(Path(data_dir) / "static")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(64))
    os.environ["DEBUG"] = "false"  # as in production: no query log, cached templates
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "annotator.settings")

    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("collectstatic", verbosity=0, interactive=False)
    if connection.vendor == "sqlite":
        call_command("migrate", verbosity=0)
        cleanup = None
    else:
        # A name of its own, so that a benchmark never drops the database of a test run.
        connection.settings_dict["TEST"]["NAME"] = f"{connection.settings_dict['NAME']}_bench"
        test_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)

        def cleanup() -> None:
            connection.creation.destroy_test_db(test_name, verbosity=0)

    # As a server starts: every view loaded, and what the process holds frozen for the
    # garbage collector (``annotator.serving``); the requests are then the test client's.
    import annotator.wsgi  # noqa: F401

    def finish() -> None:
        import shutil

        if cleanup:
            cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)

    return finish


def print_table(figures: list[Figure]) -> None:
    rows = [
        (
            f.benchmark,
            f.name,
            f"{f.value:,.0f}" if f.unit == "queries" else f"{f.value:,.2f}",
            f.unit,
            f.note,
        )
        for f in figures
    ]
    headers = ("benchmark", "figure", "value", "unit", "note")
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(5)]
    line = "  ".join(f"{{:<{width}}}" for width in widths)
    print()
    print(line.format(*headers))
    print(line.format(*("-" * w for w in widths)))
    for row in rows:
        aligned = list(row)
        aligned[2] = row[2].rjust(widths[2])
        print(line.format(*aligned))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="run only these benchmarks")
    parser.add_argument("--documents", type=int, default=10_000, help="corpus size")
    parser.add_argument("--repeat", type=int, default=20, help="requests per page figure")
    options = parser.parse_args()

    names = sorted(p.stem.removeprefix("bench_") for p in Path(__file__).parent.glob("bench_*.py"))
    if options.only:
        unknown = set(options.only) - set(names)
        if unknown:
            parser.error(f"unknown benchmark(s) {', '.join(sorted(unknown))}; have {names}")
        names = [name for name in names if name in options.only]

    finish = configure_django()
    from django.db import connection

    print(
        f"annotator benchmarks on {connection.vendor}, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}"
    )
    bench = Bench(options)
    try:
        for name in names:
            print(f"\n[{name}]", flush=True)
            bench.current = name
            importlib.import_module(f"benchmarks.bench_{name}").run(bench)
    finally:
        finish()
    print_table(bench.figures)


if __name__ == "__main__":
    main()
