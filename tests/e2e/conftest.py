"""Browser tests: headless Chromium, driven by Playwright, against pytest-django's live server.

The live server serves the static files through Django's finders, so pages load
the same Bootstrap and CSS files as in production, from `static/`.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.shortcuts import resolve_url
from django.templatetags.static import static
from django.test import Client
from playwright.sync_api import Browser, Page, sync_playwright

from core.roles import Role

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ARTIFACTS = Path(__file__).parent / "artifacts"
AXE_SCRIPT = Path(settings.BASE_DIR) / "static" / "vendor" / "axe" / "axe.min.js"


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM}: apt-get install chromium")
    if not AXE_SCRIPT.exists():
        pytest.fail("axe-core is missing from static/vendor: run `make assets`.")
    with pytest.MonkeyPatch.context() as env:
        # Playwright's sync API keeps an event loop running in this thread; Django would
        # take every ORM call made meanwhile (fixtures, the database flush between tests)
        # for a call from async code and refuse it.
        env.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
            )
            yield browser
            browser.close()


@pytest.fixture(autouse=True)
def role_groups(transactional_db) -> None:
    """Browser tests empty every table between tests, the role groups included."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@pytest.fixture
def broken_requests() -> list[str]:
    """Every request of the page that failed or answered an error, as 'STATUS URL'."""
    return []


@pytest.fixture
def csp_violations() -> list[str]:
    """What the Content-Security-Policy blocked on any page the test opened, one line each."""
    return []


# Runs before each page's own scripts, whatever the policy (Playwright injects it).
REPORT_CSP_VIOLATIONS = """document.addEventListener("securitypolicyviolation", (e) =>
    window.reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "inline"}`
        + ` at ${e.sourceFile}:${e.lineNumber}`));"""


def _open_tab(
    browser: Browser, live_server, broken_requests: list[str], csp_violations: list[str]
) -> Page:
    """A new browser context (its own cookies: one person) and a tab in it, watched for
    broken requests and Content-Security-Policy violations."""
    # Reduced motion turns Bootstrap's transitions off: axe-core then never measures the
    # contrast of a button half-way through its hover colours.
    context = browser.new_context(
        viewport=DESKTOP, base_url=live_server.url, reduced_motion="reduce"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on(
        "response",
        lambda response: (
            broken_requests.append(f"{response.status} {response.url}")
            if response.status >= 400
            else None
        ),
    )
    # A load the browser abandons because the page navigated away is not a broken request.
    page.on(
        "requestfailed",
        lambda request: (
            None
            if "ERR_ABORTED" in (request.failure or "")
            else broken_requests.append(f"failed {request.url} ({request.failure})")
        ),
    )
    page.expose_function("reportCspViolation", lambda line: csp_violations.append(line))
    page.add_init_script(REPORT_CSP_VIOLATIONS)
    return page


@pytest.fixture
def page(
    browser: Browser, live_server, broken_requests: list[str], csp_violations: list[str]
) -> Iterator[Page]:
    """A browser tab on the live server. Every test fails if the Content-Security-Policy
    blocked anything on a page it opened."""
    page = _open_tab(browser, live_server, broken_requests, csp_violations)
    yield page
    page.context.close()
    assert csp_violations == [], "The Content-Security-Policy blocked something"


@pytest.fixture
def new_tab(
    browser: Browser, live_server, broken_requests: list[str], csp_violations: list[str]
) -> Iterator[Callable[[], Page]]:
    """Open a tab in a browser of its own, for one more person in the same test (a
    colleague, the customer); watched as `page` is."""
    tabs: list[Page] = []

    def open_one() -> Page:
        tabs.append(_open_tab(browser, live_server, broken_requests, csp_violations))
        return tabs[-1]

    yield open_one
    for tab in tabs:
        tab.context.close()
    assert csp_violations == [], "The Content-Security-Policy blocked something"


@pytest.fixture
def sign_in(page: Page, live_server) -> Callable[[object], None]:
    """Sign a user in by handing the browser the session cookie the sign-in form would
    set, then open the page the form leads to. The form has its own tests
    (test_login_page.py); typing it again in every test only cost time."""

    def sign_in_as(user, tab: Page | None = None) -> None:
        tab = tab or page
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        tab.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": live_server.url}]
        )
        tab.goto(resolve_url(settings.LOGIN_REDIRECT_URL))

    return sign_in_as


# The screenshots are for a person to review: `make test E2E_SCREENSHOTS=1` saves them,
# the flows' through `screenshots` and the every-page sweep's its own way.
KEEP_SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS", "") not in ("", "0")


@pytest.fixture
def screenshots(page: Page) -> Callable[..., None]:
    """Save the page (or another tab) at desktop and phone sizes under tests/e2e/artifacts/
    for review, when E2E_SCREENSHOTS is set: some ninety full-page captures a run."""

    def take(name: str, tab: Page | None = None) -> None:
        if not KEEP_SCREENSHOTS:
            return
        tab = tab or page
        ARTIFACTS.mkdir(exist_ok=True)
        for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
            tab.set_viewport_size(viewport)
            # Let charts follow the new width (Chart.js resizes on a ResizeObserver callback).
            tab.evaluate("() => new Promise(r => requestAnimationFrame(() => setTimeout(r, 150)))")
            tab.screenshot(path=ARTIFACTS / f"{name}-{label}.png", full_page=True)
        tab.set_viewport_size(DESKTOP)

    return take


@pytest.fixture
def serious_accessibility_violations(page: Page) -> Callable[..., list[str]]:
    """Run axe-core on the page (or another tab); list its serious and critical findings,
    one line each."""

    def run(tab: Page | None = None) -> list[str]:
        tab = tab or page
        # From the app's static files: the Content-Security-Policy runs no inline script.
        if not tab.evaluate("typeof axe !== 'undefined'"):
            tab.add_script_tag(url=static("vendor/axe/axe.min.js"))
        # Only the violations: listing every rule that passed too takes axe as long again.
        # Nothing preloaded: only the rules on orientation lock (style sheets) and autoplaying
        # audio (media) read it, and the app has neither.
        results = tab.evaluate("axe.run({resultTypes: ['violations'], preload: false})")
        return [
            f"{v['impact']}: {v['id']} ({v['help']}) at "
            + ", ".join(str(node["target"]) for node in v["nodes"])
            for v in results["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    return run
