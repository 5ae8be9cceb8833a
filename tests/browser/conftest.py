"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live_server.

Chromium comes from the system package (``make test`` installs it when run as root); a
browser download of Playwright's own cannot work offline. Without Chromium these tests are
skipped on a workstation and fail under CI (``CI=true``), where they must run.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# live_server runs Django in a thread while Playwright's sync API owns an event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.exit(f"CI needs Chromium for the browser tests and {CHROMIUM} is missing.", 3)
    skip = pytest.mark.skip(reason=f"Chromium not installed at {CHROMIUM}")
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


# Every page reports Content Security Policy violations to the test, whichever policy it has.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.documentURI}: ${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`
  );
});
"""


@pytest.fixture
def csp_violations() -> list[str]:
    """The violations seen by every page of the test; a test that expects some empties it."""
    return []


@pytest.fixture
def page_for(browser, csp_violations):
    """``page_for(language)`` opens a fresh browser context that prefers that language.

    A test fails if any of its pages meets a Content Security Policy violation (reported by the
    page's ``securitypolicyviolation`` event or Chromium's console).
    """
    contexts = []

    def on_console(message) -> None:
        if "Content Security Policy" in message.text:
            csp_violations.append(message.text)

    def make(language: str = "en"):
        context = browser.new_context(locale=language, viewport={"width": 1200, "height": 900})
        context.set_default_timeout(10_000)
        context.expose_binding("reportViolation", lambda _source, text: csp_violations.append(text))
        context.add_init_script(REPORT_VIOLATIONS)
        contexts.append(context)
        page = context.new_page()
        page.on("console", on_console)
        return page

    yield make
    for context in contexts:
        context.close()
    assert not csp_violations, "Content Security Policy violations:\n" + "\n".join(csp_violations)


@pytest.fixture
def artifacts() -> Path:
    """Where screenshots are kept for people to look at after a run."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
