"""Annotation creates through the JSON API under concurrency, served as in production.

gunicorn (sync workers, DEBUG off) serves the app on a free port of 127.0.0.1 from the
benchmark's own database: the same SQLite file (same DATA_DIR), or the PostgreSQL test
database run.py created. Client threads, one reviewer and API token each, then create
annotations on distinct spans of one document, each create writing its audit event in the
same transaction. Every failed request is counted and described, never hidden, and the
server's log is searched for "database is locked".

Scripts are documented to send only ``Authorization: Bearer <token>``. One such POST, with
a wrong quote so that it writes nothing, is tried first: if it is refused by the CSRF check
(as it was before the token authentication was fixed to run without a cookie), the timed
creates also send a CSRF cookie and ``X-CSRFToken`` header, and their figures say so.
Nothing here writes an audit event before the timed creates, so when this benchmark runs
first (it does, by name) the chain starts empty, as in a new installation, and its first
events are written concurrently too.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import re
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.crypto import get_random_string

from annotator.models import Annotation, AuditEvent, Document, Role
from annotator.services.assignments import assignment_create
from annotator.services.audit import audit_verify
from annotator.services.importing import SourceFile, documents_import
from annotator.services.projects import membership_set, project_create
from annotator.services.taxonomy import taxonomy_load
from annotator.services.tokens import api_token_create
from annotator.taxonomy import taxonomy_from_data
from benchmarks import server as production

CLIENTS = 20
CREATES_PER_CLIENT = 100
CATEGORY = "detention"

REQUEST_TIMEOUT = 30.0  # seconds per socket operation; gunicorn kills a worker after 30 s
RUN_TIMEOUT = 300.0  # for the whole timed phase; clients stop sending after it

# Sentences of a testimony, with Uyghur and characters outside the BMP, so that offsets
# are code points and differ from UTF-16 units and bytes.
SENTENCES = [
    "The witness said her brother was detained in 2017 and taken to a training centre.",
    "ئاكام 2017-يىلى تۇتقۇن قىلىندى.",
    "😢 𠮷 Wei has not been heard from since March 2018.",
    "Relatives abroad received calls from the police urging them to return.",
    "He described being held in a stress position for hours.",
]


@dataclass
class Outcome:
    """What the clients saw: one latency per request sent, and every failure."""

    latencies: list[float] = field(default_factory=list)
    created: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    unsent: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, ok: bool, status: int | None, problem: str = "") -> None:
        with self.lock:
            self.latencies.append(seconds)
            if ok:
                self.created += 1
            else:
                self.failures[f"{status or 'no response'}: {problem}"] += 1


def numbered_text(count: int) -> bytes:
    """One numbered sentence a line: each line is a distinct span to annotate."""
    lines = [f"{n:04d}. {SENTENCES[n % len(SENTENCES)]}" for n in range(1, count + 1)]
    return "\n".join(lines).encode()


def spans_of(text: str, count: int) -> list[tuple[int, int, str]]:
    """The first ``count`` non-empty lines of the stored text, as code-point spans."""
    spans = []
    offset = 0
    for line in text.split("\n"):
        if line.strip():
            spans.append((offset, offset + len(line), line))
        offset += len(line) + 1
    assert len(spans) >= count, f"the document has {len(spans)} lines, {count} needed"
    for start, end, quote_ in spans[:count]:
        assert text[start:end] == quote_
    return spans[:count]


@dataclass
class Setup:
    document_id: int
    slug: str
    category_id: int
    secrets: list[str]
    reviewer_ids: list[int]
    spans: list[tuple[int, int, str]]


def set_up(clients: int, spans: int) -> Setup:
    """A project, its category, a document of ``spans`` lines, ``clients`` reviewers."""
    project = project_create(slug="bench-api", name="API benchmark project")
    taxonomy_load(
        project=project,
        specs=taxonomy_from_data([{"code": CATEGORY, "name": "Arbitrary detention"}]),
    )
    report = documents_import(
        project=project,
        sources=[SourceFile(name="api-bench.txt", data=numbered_text(spans))],
        imported_by=None,
    )
    assert report.imported == 1, report.summary()
    document = Document.objects.get(pk=report.results[0].document_id)
    secrets, reviewer_ids = [], []
    for number in range(clients):
        user = get_user_model().objects.create_user(f"bench-api-{number:02d}", password=None)
        membership_set(project=project, user=user, role=Role.REVIEWER)
        assignment_create(document=document, reviewer=user, actor=None)
        _, secret = api_token_create(user=user, name="bench")
        secrets.append(secret)
        reviewer_ids.append(user.pk)
    category_id = project.categories.get(code=CATEGORY).pk
    # Offsets from the text as stored (canonicalised), not from the bytes imported.
    return Setup(
        document.pk,
        project.slug,
        category_id,
        secrets,
        reviewer_ids,
        spans_of(document.text, spans),
    )


def request(
    port: int,
    method: str,
    path: str,
    secret: str,
    body: dict | None = None,
    extra_headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    """One request on its own connection, closed after the response.

    gunicorn's sync workers close a connection after each response anyway, so a
    keep-alive connection per client would only add reconnect-on-reset logic.
    """
    headers = {
        "Authorization": f"Bearer {secret}",
        "Accept": "application/json",
        "Connection": "close",
        **(extra_headers or {}),
    }
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def describe(body: bytes) -> str:
    """The ``detail`` of a JSON error, or the start of whatever else came back."""
    try:
        return str(json.loads(body)["detail"])[:200]
    except (ValueError, KeyError, TypeError):
        return body.decode("utf-8", "replace").strip().replace("\n", " ")[:200]


def wait_until_ready(server: subprocess.Popen, port: int, path: str, secret: str, log: Path):
    deadline = time.monotonic() + production.STARTUP_TIMEOUT
    last = ""
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}:\n{production.tail(log)}")
        try:
            status, body = request(port, "GET", path, secret)
        except OSError as error:
            last = f"{type(error).__name__}: {error}"
        else:
            if status == 200:
                return
            last = f"{status}: {describe(body)}"
        time.sleep(0.2)
    raise RuntimeError(
        f"gunicorn did not answer in {production.STARTUP_TIMEOUT:.0f} s ({last}):\n"
        + production.tail(log)
    )


def csrf_headers() -> dict[str, str]:
    """A CSRF cookie and the matching header, as a script could send to pass the check."""
    token = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
    header = settings.CSRF_HEADER_NAME.removeprefix("HTTP_").replace("_", "-")
    return {"Cookie": f"{settings.CSRF_COOKIE_NAME}={token}", header: token}


def probe(port: int, path: str, secret: str, span: tuple[int, int, str]) -> tuple[int, str]:
    """A POST with the bearer token alone, refused for its wrong quote if it gets that far."""
    start, end, text = span
    payload = {"start": start, "end": end, "quote": text + "!", "category": CATEGORY}
    status, body = request(port, "POST", path, secret, payload)
    return status, describe(body)


def load(
    port: int,
    path: str,
    warm_path: str,
    secrets: list[str],
    spans: list[tuple[int, int, str]],
    creates: int,
    extra_headers: dict[str, str],
    payload_of: Callable[[int, tuple[int, int, str]], dict] | None = None,
) -> tuple[Outcome, Outcome, float]:
    """Warm up, then run every client at once; return warm-up, creates and wall seconds."""
    warm, outcome = Outcome(), Outcome()
    started: list[float] = []
    deadline = [math.inf]

    def go() -> None:  # run by one thread when all are at the barrier
        deadline[0] = time.monotonic() + RUN_TIMEOUT
        started.append(time.perf_counter())

    barrier = threading.Barrier(len(secrets), action=go)

    def client(index: int) -> None:
        secret = secrets[index]
        # One read per client first: boots every worker and moves each token's first-use
        # write (last_used_at) out of the timed phase, as in a steady stream of requests.
        begin = time.perf_counter()
        try:
            status, body = request(port, "GET", warm_path, secret)
        except OSError as error:
            warm.add(time.perf_counter() - begin, False, None, f"{type(error).__name__}: {error}")
        else:
            warm.add(time.perf_counter() - begin, status == 200, status, describe(body))
        try:
            barrier.wait(timeout=2 * REQUEST_TIMEOUT)
        except threading.BrokenBarrierError:
            with outcome.lock:
                outcome.unsent += creates
            return
        for number in range(creates):
            if time.monotonic() > deadline[0]:
                with outcome.lock:
                    outcome.unsent += creates - number
                return
            span = spans[index * creates + number]
            start, end, text = span
            payload = {"start": start, "end": end, "quote": text, "category": CATEGORY}
            if payload_of is not None:
                payload = payload_of(index, span)
            begin = time.perf_counter()
            try:
                status, body = request(port, "POST", path, secret, payload, extra_headers)
            except OSError as error:  # timeouts, refused and reset connections
                seconds = time.perf_counter() - begin
                outcome.add(seconds, False, None, f"{type(error).__name__}: {error}")
            else:
                seconds = time.perf_counter() - begin
                outcome.add(seconds, status == 201, status, "" if status == 201 else describe(body))

    threads = [
        threading.Thread(target=client, args=(index,), daemon=True, name=f"api-client-{index}")
        for index in range(len(secrets))
    ]
    for thread in threads:
        thread.start()
    give_up = time.monotonic() + 3 * REQUEST_TIMEOUT + RUN_TIMEOUT + REQUEST_TIMEOUT
    for thread in threads:
        thread.join(timeout=max(0.0, give_up - time.monotonic()))
    finished = time.perf_counter()
    hung = sum(thread.is_alive() for thread in threads)
    if hung:
        print(f"  {hung} client threads were still waiting at the time limit", flush=True)
    wall = finished - started[0] if started else math.nan
    return warm, outcome, wall


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (``share`` in 0-100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(share / 100 * len(ordered)) - 1)]


LOCKED = re.compile(r"^django\.db\.utils\.OperationalError: database is locked", re.MULTILINE)
# The last line of a traceback: the exception that reached Django's 500 handler.
RAISED = re.compile(r"^(?:[A-Za-z_][\w.]*\.)?[A-Z]\w*(?:Error|Exception|Violation)\b.*$", re.M)


def server_errors(log: str) -> Counter[str]:
    """How often each exception ended a request in a 500, from Django's error log records."""
    found: Counter[str] = Counter()
    for record in log.split("Internal Server Error: ")[1:]:
        lines = RAISED.findall(record)
        found[lines[-1][:300] if lines else record.splitlines()[0]] += 1
    return found


