"""The console and CSP watches catch what they are there for, so their silence elsewhere counts."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from tests.e2e.conftest import BrowserTab


def test_an_inline_script_is_blocked_by_the_csp_and_reported(tab: BrowserTab) -> None:
    tab.open("/about")
    expect(tab.page.get_by_test_id("about")).to_be_visible()
    tab.problems.assert_none("/about")
    ran = tab.page.evaluate(
        """() => {
            window.__inlineRan = false
            const script = document.createElement('script')
            script.textContent = 'window.__inlineRan = true'
            document.body.append(script)
            return window.__inlineRan
        }"""
    )
    assert ran is False
    _until(lambda: any("script-src" in v for v in tab.problems.csp_violations), tab)
    _until(lambda: bool(tab.problems.console_errors), tab)  # Chromium logs the block too


def test_a_console_error_is_reported(tab: BrowserTab) -> None:
    tab.open("/about")
    tab.page.evaluate("console.error('something broke')")
    _until(lambda: any("something broke" in e for e in tab.problems.console_errors), tab)


def _until(seen: Callable[[], bool], tab: BrowserTab, timeout_ms: int = 5_000) -> None:
    """Polls while the page's events arrive; fails with what was seen if they never do."""
    for _ in range(timeout_ms // 20):
        if seen():
            return
        tab.page.wait_for_timeout(20)
    raise AssertionError(f"not reported within {timeout_ms} ms: {tab.problems}")
