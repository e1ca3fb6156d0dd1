"""Fixtures for the browser tests: one headless Chromium per session, fresh contexts per test."""

import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.cache import cache

from .support import AXE_LOG, CHROMIUM_ARGS, DESKTOP, DEVICES, chromium_executable


@pytest.fixture(scope="session")
def browser():
    executable = chromium_executable()
    if executable is None:
        message = "Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)"
        if settings.REQUIRE_SERVICES:
            pytest.fail(f"required service missing: {message}")
        # Without Chromium the browser tests cannot run here; CI (REQUIRE_SERVICES) fails above.
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture(params=list(DEVICES))
def device(request):
    """Run the test once on a desktop-sized window and once on a phone."""
    return DEVICES[request.param]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Login rate limits and used one-time codes live in the cache; each test starts clean.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def open_page(browser, live_server, transactional_db, settings):
    """Open a new tab, in a private browser context (its own cookies), on the live server.

    Every page gets watched for JavaScript errors and Content-Security-Policy violations;
    the test fails at the end if any happened.
    """
    settings.PORTAL_BASE_URL = live_server.url
    contexts = []
    problems: list[str] = []

    def _open(device=DESKTOP, **options):
        context = browser.new_context(
            base_url=live_server.url,
            locale="en-US",
            timezone_id="America/New_York",
            reduced_motion="reduce",
            **device.context_options(),
            **options,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: problems.append(f"JavaScript error: {error}"))
        page.on("console", lambda message: _note_console(message, problems))
        page.on("response", lambda response: _note_failed_asset(response, problems))
        return page

    yield _open
    for context in contexts:
        context.close()
    assert not problems, "The browser reported problems:\n" + "\n".join(problems)


def _note_console(message, problems: list[str]) -> None:
    # A form page answering 400 is logged as a failed load; failed assets are caught below.
    # axe-core, which the tests inject with page.evaluate (a script with no URL), sets inline
    # styles while it checks some pages (the admin's forms); the CSP blocks them as it should.
    injected = not message.location.get("url") and "Applying inline style" in message.text
    if message.type == "error" and "Failed to load resource" not in message.text and not injected:
        problems.append(f"console error: {message.text} at {message.location}")


def _note_failed_asset(response, problems: list[str]) -> None:
    # The browser asks for /favicon.ico on its own; no page links to it. GOV.UK's CSS names
    # its reserved GDS Transport font files under /assets/fonts/, which are not shipped: a
    # browser asks for them when text (an emoji in a question, say) has a character the
    # local fonts portal.css maps that family to lack, and then uses the system font.
    path = urlsplit(response.url).path
    if path == "/favicon.ico" or path.startswith("/assets/fonts/"):
        return
    if response.request.resource_type != "document" and response.status >= 400:
        problems.append(f"{response.status} for {response.url}")


def pytest_terminal_summary(terminalreporter):
    if not AXE_LOG.pages:
        return
    pages: dict[tuple[str, str], list[int]] = {}
    for url, device, _passed, violations in AXE_LOG.pages:
        key = (re.sub(r"/\d+/", "/<id>/", url), device)
        pages.setdefault(key, []).append(violations)
    total = sum(len(counts) for counts in pages.values())
    broken = sum(1 for counts in pages.values() for count in counts if count)
    terminalreporter.write_sep("-", "axe-core, WCAG 2.0/2.1 A and AA rules")
    terminalreporter.write_line(
        f"{total} checks on {len(pages)} pages (per device); {broken} found violations"
    )
    for (url, device), counts in sorted(pages.items()):
        terminalreporter.write_line(
            f"  {device:7} {url:48} checked {len(counts):2}x, violations: {sum(counts)}"
        )