def run(bench) -> None:
    clients, creates = CLIENTS, CREATES_PER_CLIENT
    total = clients * creates
    setup = set_up(clients, total)
    document_id, slug, secrets, spans = setup.document_id, setup.slug, setup.secrets, setup.spans
    create_path = f"/api/v1/documents/{document_id}/annotations"
    warm_path = f"/api/v1/projects/{slug}/categories"

    log = Path(os.environ["DATA_DIR"]) / "gunicorn.log"
    began = time.perf_counter()
    server, port = production.start(log)
    try:
        wait_until_ready(server, port, warm_path, secrets[0], log)
        probe_status, probe_problem = probe(port, create_path, secrets[0], spans[0])
        extra: dict[str, str] = {}
        if probe_status == 403 and "CSRF" in probe_problem:
            print(f"  bearer token alone: 403 {probe_problem!r}", flush=True)
            extra = csrf_headers()
        elif probe_status != 400 or "quote" not in probe_problem:
            raise RuntimeError(f"a bearer-only POST got {probe_status} {probe_problem}")
        warm, outcome, wall = load(port, create_path, warm_path, secrets, spans, creates, extra)
    finally:
        production.stop(server)
    print(
        f"  gunicorn: {production.WORKERS} sync workers on 127.0.0.1:{port}, "
        f"served for {time.perf_counter() - began:.1f} s",
        flush=True,
    )

    with outcome.lock:  # a hung client may still be writing
        created, latencies = outcome.created, list(outcome.latencies)
        failures, unsent = Counter(outcome.failures), outcome.unsent
    errors = total - created  # any create that did not get its 201, sent or not
    server_log = log.read_text(errors="replace")
    locked_in_log = len(LOCKED.findall(server_log))
    locked_in_responses = sum(
        count for problem, count in failures.items() if "database is locked" in problem
    )
    locked = max(locked_in_log, locked_in_responses)
    for problem, count in warm.failures.items():
        print(f"  warm-up read failed x{count}: {problem}", flush=True)
    for problem, count in failures.items():
        print(f"  create failed x{count}: {problem}", flush=True)
    if unsent:
        print(f"  creates not sent (time limit or stuck start): {unsent}", flush=True)
    unaccounted = errors - sum(failures.values()) - unsent
    if unaccounted:
        print(f"  creates unanswered when the clients were abandoned: {unaccounted}", flush=True)
    for marker in ("WORKER TIMEOUT", "Traceback", "Internal Server Error"):
        if marker in server_log:
            print(f"  server log has {server_log.count(marker)} x {marker!r}", flush=True)
    for raised, count in server_errors(server_log).items():
        print(f"  server log: raised x{count}: {raised}", flush=True)

    stored = Annotation.objects.filter(document_id=document_id).count()
    events = AuditEvent.objects.filter(action="annotation.create", document_id=document_id).count()
    chain = audit_verify()
    print(
        f"  stored: {stored} annotations, {events} annotation.create events; audit chain "
        f"{'intact' if chain.intact else 'BROKEN: ' + chain.problem} ({chain.events} events)",
        flush=True,
    )
    connections.close_all()

    workers = production.WORKERS
    how = f"{clients} clients x {creates}, {workers} sync workers, a connection per request"
    if extra:
        how += ", + CSRF cookie/header as Bearer alone got 403"
    bench.record("annotation creates", created / wall, "annotations/s", f"201s per second; {how}")
    latency_note = f"all {len(latencies)} creates answered or failed, errors included"
    bench.record("create latency p50", percentile(latencies, 50) * 1000, "ms", latency_note)
    bench.record("create latency p99", percentile(latencies, 99) * 1000, "ms", latency_note)
    bench.record(
        "create errors",
        errors,
        "requests",
        f"not 201 or not sent, of {total}; stored {stored}, {events} audit events",
    )
    bench.record(
        "'database is locked'",
        locked,
        "errors",
        f"{locked_in_log} in the server log, {locked_in_responses} in responses",
    )
    product_rate = created / wall
    baseline_rate = run_baseline(bench, setup, creates)
    bench.record(
        "annotator / bare view",
        100 * product_rate / baseline_rate if baseline_rate else math.nan,
        "%",
        "the product's creates per second as a share of the bare view's, this run",
    )


