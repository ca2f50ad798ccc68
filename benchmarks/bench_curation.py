"""The curation page of a long report in headless Chromium, and a moderator's decisions.

A 250,000-character document (about a 45-page UN report) that 3 reviewers annotated with
about 3,000 spans each and submitted, so that moderation aligned it: most passages every
reviewer marked alike (gold at once), the others items of every kind (another category,
other boundaries, another evidence status, source type or note, a span missing, an extra
span inside another), and one long passage of many small spans against one long span.

- The page, served by gunicorn as in production: "painted" is the page's own figure
  (``document.body.dataset.paintedMs``, from the start of curation.js until two animation
  frames after the text, gold layer, reviewers' layers and items were painted); "ready" is
  the time from navigation start until the page said so (``data-curation-ready``).
- A decision taken on the page: from the key press to the item showing the server's answer.
- Decisions through the JSON API, server time in-process (Django's test client, as the
  moderation benchmark times its item page): resolving items and reopening them, with the
  queries of each for an item of 2 spans and one of many, which must be the same.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotator.models import Annotation, Category, Document, ModerationItem, Role
from annotator.services.assignments import assignment_create, review_submit
from annotator.services.importing import SourceFile, documents_import
from annotator.services.moderation_start import moderation_start, moderation_started
from annotator.services.projects import membership_set, project_create
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy import parse_taxonomy
from benchmarks import server as production

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
TEXT_LENGTH = 250_000
REVIEWERS = 3
PASSAGES = 3_000  # one passage marked by most reviewers every ~83 characters
MANY = 40  # small spans of one reviewer in the long passage: one item of many spans
LOADS = 7
PAGE_DECISIONS = 10
DECISIONS = 50
PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throw-away user and database
SENTENCES = [
    "The witness said her brother was detained in 2017 and taken to a training centre.",
    "Officials denied that anyone was held against their will.",
    "Workers were transferred to factories in other provinces under threat of penalty.",
    "ئاكام 2017-يىلى تۇتقۇن قىلىندى، ئۇنىڭدىن ھېچقانداق خەۋەر يوق.",
    "Relatives abroad received calls from the police urging them to return. 😢",
    "𠮷 Wei described being held in a stress position for hours.",
]
STATUSES = ["confirmed", "likely", "possible", "unknown"]
SOURCES = ["victim_testimony", "witness_testimony", "official_statement", "media_report"]
# How often a passage is marked alike by every reviewer, or differs in one way (the rest).
ALIKE = 0.5
WAYS = ["label", "boundary", "attributes", "missing", "extra", "several"]


def report_text(rng: random.Random) -> str:
    paragraphs = []
    length = 0
    number = 0
    while length < TEXT_LENGTH:
        number += 1
        paragraph = f"{number}. " + " ".join(
            rng.choice(SENTENCES) for _ in range(rng.randint(2, 6))
        )
        paragraphs.append(paragraph)
        length += len(paragraph) + 2
    return "\n\n".join(paragraphs)[:TEXT_LENGTH]


Proposal = tuple[int, int, str, str, str, str]  # start, end, category, status, source, note


def _moved(span: Proposal, rng: random.Random, low: int, high: int) -> Proposal:
    start, end, *rest = span
    if rng.random() < 0.5:
        start = min(max(low, start + rng.choice([-4, -2, -1, 1, 2, 4])), end - 1)
    else:
        end = max(min(high, end + rng.choice([-4, -2, -1, 1, 2, 4])), start + 1)
    return (start, end, *rest)


def _redescribed(span: Proposal, rng: random.Random) -> Proposal:
    start, end, category, status, source, note = span
    which = rng.randrange(3)
    if which == 0:
        status = rng.choice([s for s in STATUSES if s != status])
    elif which == 1:
        source = rng.choice([s for s in SOURCES if s != source])
    else:
        note = "Corroborated by a second account." if not note else ""
    return (start, end, category, status, source, note)


def layers(rng: random.Random, text: str, codes: list[str]) -> list[list[Proposal]]:
    """Each reviewer's spans: a passage every ~83 characters, kept apart from the next so
    that clusters do not chain across passages, marked alike or differing in one way."""
    result: list[list[Proposal]] = [[] for _ in range(REVIEWERS)]
    width = len(text) // PASSAGES
    many_at = PASSAGES // 2  # the long passage takes the room of three
    passage = 0
    while passage < PASSAGES:
        low = passage * width
        if passage == many_at:
            high = low + 3 * width - 10
            _long_passage(result, low, high, codes)
            passage += 3
            continue
        high = low + width - 10
        start = low + 5 + rng.randrange(8)
        while text[start].isspace():
            start += 1
        end = min(start + rng.randint(10, 55), high - 5)
        base: Proposal = (
            start,
            end,
            rng.choice(codes),
            rng.choice(STATUSES),
            rng.choice(SOURCES),
            "",
        )
        versions = [base] * REVIEWERS
        if rng.random() >= ALIKE:
            way = rng.choice(WAYS)
            odd = rng.randrange(REVIEWERS)
            extra: Proposal | None = None
            if way == "label":
                other = rng.choice([c for c in codes if c != base[2]])
                versions[odd] = (start, end, other, *base[3:])
            elif way == "boundary":
                versions[odd] = _moved(base, rng, low, high)
            elif way == "attributes":
                versions[odd] = _redescribed(base, rng)
            elif way == "missing":
                versions[odd] = None
            elif way == "extra":
                inner = start + (end - start) // 3
                extra = (inner, inner + 4, rng.choice(codes), *base[3:])
            else:  # several reviewers differ, each in their own way
                versions = [
                    rng.choice(
                        [
                            base,
                            _moved(base, rng, low, high),
                            _redescribed(base, rng),
                            (start, end, rng.choice(codes), *base[3:]),
                            None,
                        ]
                    )
                    for _ in range(REVIEWERS)
                ]
            if extra is not None:
                result[odd].append(extra)
        for reviewer, span in enumerate(versions):
            if span is not None:
                result[reviewer].append(span)
        passage += 1
    return result


def _long_passage(result: list[list[Proposal]], low: int, high: int, codes: list[str]) -> None:
    """Reviewer A marks every few words, B the whole passage once, C a handful."""
    step = (high - low) // MANY
    for number in range(MANY):
        at = low + number * step
        result[0].append((at, at + step - 2, codes[number % len(codes)], "likely", "other", ""))
    result[1].append((low, high, codes[0], "likely", "other", ""))
    for number in range(0, MANY, 8):
        at = low + number * step
        result[2].append((at, at + step - 2, codes[1], "likely", "other", ""))


@dataclass
class Setup:
    document: Document
    slug: str
    aligned_ms: float  # submitting the last layer, which aligns the three
    items: str  # how many items of which kinds


def set_up(rng: random.Random) -> Setup:
    project = project_create(slug="bench-curation", name="Curation benchmark")
    specs = parse_taxonomy((ROOT / "seeds" / "taxonomy.yaml").read_bytes(), filename="t.yaml")
    taxonomy_load(project=project, specs=specs)
    users = get_user_model().objects
    moderator = users.create_user("bench-curator", password=PASSWORD)
    membership_set(project=project, user=moderator, role=Role.MODERATOR)
    report = documents_import(
        project=project,
        sources=[SourceFile(name="report.txt", data=report_text(rng).encode())],
        imported_by=None,
    )
    document = Document.objects.get(pk=report.results[0].document_id)
    categories = {c.code: c for c in Category.objects.filter(project=project)}
    text = document.text
    reviewers = []
    for number in range(1, REVIEWERS + 1):
        reviewer = users.create_user(f"bench-curation-reviewer-{number}", password=None)
        membership_set(project=project, user=reviewer, role=Role.REVIEWER)
        assignment_create(document=document, reviewer=reviewer, actor=None)
        reviewers.append(reviewer)
    for reviewer, spans in zip(reviewers, layers(rng, text, sorted(categories)), strict=True):
        # Set-up only: bulk_create skips the per-span service (and its audit events).
        Annotation.objects.bulk_create(
            Annotation(
                document=document,
                reviewer=reviewer,
                category=categories[category],
                start=start,
                end=end,
                quote=text[start:end],
                evidence_status=status,
                source_type=source,
                note=note,
            )
            for start, end, category, status, source, note in spans
        )
        print(f"  {reviewer.username}: {len(spans):,} spans", flush=True)
    begin = time.perf_counter()
    for reviewer in reviewers:
        review_submit(document=document, reviewer=reviewer)  # the last one aligns the layers
    if not moderation_started(document):
        moderation_start(document=document, actor=moderator)
    aligned = (time.perf_counter() - begin) * 1000
    kinds = Counter(
        kind
        for item_kinds in ModerationItem.objects.filter(document=document).values_list(
            "kinds", flat=True
        )
        for kind in item_kinds
    )
    items = ModerationItem.objects.filter(document=document).count()
    gold = document.gold_spans.count()
    print(f"  {items:,} items, by kind {dict(sorted(kinds.items()))}; {gold:,} gold spans")
    assert set(kinds) == {"label", "boundary", "attributes", "missing"}, kinds
    by_kind = ", ".join(f"{kind} {count:,}" for kind, count in sorted(kinds.items()))
    return Setup(document, project.slug, aligned, f"{items:,} items ({by_kind})")


def run(bench) -> None:
    if not os.path.exists(CHROMIUM):
        print(f"  skipped: no Chromium at {CHROMIUM} (apt-get install chromium)")
        return
    rng = random.Random(250_000 * 3)
    setup = set_up(rng)
    document, slug = setup.document, setup.slug
    bench.record(
        "submit the layers (the last aligns)",
        setup.aligned_ms,
        "ms",
        f"3 layers of ~{PASSAGES:,} spans; {setup.items}",
    )
    curate_path = reverse("document_curate", kwargs={"project_slug": slug, "pk": document.pk})
    client = Client()
    client.force_login(get_user_model().objects.get(username="bench-curator"))
    bench.page(client, curate_path, {}, "curation page", f"{document.text_length:,} characters")

    log = Path(os.environ["DATA_DIR"]) / "gunicorn-curation.log"
    server, port = production.start(log)
    try:
        production.wait_for_page(server, port, log)
        measure_page(bench, port, curate_path, document)
    finally:
        production.stop(server)
    measure_decisions(bench, client, document)


def measure_page(bench, port: int, curate_path: str, document: Document) -> None:
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
    items = ModerationItem.objects.filter(document=document).exclude(status="superseded")
    expected = {
        "items": items.count(),
        "open": items.filter(status="open").count(),
        "gold": document.gold_spans.count(),
        "layer": Annotation.objects.filter(document=document).count(),
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            # When the page says it is ready, to the microsecond (a mutation is seen at once).
            context.add_init_script(
                """new MutationObserver((changes, observer) => {
                     if (document.body?.dataset.curationReady === "true") {
                       window.curationReadyAt = performance.now();
                       observer.disconnect();
                     }
                   }).observe(document,
                              {attributes: true, subtree: true,
                               attributeFilter: ["data-curation-ready"]});"""
            )
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", "bench-curator")
            page.fill("#id_password", PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{base}/")

            painted, ready = [], []
            for _ in range(LOADS):
                page.goto(f"{base}{curate_path}")
                page.wait_for_selector("body[data-curation-ready=true]", timeout=60_000)
                page.wait_for_function("() => window.curationReadyAt !== undefined")
                painted.append(float(page.evaluate("document.body.dataset.paintedMs")))
                ready.append(page.evaluate("window.curationReadyAt"))
            shown = page.evaluate(
                """() => {
                  const n = performance.getEntriesByType('navigation')[0];
                  const summary = document.getElementById('item-summary').dataset;
                  let gold = 0, layer = 0;
                  for (const [name, h] of CSS.highlights) {
                    if (name.startsWith('cat-')) gold += h.size;
                    if (name.startsWith('layer-')) layer += h.size;
                  }
                  return {ttfb: n.responseStart - n.requestStart,
                          download: n.responseEnd - n.responseStart,
                          domContentLoaded: n.domContentLoadedEventEnd,
                          htmlKB: n.decodedBodySize / 1024,
                          marked: document.querySelectorAll('.item-open-line').length,
                          items: Number(summary.total), open: Number(summary.open),
                          gold, layer};
                }"""
            )
            print("  last load:", {k: round(v, 1) for k, v in shown.items()})
            for name in ("items", "open", "gold", "layer"):
                assert shown[name] == expected[name], f"the page shows {shown}, not {expected}"
            note = (
                f"{expected['gold']:,} gold, {expected['layer']:,} reviewers' spans, "
                f"{expected['items']:,} items"
            )
            bench.record(
                "everything painted (paintedMs)",
                statistics.median(painted),
                "ms",
                f"median of {LOADS} loads, worst {max(painted):.0f} ms; from module start; " + note,
            )
            bench.record(
                "navigation to curationReady",
                statistics.median(ready),
                "ms",
                f"median of {LOADS}, worst {max(ready):.0f} ms, best {min(ready):.0f} ms",
            )
            bench.record(
                "page HTML",
                shown["htmlKB"],
                "KB",
                f"text, layers, items and gold as JSON; DOMContentLoaded "
                f"{shown['domContentLoaded']:.0f} ms on the last load",
            )
            # What the page did, printed if a decision never shows (a refusal, an error).
            seen: list[str] = []
            page.on("console", lambda message: seen.append(f"console {message.text}"))
            page.on(
                "response",
                lambda response: seen.append(
                    f"{response.request.method} {response.url} {response.status}"
                ),
            )
            try:
                decide_on_page(bench, page)
            except Exception:
                print("  the page's last events:", *seen[-20:], sep="\n    ")
                raise
        finally:
            browser.close()


def decide_on_page(bench, page) -> None:
    """Keys as a moderator presses them: n to the next item, a reviewer's letter to accept
    their version, u to undo it; each timed from the key press to the item showing the
    server's answer (the save, the gold layer and the margin updated)."""
    page.evaluate(
        """() => {
          window.pressedAt = null;
          document.addEventListener('keydown', () => { window.pressedAt = performance.now(); },
                                    {capture: true});
          window.untilStatus = (status) => new Promise((resolve, reject) => {
            const current = document.getElementById('item-current');
            const observer = new MutationObserver(() => {
              if (current.dataset.status === status) {
                observer.disconnect();
                resolve(performance.now() - window.pressedAt);
              }
            });
            observer.observe(current, {attributes: true, attributeFilter: ['data-status']});
            // A refused decision never changes the status: say what the page said instead.
            setTimeout(() => {
              observer.disconnect();
              const message = document.getElementById('editor-message')?.textContent || '';
              reject(new Error(`no "${status}" after 30 s; the page says: ${message.trim()}`));
            }, 30000);
          });
        }"""
    )
    accepted, undone = [], []
    for _ in range(PAGE_DECISIONS):
        page.keyboard.press("n")
        letter = page.get_attribute("#item-accept-buttons button[data-letter]", "data-letter")
        assert page.get_attribute("#item-current", "data-status") == "open"
        page.evaluate("() => { window.waiting = window.untilStatus('resolved'); }")
        page.keyboard.press(letter.lower())
        accepted.append(page.evaluate("window.waiting"))
        page.evaluate("() => { window.waiting = window.untilStatus('open'); }")
        page.keyboard.press("u")
        undone.append(page.evaluate("window.waiting"))
    bench.record(
        "key to decision shown (page)",
        statistics.median(accepted),
        "ms",
        f"median of {PAGE_DECISIONS}, worst {max(accepted):.0f} ms; accept a reviewer's version",
    )
    bench.record(
        "key to undo shown (page)",
        statistics.median(undone),
        "ms",
        f"median of {PAGE_DECISIONS}, worst {max(undone):.0f} ms",
    )


