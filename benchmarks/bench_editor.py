"""The editor on a long report in headless Chromium: time to paint every highlight (with
the relations listed), time from the keypress that tags a selection to the span showing
and being saved, and from the pick that ends a link to the relation showing.

A 250,000-character document (about a 45-page UN report) with 3,000 spans and 1,000
relations between them from one reviewer, served by gunicorn as in production. "Painted"
is the time from navigation start until two animation frames after the editor registered
every highlight: the first frame that includes them has then been produced.

The editor is opened with ``?instrument=1``: only then does it load its benchmark hooks
(static/annotator/editor/instrument.js, ``window.annotatorEditor``), which reviewers'
pages never load.
"""

from __future__ import annotations

import os
import random
import statistics
from pathlib import Path

from django.contrib.auth import get_user_model

from annotator.models import Annotation, Category, Document, Relation, RelationType, Role
from annotator.services.assignments import assignment_create
from annotator.services.importing import SourceFile, documents_import
from annotator.services.projects import membership_set, project_create
from annotator.services.taxonomy import taxonomy_load
from annotator.taxonomy_relations import parse_taxonomy_file
from benchmarks import server as production

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
TEXT_LENGTH = 250_000
SPANS = 3_000
RELATIONS = 1_000
LINKS = 20
LOADS = 5
KEYPRESSES = 20
PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throw-away user and database
SENTENCES = [
    "The witness said her brother was detained in 2017 and taken to a training centre.",
    "Officials denied that anyone was held against their will.",
    "Workers were transferred to factories in other provinces under threat of penalty.",
    "ئاكام 2017-يىلى تۇتقۇن قىلىندى، ئۇنىڭدىن ھېچقانداق خەۋەر يوق.",
    "Relatives abroad received calls from the police urging them to return. 😢",
    "𠮷 Wei described being held in a stress position for hours.",
]


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


def set_up(rng: random.Random) -> tuple[Document, str]:
    project = project_create(slug="bench-editor", name="Editor benchmark")
    taxonomy = parse_taxonomy_file((ROOT / "seeds" / "taxonomy.yaml").read_bytes())
    taxonomy_load(
        project=project, specs=taxonomy.categories, relation_types=taxonomy.relation_types
    )
    user = get_user_model().objects.create_user("bench-reviewer", password=PASSWORD)
    membership_set(project=project, user=user, role=Role.REVIEWER)
    report = documents_import(
        project=project,
        sources=[SourceFile(name="report.txt", data=report_text(rng).encode())],
        imported_by=None,
    )
    document = Document.objects.get(pk=report.results[0].document_id)
    assignment_create(document=document, reviewer=user, actor=None)
    # Violation categories only: the seed's relation types link those.
    categories = list(Category.objects.filter(project=project, group="violation"))
    text = document.text
    spans = []
    for _ in range(SPANS):
        start = rng.randrange(0, len(text) - 200)
        end = start + rng.randint(5, 120)
        while text[start].isspace():
            start += 1
        spans.append(
            Annotation(
                document=document,
                reviewer=user,
                category=rng.choice(categories),
                start=start,
                end=end,
                quote=text[start:end],
            )
        )
    # Set-up only: bulk_create skips the per-span service (and its audit events) for speed.
    Annotation.objects.bulk_create(spans)
    saved = list(Annotation.objects.filter(document=document).values_list("pk", flat=True))
    types = list(RelationType.objects.filter(project=project))
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < RELATIONS:
        source, target = rng.sample(saved, 2)
        pairs.add((source, target))
    Relation.objects.bulk_create(
        Relation(
            document=document,
            reviewer=user,
            source_id=source,
            target_id=target,
            relation_type=rng.choice(types),
        )
        for source, target in sorted(pairs)
    )
    return document, project.slug


def run(bench) -> None:
    if not os.path.exists(CHROMIUM):
        print(f"  skipped: no Chromium at {CHROMIUM} (apt-get install chromium)")
        return
    rng = random.Random(250_000)
    document, slug = set_up(rng)
    editor_path = f"/projects/{slug}/documents/{document.pk}/annotate/?instrument=1"
    log = Path(os.environ["DATA_DIR"]) / "gunicorn-editor.log"
    server, port = production.start(log)
    try:
        production.wait_for_page(server, port, log)
        measure(bench, port, editor_path, document)
    finally:
        production.stop(server)