def run_baseline(bench, setup: Setup, creates: int) -> float:
    """The same load on a bare Django view doing the same two writes (benchmarks.baseline)."""
    log = Path(os.environ["DATA_DIR"]) / "gunicorn-baseline.log"
    path = f"/baseline/documents/{setup.document_id}/annotations"
    server, port = production.start(log, app="benchmarks.baseline:application")

    def payload(index: int, span: tuple[int, int, str]) -> dict:
        start, end, text = span
        return {
            "start": start,
            "end": end,
            "quote": text,
            "reviewer": setup.reviewer_ids[index],
            "category_id": setup.category_id,
        }

    try:
        deadline = time.monotonic() + production.STARTUP_TIMEOUT
        while True:
            try:
                status, _ = request(port, "GET", path, "")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"the baseline did not start:\n{production.tail(log)}")
            time.sleep(0.2)
        _, outcome, wall = load(
            port, path, path, setup.secrets, setup.spans, creates, {}, payload_of=payload
        )
    finally:
        production.stop(server)
    connections.close_all()
    rate = outcome.created / wall
    note = f"{len(setup.secrets)} clients x {creates}; one annotation and one audit event each"
    bench.record("bare Django view creates", rate, "annotations/s", note)
    with outcome.lock:
        latencies = list(outcome.latencies)
        errors = sum(outcome.failures.values()) + outcome.unsent
    bench.record("bare view latency p99", percentile(latencies, 99) * 1000, "ms", note)
    bench.record("bare view errors", errors, "requests", note)
    return rate
