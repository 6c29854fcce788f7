"""The SPA on the local stack: deep links, client-side navigation, the not-found page."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Request, expect

from tests.e2e.conftest import BrowserTab, LocalStack


def _a_pipeline_with_runs(stack: LocalStack) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    for pipeline in stack.api_get("/pipelines")["pipelines"]:
        runs = stack.api_get(f"/pipelines/{pipeline['id']}/runs?limit=5")["runs"]
        if runs:
            return pipeline, runs
    raise AssertionError("the API has no pipeline with runs to open")


def test_a_pipeline_deep_link_renders_that_pipeline_from_the_api(
    tab: BrowserTab, local_stack: LocalStack
) -> None:
    pipeline, runs = _a_pipeline_with_runs(local_stack)
    tab.open(f"/pipelines/{pipeline['id']}")
    page = tab.page
    expect(page.get_by_test_id("pipeline")).to_contain_text(pipeline["name"])
    expect(page.get_by_test_id("runs")).to_contain_text(f"#{runs[0]['id']}")
    crumbs = page.get_by_role("navigation", name="Breadcrumb").get_by_role("listitem")
    expect(crumbs).to_have_text(["Pipelines", pipeline["name"]])
    expect(page).to_have_title(re.compile("Skyline"))
    tab.problems.assert_none(page.url)


def test_a_run_deep_link_renders_that_run_from_the_api(
    tab: BrowserTab, local_stack: LocalStack
) -> None:
    pipeline, runs = _a_pipeline_with_runs(local_stack)
    run = runs[0]
    tab.open(f"/runs/{run['id']}")
    page = tab.page
    shown = page.get_by_test_id("run")
    expect(shown).to_contain_text(f"Run #{run['id']}")
    # The pipeline by its name, in the facts and the breadcrumb, not by its number.
    expect(shown.get_by_test_id("run-pipeline")).to_have_text(pipeline["name"])
    crumbs = page.get_by_role("navigation", name="Breadcrumb").get_by_role("listitem")
    expect(crumbs).to_have_text(["Pipelines", pipeline["name"], f"Run #{run['id']}"])
    # A short commit, the full hash on hover and in the copy button's name.
    commit = shown.get_by_test_id("commit")
    expect(commit).to_have_text(run["commit"][:7])
    expect(commit).to_have_attribute("title", run["commit"])
    copy = shown.get_by_role("button", name=f"Copy the full commit hash {run['commit']}")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=tab.site)
    copy.click()
    expect(shown.get_by_role("status")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == run["commit"]
    tab.problems.assert_none(page.url)


def _only_not_found_answers(tab: BrowserTab) -> None:
    """The API's 404 for the missing thing is the one console error a browser logs here."""
    unexpected = [e for e in tab.problems.console_errors if "status of 404" not in e]
    assert not unexpected + tab.problems.csp_violations + tab.problems.page_errors, tab.problems


def test_a_missing_pipeline_shows_one_not_found_error_with_a_way_back(tab: BrowserTab) -> None:
    tab.open("/pipelines/9999")
    page = tab.page
    error = page.get_by_test_id("error")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("Pipeline not found")
    expect(error.get_by_role("button", name="Try again")).to_have_count(0)
    expect(page.get_by_test_id("status-filter")).to_have_count(0)
    _only_not_found_answers(tab)

    error.get_by_role("link", name="See all pipelines").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_test_id("pipeline-list")).to_be_visible()


def test_a_missing_run_shows_one_not_found_error(tab: BrowserTab) -> None:
    tab.open("/runs/99999999")
    error = tab.page.get_by_test_id("error")
    expect(error).to_have_count(1)
    expect(error).to_contain_text("Run not found")
    expect(error.get_by_role("link", name="See all pipelines")).to_be_visible()
    expect(error.get_by_role("button", name="Try again")).to_have_count(0)
    _only_not_found_answers(tab)


def test_the_runs_fit_a_phone_without_a_sideways_scroll(
    tab: BrowserTab, local_stack: LocalStack
) -> None:
    pipeline, runs = _a_pipeline_with_runs(local_stack)
    page = tab.page
    page.set_viewport_size({"width": 390, "height": 844})
    tab.open(f"/pipelines/{pipeline['id']}")
    table = page.get_by_test_id("runs")
    expect(table).to_contain_text(f"#{runs[0]['id']}")
    widths = page.evaluate(
        """() => {
            const table = document.querySelector('[data-testid="runs"]')
            return { page: document.documentElement.scrollWidth, table: table.scrollWidth,
                     box: table.parentElement.clientWidth }
        }"""
    )
    assert widths["page"] <= 390, widths
    assert widths["table"] <= widths["box"], f"the runs are cut at the edge: {widths}"
    # Every column is still on screen, started time and duration included.
    row = page.get_by_test_id("run-row").first
    for cell in row.get_by_role("cell").all():
        box = cell.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 390, cell.inner_text()
    tab.problems.assert_none(page.url)


def test_links_navigate_inside_the_page_without_a_reload(
    tab: BrowserTab, local_stack: LocalStack
) -> None:
    pipeline, runs = _a_pipeline_with_runs(local_stack)
    page = tab.page
    documents: list[str] = []

    def count_documents(request: Request) -> None:
        if request.resource_type == "document":
            documents.append(request.url)

    page.on("request", count_documents)
    tab.open("/")
    expect(page.get_by_test_id("pipeline-list")).to_be_visible()
    # Anything a full page load would wipe out.
    page.evaluate("window.__e2eMarker = 'still here'")

    page.get_by_test_id("pipeline-list").get_by_role("link", name=pipeline["name"]).click()
    expect(page).to_have_url(re.compile(rf"/pipelines/{pipeline['id']}$"))
    expect(page.get_by_test_id("pipeline")).to_contain_text(pipeline["name"])
    tab.problems.assert_none(page.url)

    page.get_by_test_id("runs").get_by_role("link", name=f"#{runs[0]['id']}").click()
    expect(page).to_have_url(re.compile(rf"/runs/{runs[0]['id']}$"))
    expect(page.get_by_test_id("run")).to_contain_text(f"Run #{runs[0]['id']}")
    tab.problems.assert_none(page.url)

    page.get_by_role("navigation").get_by_role("link", name="About").click()
    expect(page.get_by_test_id("about")).to_be_visible()
    tab.problems.assert_none(page.url)

    page.go_back()
    expect(page.get_by_test_id("run")).to_contain_text(f"Run #{runs[0]['id']}")

    assert page.evaluate("window.__e2eMarker") == "still here"
    assert documents == [f"{local_stack.site}/"], "a link caused a full page load"
    tab.problems.assert_none(page.url)


def test_a_bad_path_shows_the_not_found_page(tab: BrowserTab) -> None:
    for path in ("/no/such/page", "/pipelines/not-a-number"):
        tab.open(path)
        expect(tab.page.get_by_test_id("not-found")).to_be_visible()
        tab.problems.assert_none(path)


def test_the_about_page_shows_the_local_stage_and_the_served_release(
    tab: BrowserTab, local_stack: LocalStack
) -> None:
    config = local_stack.served_config()
    tab.open("/about")
    expect(tab.page.get_by_test_id("stage")).to_have_text("local")
    expect(tab.page.get_by_test_id("release")).to_have_text(config["release"])
    tab.problems.assert_none("/about")
