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
    expect(page).to_have_title(re.compile("Skyline"))
    tab.problems.assert_none(page.url)


def test_a_run_deep_link_renders_that_run_from_the_api(
    tab: BrowserTab, local_stack: LocalStack
) -> None:
    _, runs = _a_pipeline_with_runs(local_stack)
    run = runs[0]
    tab.open(f"/runs/{run['id']}")
    shown = tab.page.get_by_test_id("run")
    expect(shown).to_contain_text(f"Run #{run['id']}")
    expect(shown).to_contain_text(run["commit"])
    tab.problems.assert_none(tab.page.url)


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
