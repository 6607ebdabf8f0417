"""Browser tests: Playwright (Python) driving Debian's /usr/bin/chromium, axe-core injected.

Run with `make e2e` (installs chromium with apt-get and axe-core with npm when missing).

The site's Content-Security-Policy is enforced in these tests: every browser context opened
with `watched_context()` (the `page` fixture's among them) records each CSP violation (the
page's `securitypolicyviolation` events and the console's "Content Security Policy" errors),
and a test with any fails.
"""

import os
import tempfile
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Browser tests run the live server in threads: give SQLite a real file.

    With the default in-memory test database, Django hands the *same* SQLite connection to
    the live server's request threads and to the test thread, so two concurrent requests
    (Wagtail's editing-session pings, a form post) share one connection and fail with
    "database table is locked". A file database gives each thread its own connection, and
    WAL plus the busy timeout of the settings serialise writers as in production.
    """
    from django.conf import settings

    db = settings.DATABASES["default"]
    if db["ENGINE"] == "django.db.backends.sqlite3":
        path = Path(tempfile.gettempdir()) / f"affinites-e2e-{os.getpid()}.sqlite3"
        db.setdefault("TEST", {})["NAME"] = str(path)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in the main thread; the ORM calls the tests
    # make themselves (fixtures, assertions) are still synchronous and safe here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: run `make e2e`, which installs it.")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-quic",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


# CSP violations seen by the contexts of the running test (reset before each test).
_csp_violations: list[str] = []

CSP_LISTENER = """document.addEventListener("securitypolicyviolation", (e) => {
  window.__affinitesCspViolation(
    `${e.disposition} ${e.effectiveDirective} blocked ${e.blockedURI || "inline"}`
    + ` on ${e.documentURI} (${e.sourceFile || ""}:${e.lineNumber})`);
}, true);"""


def watched_context(browser, **kwargs):
    """A browser context whose CSP violations fail the running test."""
    context = browser.new_context(**kwargs)
    context.expose_binding(
        "__affinitesCspViolation", lambda source, text: _csp_violations.append(text)
    )
    context.add_init_script(CSP_LISTENER)

    def on_console(message):
        if "Content Security Policy" in message.text:
            _csp_violations.append(f"console: {message.text[:300]}")

    context.on("console", on_console)
    return context


@pytest.fixture(autouse=True)
def no_csp_violation():
    _csp_violations.clear()
    yield
    found = list(_csp_violations)
    _csp_violations.clear()
    assert not found, "Content-Security-Policy violations:\n" + "\n".join(found)


@pytest.fixture(autouse=True)
def site_url_is_the_live_server(request, settings):
    """Links in emails and notifications are built from SITE_URL (cms.links): point it at the
    server the browser talks to."""
    if "live_server" in request.fixturenames:
        live_server = request.getfixturevalue("live_server")
        settings.SITE_URL = settings.WAGTAILADMIN_BASE_URL = live_server.url


@pytest.fixture
def page(browser, live_server):
    context = watched_context(browser, base_url=live_server.url, locale="fr-FR")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def assert_accessible(page, label: str) -> None:
    """Zero serious or critical axe-core violations on the current page."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: run `make e2e`, which fetches it with npm.")
    # Evaluated through the DevTools protocol, which the page's CSP does not govern (an
    # injected <script> tag would be an inline script, refused by the policy).
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    details = "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} → {[n['target'] for n in v['nodes']][:5]}"
        for v in bad
    )
    assert not bad, f"axe-core found serious/critical violations on {label}:\n{details}"


@pytest.fixture(scope="session")
def _daphne():
    from tests.e2e.asgi import AsgiServer

    server = AsgiServer()
    url = server.start()
    yield server, url
    server.stop()


@pytest.fixture(scope="module")
def asgi_server(_daphne):
    """The session's Daphne server and its address, the site's own origin (for the websocket)
    while the module runs."""
    from django.test import override_settings

    server, url = _daphne
    with override_settings(SITE_URL=url):
        yield server, url
