"""Browser tests: Playwright for Python driving Debian's Chromium against the live server.

Without Chromium the tests are skipped, except with CI=true, where that is a failure.

Every page a test opens is watched (``PageWatch``) from its first request to the end of the
test, and the fixture's teardown fails the test when any page:

- asked another host for anything (the product promises never to);
- wrote an error to the browser console, or had a request fail (refused, aborted, or
  answered 4xx/5xx), unless the test declared that failure with ``watch.expect_failure``;
- opened a dialog (document text may have run as script);
- has a critical or serious accessibility violation found by axe-core, run in the page on
  every page visited (after each ``goto``, at each ``watch.audit(...)`` a test calls for
  states such as an open popup, on the page as the test leaves it, and, for pages reached by
  clicking, on a fresh load of their address at the end).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# Flags that keep Chromium from calling home: on this network such requests are refused,
# and a privacy-minded product should not make them anyway.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The impacts that fail a test; "moderate" and "minor" findings are left to review.
FAILING_IMPACTS = ("critical", "serious")
# On some pages (the Django admin's) axe-core's own checks set inline styles, which the
# content security policy refuses and Chromium reports in the console.
AXE_CSP_NOISE = "Applying inline style violates the following Content Security Policy"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)."
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " CI=true: browser tests may not be skipped.")
        pytest.skip(message)
    # Playwright's sync API runs an event loop in this thread; Django refuses ORM calls
    # from a thread with a running loop unless told that this is deliberate. Module scope
    # stops the loop before the next, non-browser, test module runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _without_fragment(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, parts.query, ""))


@dataclass
class _ExpectedFailure:
    pattern: re.Pattern[str]
    seen: int = 0


@dataclass
class PageWatch:
    """What a page did that it should not; ``problems()`` lists it, one line each."""

    page: Page
    origin: str
    foreign_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    accessibility: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    audited: set[str] = field(default_factory=set)
    expected: list[_ExpectedFailure] = field(default_factory=list)
    auditing: bool = False

    # --- Recording ------------------------------------------------------------------

    def attach(self) -> None:
        page = self.page
        page.on("request", self._on_request)
        page.on("requestfailed", self._on_request_failed)
        page.on("response", self._on_response)
        page.on("console", self._on_console)
        page.on("dialog", self._on_dialog)
        page.on("framenavigated", self._on_navigated)

    def _on_request(self, request) -> None:
        url = request.url
        if not (url.startswith(self.origin) or url.startswith(("data:", "blob:"))):
            self.foreign_requests.append(url)

    def _expected(self, text: str) -> bool:
        for failure in self.expected:
            if failure.pattern.search(text):
                failure.seen += 1
                return True
        return False

    def _on_request_failed(self, request) -> None:
        # The browser itself cancels a load when the page navigates away before it finished
        # or when a navigation turns out to be a download: nothing failed there.
        if request.failure == "net::ERR_ABORTED":
            return
        line = f"{request.method} {request.url}: {request.failure}"
        if not self._expected(line):
            self.failed_requests.append(line)

    def _on_response(self, response) -> None:
        if response.status >= 400:
            line = f"{response.request.method} {response.url}: HTTP {response.status}"
            if not self._expected(line):
                self.failed_requests.append(line)

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        if self.auditing and message.text.startswith(AXE_CSP_NOISE):
            return  # axe-core itself, not the page, tried to set an inline style
        location = message.location.get("url", "") if message.location else ""
        line = f"{message.text} ({location})" if location else message.text
        # Chromium reports every failed load in the console too: an expected failure is
        # expected there as well.
        if not self._expected(line):
            self.console_errors.append(line)

    def _on_dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def _on_navigated(self, frame) -> None:
        if frame == self.page.main_frame and frame.url.startswith(self.origin):
            self.visited.append(_without_fragment(frame.url))

    # --- What a test declares -------------------------------------------------------------

    def expect_failure(self, pattern: str) -> None:
        """Declare that requests (and their console errors) matching ``pattern`` fail on
        purpose in this test: a refused save, a route aborted to simulate an outage. The
        teardown then checks that at least one such failure did happen."""
        self.expected.append(_ExpectedFailure(re.compile(pattern)))

    def audit(self, label: str = "") -> None:
        """Run axe-core on the page as it is now; critical and serious findings fail the test."""
        page = self.page
        if page.is_closed():
            return
        page.wait_for_load_state("load")
        self.auditing = True
        try:
            violations = self._run_axe()
        finally:
            self.auditing = False
        where = _without_fragment(page.url)
        self.audited.add(where)
        for violation in violations:
            if violation["impact"] in FAILING_IMPACTS:
                self.accessibility.append(
                    f"{where}{f' ({label})' if label else ''}: {violation['id']} "
                    f"({violation['impact']}, {violation['count']} elements): {violation['help']}"
                    f" — {'; '.join(violation['targets'])}"
                )

    def _run_axe(self) -> list[dict]:
        page = self.page
        if not page.evaluate("() => typeof window.axe === 'object'"):
            page.evaluate(AXE_SCRIPT)
        return page.evaluate(
            """async () => {
              const results = await window.axe.run(document, {resultTypes: ['violations']});
              return results.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map((node) => node.target.join(' ')),
                count: v.nodes.length,
              }));
            }"""
        )

    def audit_unvisited(self) -> None:
        """Load and audit every address the page showed that no audit has covered yet."""
        self.audit("as the test left it")
        for url in dict.fromkeys(self.visited):
            if url in self.audited or self.page.is_closed():
                continue
            response = self.page.goto(url)
            content_type = response.headers.get("content-type", "") if response else ""
            if response is not None and response.ok and content_type.startswith("text/html"):
                self.audit("loaded again at the end of the test")
            self.audited.add(url)

    # --- Verdict --------------------------------------------------------------------------

    def problems(self) -> list[str]:
        found = []
        found += [f"request to another host: {url}" for url in self.foreign_requests]
        found += [f"console error: {text}" for text in self.console_errors]
        found += [f"failed request: {text}" for text in self.failed_requests]
        found += [f"dialog opened (did text run as script?): {text}" for text in self.dialogs]
        found += [f"accessibility: {text}" for text in self.accessibility]
        found += [
            f"a failure declared with expect_failure({failure.pattern.pattern!r}) never happened"
            for failure in self.expected
            if not failure.seen
        ]
        return found

    def assert_clean(self) -> None:
        problems = self.problems()
        assert not problems, "the page did what it should not:\n  " + "\n  ".join(problems)


@dataclass
class Pages:
    """Opens watched pages, each in a context of its own (its own cookies: its own user)."""

    browser: Browser
    base_url: str
    watches: list[PageWatch] = field(default_factory=list)
    contexts: list[BrowserContext] = field(default_factory=list)

    def open(self) -> Page:
        # Reduced motion, as the operating system can ask: Bootstrap then draws no
        # transition, so that an accessibility audit never samples a button halfway
        # between two colours (a focus or press fading), which it reports as a contrast
        # failure the finished page does not have.
        context = self.browser.new_context(base_url=self.base_url, reduced_motion="reduce")
        self.contexts.append(context)
        page = context.new_page()
        origin = urlsplit(self.base_url)
        watch = PageWatch(page, f"{origin.scheme}://{origin.netloc}")
        watch.attach()
        page.watch = watch  # type: ignore[attr-defined]
        _audit_after_goto(page, watch)
        self.watches.append(watch)
        return page

    def check_and_close(self) -> None:
        try:
            for watch in self.watches:
                watch.audit_unvisited()
            problems = [
                f"page {number}: {problem}"
                for number, watch in enumerate(self.watches, start=1)
                for problem in watch.problems()
            ]
        finally:
            for context in self.contexts:
                context.close()
        assert not problems, "a browser page did what it should not:\n  " + "\n  ".join(problems)


def _audit_after_goto(page: Page, watch: PageWatch) -> None:
    """Make ``page.goto`` audit the page it loads, so every address visited is checked."""
    goto = page.goto

    def goto_and_audit(url: str, **kwargs):
        response = goto(url, **kwargs)
        content_type = response.headers.get("content-type", "") if response else ""
        if response is not None and response.ok and content_type.startswith("text/html"):
            watch.audit()
        return response

    page.goto = goto_and_audit  # type: ignore[method-assign]


@pytest.fixture
def pages(browser: Browser, live_server, transactional_db) -> Iterator[Pages]:
    opened = Pages(browser, live_server.url)
    yield opened
    opened.check_and_close()


@pytest.fixture
def page(pages: Pages) -> Page:
    return pages.open()


@pytest.fixture
def new_page(pages: Pages) -> Callable[[], Page]:
    """Another watched page, in a browser context of its own, for a second user."""
    return pages.open


PASSWORD = "correct horse battery staple"  # the factories' test password


def log_in(page: Page, username: str, password: str = PASSWORD) -> None:
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("current-user")).to_have_text(username)