def measure(bench, port: int, editor_path: str, document: Document) -> None:
    from playwright.sync_api import sync_playwright

    base = f"http://127.0.0.1:{port}"
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
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", "bench-reviewer")
            page.fill("#id_password", PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(f"{base}/")

            painted, loaded = [], []
            for _ in range(LOADS):
                page.goto(f"{base}{editor_path}")
                page.wait_for_selector("body[data-editor-ready=true]", timeout=60_000)
                painted.append(page.evaluate("window.annotatorEditor.paintedAt"))
                loaded.append(
                    page.evaluate(
                        "performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"
                    )
                )
            phases = page.evaluate(
                """() => {
                  const n = performance.getEntriesByType('navigation')[0];
                  const out = {ttfb: n.responseStart - n.requestStart,
                               download: n.responseEnd - n.responseStart,
                               domInteractive: n.domInteractive};
                  for (const m of performance.getEntriesByType('measure')) out[m.name] = m.duration;
                  return out;
                }"""
            )
            print("  phases of the last load (ms):", {k: round(v, 1) for k, v in phases.items()})
            count = page.evaluate("window.annotatorEditor.spans().length")
            assert count == SPANS, f"the editor shows {count} spans, not {SPANS}"
            listed = page.locator("#relation-total").text_content()
            assert listed == str(RELATIONS), f"the editor lists {listed} relations"
            bench.record(
                "every highlight painted",
                statistics.median(painted),
                "ms",
                f"median of {LOADS} loads from navigation start; {SPANS} spans, {RELATIONS} "
                "relations, "
                f"{document.text_length:,} characters",
            )
            bench.record(
                "page DOMContentLoaded",
                statistics.median(loaded),
                "ms",
                "median, same loads (HTML and scripts parsed)",
            )

            saved, shown = [], []
            lines = page.locator("#document-text .doc-line")
            total_lines = lines.count()
            for attempt in range(KEYPRESSES):
                line = 2 * attempt + 10
                while line < total_lines and len(lines.nth(line).text_content() or "") < 40:
                    line += 1
                page.evaluate(
                    """(line) => {
                      const lines = document.querySelectorAll('#document-text .doc-line');
                      const node = lines[line].firstChild;
                      node.parentElement.scrollIntoView({block: 'center'});
                      const range = document.createRange();
                      range.setStart(node, 5);
                      range.setEnd(node, 25);
                      const selection = window.getSelection();
                      selection.removeAllRanges();
                      selection.addRange(range);
                    }""",
                    line,
                )
                page.keyboard.press("1")
                page.wait_for_function(
                    "() => window.annotatorEditor.timings.lastCreateSavedMs !== null "
                    "&& window.annotatorEditor.queue.pending === 0"
                )
                timings = page.evaluate(
                    "(() => { const t = {...window.annotatorEditor.timings};"
                    " window.annotatorEditor.timings.lastCreateSavedMs = null; return t; })()"
                )
                saved.append(timings["lastCreateSavedMs"])
                shown.append(timings["lastCreateShownMs"])
            bench.record(
                "keypress to span shown",
                statistics.median(shown),
                "ms",
                f"median of {KEYPRESSES}; max {max(shown):.1f} ms",
            )
            bench.record(
                "keypress to span saved",
                statistics.median(saved),
                "ms",
                f"median of {KEYPRESSES}; max {max(saved):.1f} ms (server answered 201)",
            )
            links(bench, page)
        finally:
            browser.close()


def links(bench, page) -> None:
    """From the pick of a link's other end (what a click on its highlight does) to the frame
    that shows the new relation in the span's details and in the list."""
    shown, handlers, selections = page.evaluate(
        """async (times) => {
          const editor = window.annotatorEditor;
          const spans = editor.spans();
          const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
          const durations = [];
          const handlers = [];
          const selections = [];
          for (let n = 0; n < times; n += 1) {
            const source = spans[(n * 131) % spans.length];
            const target = spans[(n * 131 + 977) % spans.length];
            editor.select(source.localId);
            await frame();
            await frame();
            // A plain selection first, as a click on a highlight makes: what linking adds to.
            const selected = performance.now();
            editor.select(target.localId);
            await frame();
            selections.push(performance.now() - selected);
            editor.select(source.localId);
            await frame();
            await frame();
            document.getElementById('detail-link').click();
            // The reviewer then moves to the other end: the banner is drawn meanwhile.
            await frame();
            await frame();
            const before = Number(document.getElementById('relation-total').textContent);
            const start = performance.now();
            editor.select(target.localId);
            await Promise.resolve();
            handlers.push(performance.now() - start);
            await frame();
            const after = Number(document.getElementById('relation-total').textContent);
            if (after !== before + 1) throw new Error(`no relation shown (${before} -> ${after})`);
            durations.push(performance.now() - start);
          }
          return [durations, handlers, selections];
        }""",
        LINKS,
    )
    page.wait_for_function("() => window.annotatorEditor.queue.pending === 0")
    bench.record(
        "pick of a link's end to relation shown",
        statistics.median(shown),
        "ms",
        f"median of {LINKS}; max {max(shown):.1f} ms; {RELATIONS} relations already there; "
        f"{statistics.median(handlers):.1f} ms of it in the pick's handlers",
    )
    bench.record(
        "selection of a span to shown (for comparison)",
        statistics.median(selections),
        "ms",
        f"median of {LINKS}; the same spans selected without linking",
    )
