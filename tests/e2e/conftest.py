"""A `make dev`-style stack (real frontend build, devserver, real Lambda handler) and a browser.

The browser is Debian's chromium driven by Playwright; Playwright's own browser download is
not used (scripts/ensure-chromium installs chromium). A test that cannot get either fails with
the reason, it never skips.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.devserver import stack as devstack

REPO = devstack.REPO
FRONTEND = REPO / "frontend"
BACKEND = REPO / "backend"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
RESULTS = REPO / "test-results"
# Generous: the first render on a loaded 2-core machine includes the handler's cold start.
TIMEOUT_MS = 15_000

# Reports CSP violations to the test: Chromium also logs them to the console, but the event
# carries the blocked URI and directive, which makes a failure readable.
_CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (event) => {
  window.__reportCspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || '(inline)'} on ${location.pathname}`
  )
})
"""


# ---------------------------------------------------------------------------------------------
# The stack


def _run(command: list[str], cwd: Path) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(command)}` in {cwd} failed with {result.returncode}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def built_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The frontend, built once per session by its own Vite config into a private folder.

    Private rather than frontend/dist: that folder is shared with whoever else builds or
    inspects it meanwhile, and a half-written or hand-edited copy there would make these tests
    pass or fail for reasons of its own. SKYLINE_E2E_DIST names a finished build to use instead.
    """
    given = os.environ.get("SKYLINE_E2E_DIST")
    if given:
        dist = Path(given).resolve()
        if not (dist / "index.html").is_file():
            pytest.fail(f"SKYLINE_E2E_DIST={given} has no index.html", pytrace=False)
        return dist
    if not (FRONTEND / "package.json").is_file():
        pytest.fail(f"{FRONTEND / 'package.json'} is missing: there is no frontend to build")
    if shutil.which("npm") is None:
        pytest.fail("npm is not on PATH; it is needed to build the frontend", pytrace=False)
    if not (FRONTEND / "node_modules" / ".bin" / "vite").exists():
        _run(["npm", "ci", "--no-audit", "--no-fund"], FRONTEND)
    dist = tmp_path_factory.mktemp("frontend-build") / "dist"
    # Vite alone: the type check in `npm run build` changes nothing in the output and is the
    # frontend's own tests' job.
    _run(["npx", "--no-install", "vite", "build", "--outDir", str(dist), "--emptyOutDir"], FRONTEND)
    if not (dist / "index.html").is_file():
        pytest.fail(f"the frontend build finished but {dist / 'index.html'} does not exist")
    return dist


@dataclass
class LocalStack:
    """A running devserver and the dist folder it serves (a copy tests may change)."""

    dist: Path
    stack: devstack.Stack
    api_pipelines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def site(self) -> str:
        return self.stack.site_url

    @property
    def api(self) -> str:
        return self.stack.api_url

    def api_get(self, path: str) -> Any:
        return _get_json(f"{self.api}{path}")

    def served_config(self) -> Any:
        return _get_json(f"{self.site}/config.json")


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def _start_stack(built: Path, root: Path) -> Iterator[LocalStack]:
    if not (BACKEND / "handler.py").is_file():
        pytest.fail(f"{BACKEND / 'handler.py'} is missing: there is no Lambda handler to serve")
    dist = root / "dist"
    shutil.copytree(built, dist)
    with devstack.running(dist, root / "devserver.log", backend=BACKEND) as stack:
        yield LocalStack(dist=dist, stack=stack)


@pytest.fixture(scope="session")
def local_stack(built_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """One stack for the tests that only read."""
    yield from _start_stack(built_dist, tmp_path_factory.mktemp("stack"))


@pytest.fixture
def own_stack(built_dist: Path, tmp_path: Path) -> Iterator[LocalStack]:
    """A stack of its own, for a test that deploys a release into the served folder."""
    yield from _start_stack(built_dist, tmp_path)


# ---------------------------------------------------------------------------------------------
# The browser


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: run scripts/ensure-chromium (installs Debian's chromium)",
            pytrace=False,
        )
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    expect.set_options(timeout=TIMEOUT_MS)
    yield browser
    browser.close()


@dataclass
class PageProblems:
    """Everything a page reported that a healthy app never should."""

    console_errors: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        # Besides errors, Chromium's warning that a preload went unused or did not match the
        # request that needed it (index.html preloads config.json): it was downloaded twice.
        wasted_preload = message.type == "warning" and "preload" in message.text.lower()
        if message.type == "error" or wasted_preload:
            location = message.location.get("url", "")
            self.console_errors.append(f"{message.text} ({location})")

    def on_csp_violation(self, description: str) -> None:
        self.csp_violations.append(f"CSP violation: {description}")

    def assert_none(self, where: str = "") -> None:
        problems = self.console_errors + self.csp_violations + self.page_errors
        assert not problems, f"the page reported problems{' on ' + where if where else ''}:\n" + (
            "\n".join(problems)
        )


@dataclass
class BrowserTab:
    page: Page
    problems: PageProblems
    site: str

    def open(self, path: str) -> None:
        response = self.page.goto(f"{self.site}{path}", wait_until="domcontentloaded")
        assert response is not None and response.ok, f"{path}: {response and response.status}"


def _new_tab(browser: Browser, site: str) -> tuple[Any, BrowserTab]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    problems = PageProblems()
    context.expose_function("__reportCspViolation", problems.on_csp_violation)
    context.add_init_script(_CSP_LISTENER)
    page = context.new_page()
    page.on("console", problems.on_console)
    page.on("pageerror", lambda error: problems.page_errors.append(f"uncaught: {error}"))
    return context, BrowserTab(page=page, problems=problems, site=site)


def _screenshot_name(nodeid: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid.split("::", 1)[-1]).strip("_") + ".png"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    # Kept on the item so the tab fixture's teardown knows whether the test failed.
    setattr(item, f"report_{report.when}", report)
    return report


def _tab_fixture(
    request: pytest.FixtureRequest, browser: Browser, site: str
) -> Iterator[BrowserTab]:
    context, tab = _new_tab(browser, site)
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS.mkdir(exist_ok=True)
        path = RESULTS / _screenshot_name(request.node.nodeid)
        try:
            tab.page.screenshot(path=str(path), full_page=True)
            print(f"screenshot of the failed page: {path}")
        except Exception as error:  # the page may be what broke; the test's own error stands
            print(f"no screenshot of the failed page: {error}")
    context.close()


@pytest.fixture
def tab(
    request: pytest.FixtureRequest, browser: Browser, local_stack: LocalStack
) -> Iterator[BrowserTab]:
    """A fresh browser context on the shared stack; screenshot saved if the test fails."""
    yield from _tab_fixture(request, browser, local_stack.site)


@pytest.fixture
def own_tab(
    request: pytest.FixtureRequest, browser: Browser, own_stack: LocalStack
) -> Iterator[BrowserTab]:
    yield from _tab_fixture(request, browser, own_stack.site)
