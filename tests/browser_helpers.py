"""Real-browser test fixtures: the app under waitress in a background thread on a free loopback
port, Debian's Chromium driven by Playwright (no browser download), every request to another
host refused and recorded, screenshots saved under test-artifacts/.

Import the fixtures into a test module: ``from browser_helpers import browser, live_server, page``.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from gis_service.settings import PROJECT_ROOT, Settings
from gis_service.web.serve import BackgroundServer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
LOCAL_HOSTS = {"127.0.0.1"}


@pytest.fixture(scope="session")
def live_server(built_store_file, tmp_path_factory):
    store = tmp_path_factory.mktemp("live") / "store.gpkg"
    shutil.copy2(built_store_file, store)
    server = BackgroundServer(Settings(layers_dir=PROJECT_ROOT / "layers", store=store)).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")  # closed with its module: other modules may start Playwright
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


#: run before any script of the page (through the DevTools protocol, so the page's CSP does not
#: apply to it): every Content-Security-Policy violation the page causes is kept
RECORD_CSP = """window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
    `${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`));"""


class PageRecorder:
    """A fresh context and page; records console errors and Content-Security-Policy violations,
    and refuses every non-local request."""

    def __init__(self, browser, **context_options) -> None:
        self.context = browser.new_context(**context_options)
        self.context.add_init_script(RECORD_CSP)
        self.page = self.context.new_page()
        self.console_errors: list[str] = []
        self.foreign_requests: list[str] = []
        self.page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        self.context.route("**/*", self._route)

    def _route(self, route) -> None:
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or parts.hostname in LOCAL_HOSTS:
            route.continue_()
        else:
            self.foreign_requests.append(url)
            route.abort()

    def csp_violations(self) -> list[str]:
        return self.page.evaluate("window.__cspViolations")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser):
    recorder = PageRecorder(browser, viewport={"width": 1440, "height": 900})
    yield recorder
    recorder.close()


@pytest.fixture
def display_page(browser):
    recorder = PageRecorder(browser, viewport={"width": 1920, "height": 1080})
    yield recorder
    recorder.close()
