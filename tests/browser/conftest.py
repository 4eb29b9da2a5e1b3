"""Browser tests of the web console: one `serve` (a child process, as a person runs it) and one headless Debian
Chromium per module, driven by Playwright for Python. Chromium is the one `make browser` installs with apt
(no browser is downloaded: `playwright install` would fail on this network), started with the flags that keep
it off the network. Each test gets a fresh runtime (reset) and a fresh browser context, and fails on any error
in the browser's console or an uncaught exception in the page. Screenshots go to test-output/console/."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.serve_process import ROOT, ServeProcess

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "test-output" / "console"
_OPTIONAL_VAULT_PARTS = ("/access-policy", "/notification-configuration")
CHROMIUM_FLAGS = [
    "--no-sandbox",  # the tests run as root here and in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # else Chromium calls Google's hosts, which this network refuses
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def serve(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    if not (ROOT / "console" / "dist" / "index.html").is_file():
        # `make test` builds it first; a bare pytest run builds it here (esbuild takes about a second)
        subprocess.run(["node", "console/build.mjs"], cwd=ROOT, check=True)
    process = ServeProcess(tmp_path_factory.mktemp("efs")).start()
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.is_file(), "Debian's chromium is missing: `make browser` installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


class ConsolePage:
    """One browser tab on the console, signed in with the local credentials the sign-in form is pre-filled with."""

    def __init__(self, page: Any, serve: ServeProcess) -> None:
        self.page = page
        self.serve = serve
        self.errors: list[str] = []
        self.refusals_expected: list[str] = []  # error types a test provokes on purpose, one answer each
        page.on("console", self._on_console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))
        page.on("response", self._on_response)

    def _on_console(self, message: Any) -> None:
        # Chromium logs every HTTP error answer as "Failed to load resource"; _on_response judges those, by URL
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def _on_response(self, response: Any) -> None:
        """Every answer under 400, but for the "none" AWS Backup answers as 404 ResourceNotFoundException: a vault
        with no access policy or no notifications (the vault page shows "none")."""
        if response.status < 400:
            return
        error_type = response.headers.get("x-amzn-errortype", "")
        expected = response.status == 404 and error_type.startswith("ResourceNotFoundException")
        if error_type.split(":")[0] in self.refusals_expected:
            self.refusals_expected.remove(error_type.split(":")[0])
        elif not (expected and response.url.endswith(_OPTIONAL_VAULT_PARTS)):
            self.errors.append(f"{response.status} {error_type} {response.request.method} {response.url}")

    def open(self, hash_path: str = "#/overview") -> Any:
        self.page.goto(f"{self.serve.endpoint}/console/{hash_path}")
        self.page.wait_for_selector("main[data-loaded=true]")
        if self.page.locator("#sign-in").count():
            self.page.click("#sign-in button")  # its handler starts the route at once: loaded is "false" now
        return self.loaded()

    def go(self, hash_path: str) -> Any:
        """Another page; `loaded` is cleared here, in the same turn, since the hashchange event comes later."""
        self.page.evaluate(
            "hash => { document.querySelector('main').dataset.loaded = 'false'; location.hash = hash }", hash_path
        )
        return self.loaded()

    def loaded(self) -> Any:
        self.page.wait_for_function("document.querySelector('main').dataset.loaded === 'true'")
        errors = self.page.locator("main .error:not([hidden])")
        assert errors.count() == 0, errors.all_inner_texts()
        return self.page

    def count(self, key: str) -> int:
        return int(self.page.inner_text(f"[data-count='{key}']").strip().rstrip("%"))

    def expect_refusal(self, error_type: str) -> None:
        """The next answer of this AWS Backup error type is the test's doing, not an error in the console."""
        self.refusals_expected.append(error_type)

    def screenshot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def console(serve: ServeProcess, browser: Any) -> Iterator[ConsolePage]:
    serve.control("reset", {})
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = ConsolePage(context.new_page(), serve)
    yield tab
    context.close()
    assert tab.refusals_expected == [], "a refusal the test provoked never came"
    assert tab.errors == [], f"errors in the browser: {tab.errors}"