def p95(durations: list[float]) -> float:
    return statistics.quantiles(durations, n=20, method="inclusive")[18] * 1000


def _post(client: Client, url: str, body: dict):
    return client.post(url, body, content_type="application/json")


def measure_decisions(bench, client: Client, document: Document) -> None:
    api = reverse("api:api-root")
    open_items = list(
        ModerationItem.objects.filter(document=document, status="open").order_by("start")
    )
    letters = _letters(client, api, open_items)  # reviewer id -> letter, as the API says

    def decision(item: ModerationItem, number: int) -> dict:
        if number % 5 == 4:
            return {
                "version": item.version,
                "resolution": "reject",
                "reason": "reviewer_error",
                "rationale": "Not an allegation.",
            }
        reviewer = next(r for r, spans in sorted(item.versions.items()) if spans)
        return {
            "version": item.version,
            "resolution": "accept_reviewer",
            "reviewer": letters[reviewer],
        }

    # A warm-up decision and its undo, outside the figures.
    warm = open_items.pop()
    assert _post(client, f"{api}items/{warm.pk}/resolve", decision(warm, 0)).status_code == 200
    assert _post(client, f"{api}items/{warm.pk}/reopen", {"version": 2}).status_code == 200

    chosen = open_items[:: max(1, len(open_items) // DECISIONS)][:DECISIONS]
    resolved, reopened, versions = [], [], []
    for number, item in enumerate(chosen):
        begin = time.perf_counter()
        response = _post(client, f"{api}items/{item.pk}/resolve", decision(item, number))
        resolved.append(time.perf_counter() - begin)
        assert response.status_code == 200, response.content
        versions.append(response.json()["item"]["version"])
    for item, version in zip(chosen, versions, strict=True):
        begin = time.perf_counter()
        response = _post(client, f"{api}items/{item.pk}/reopen", {"version": version})
        reopened.append(time.perf_counter() - begin)
        assert response.status_code == 200, response.content
    kinds = Counter(kind for item in chosen for kind in item.kinds)
    bench.record(
        "resolve an item (API, server time)",
        bench.median_ms(resolved),
        "ms",
        f"median of {len(chosen)}, p95 {p95(resolved):.1f} ms, worst {max(resolved) * 1000:.1f}"
        f" ms; 4 in 5 accept a reviewer, 1 in 5 reject; kinds {dict(sorted(kinds.items()))}",
    )
    bench.record(
        "reopen an item (API, server time)",
        bench.median_ms(reopened),
        "ms",
        f"median of {len(chosen)}, p95 {p95(reopened):.1f} ms, worst {max(reopened) * 1000:.1f} ms",
    )

    # The queries of a decision and of its undo: the same for 2 spans as for many.
    small = _item_with_spans(document, lambda n: n == 2)
    large = _item_with_spans(document, lambda n: n >= MANY)
    counts = {}
    for label, item in (("small", small), ("large", large)):
        spans = sorted({tuple(span) for spans in item.versions.values() for span in spans})
        body = {
            "version": item.version,
            "resolution": "accept_spans",
            "spans": [
                dict(
                    zip(
                        ("start", "end", "category", "evidence_status", "source_type", "note"),
                        span,
                        strict=True,
                    )
                )
                for span in spans
            ],
        }
        with CaptureQueriesContext(connection) as resolve_queries:
            response = _post(client, f"{api}items/{item.pk}/resolve", body)
        assert response.status_code == 200, response.content
        assert len(response.json()["gold"]) == len(spans)
        with CaptureQueriesContext(connection) as reopen_queries:
            response = _post(client, f"{api}items/{item.pk}/reopen", {"version": item.version + 1})
        assert response.status_code == 200, response.content
        counts[label] = (len(spans), len(resolve_queries), len(reopen_queries))
    (small_spans, small_resolve, small_reopen) = counts["small"]
    (large_spans, large_resolve, large_reopen) = counts["large"]
    same = "the same" if (small_resolve, small_reopen) == (large_resolve, large_reopen) else "NOT"
    bench.record(
        "resolve queries",
        small_resolve,
        "queries",
        f"{small_spans} spans kept; {large_resolve} for {large_spans} spans ({same})",
    )
    bench.record(
        "reopen queries",
        small_reopen,
        "queries",
        f"{small_spans} gold spans removed; {large_reopen} for {large_spans} ({same})",
    )
    assert same == "the same", counts  # a query per span is a bug, not a slow machine


def _letters(client: Client, api: str, items: list[ModerationItem]) -> dict[str, str]:
    """Reviewer id (as items store it) -> letter (as the API names them), from one item."""
    for item in items:
        versions = client.get(f"{api}items/{item.pk}").json()["versions"]
        if len(versions) == len(item.versions):
            # Both in the reviewers' order: by assignment, which is by id here.
            return dict(zip(sorted(item.versions, key=int), sorted(versions), strict=True))
    raise AssertionError("no item names every reviewer")


def _item_with_spans(document: Document, wanted) -> ModerationItem:
    for item in ModerationItem.objects.filter(document=document, status="open").order_by("pk"):
        distinct = {tuple(span) for spans in item.versions.values() for span in spans}
        if wanted(len(distinct)):
            return item
    raise AssertionError("no such item")
