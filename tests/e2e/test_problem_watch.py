"""The console and CSP watches catch what they are there for, so their silence elsewhere counts."""

from __future__ import annotations

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
    tab.page.wait_for_timeout(200)
    assert any("script-src" in v for v in tab.problems.csp_violations), tab.problems
    assert tab.problems.console_errors, "Chromium logs a CSP block as a console error"


def test_a_console_error_is_reported(tab: BrowserTab) -> None:
    tab.open("/about")
    tab.page.evaluate("console.error('something broke')")
    tab.page.wait_for_timeout(100)
    assert any("something broke" in e for e in tab.problems.console_errors)
