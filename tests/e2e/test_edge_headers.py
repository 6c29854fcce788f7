"""What the browser receives from the local edge follows infra/edge.py, read from there."""

from __future__ import annotations

import urllib.request
from urllib.parse import urlsplit

from playwright.sync_api import Response, expect

from infra import edge as rules
from tests.e2e.conftest import BrowserTab, LocalStack


def _assert_edge_headers(
    response: Response, key: str, stack: LocalStack, *, compressed: bool
) -> None:
    where = urlsplit(response.url).path
    headers = response.all_headers()
    assert response.status == 200, where
    assert headers["cache-control"] == rules.cache_control(key), where
    assert headers["content-type"] == rules.content_type(key), where
    for name, value in rules.SecurityHeaders(api_origin=stack.api).as_http().items():
        assert headers.get(name.lower()) == value, f"{where}: {name}"
    assert headers.get("etag"), where
    if compressed:
        asked = response.request.all_headers().get("accept-encoding", "")
        expected = "br" if "br" in asked else "gzip"
        assert headers.get("content-encoding") == expected, where


def test_root_deep_link_and_asset_carry_the_edge_rules(
    tab: BrowserTab, local_stack: LocalStack
) -> None:
    page = tab.page
    assets: list[Response] = []
    page.on(
        "response",
        lambda r: assets.append(r) if urlsplit(r.url).path.startswith("/assets/") else None,
    )

    root = page.goto(f"{local_stack.site}/")
    assert root is not None
    expect(page.get_by_test_id("pipeline-list")).to_be_visible()
    _assert_edge_headers(root, rules.INDEX_DOCUMENT, local_stack, compressed=False)

    pipeline = local_stack.api_get("/pipelines")["pipelines"][0]
    deep = page.goto(f"{local_stack.site}/pipelines/{pipeline['id']}")
    assert deep is not None
    expect(page.get_by_test_id("pipeline")).to_be_visible()
    # A path the bucket does not have: the rewrite answers with the index document's rules.
    (rewrite,) = [r for r in rules.ERROR_REWRITES if r.origin_status == 403]
    assert deep.status == rewrite.response_status
    _assert_edge_headers(deep, rewrite.response_page.lstrip("/"), local_stack, compressed=False)

    scripts = [r for r in assets if r.request.resource_type == "script"]
    assert scripts, "the page loaded no script from assets/"
    # The entry chunk: the largest script, well over the size CloudFront starts compressing at.
    entry = max(scripts, key=lambda r: (local_stack.dist / urlsplit(r.url).path[1:]).stat().st_size)
    key = urlsplit(entry.url).path.lstrip("/")
    assert rules.is_compressible(rules.content_type(key))
    _assert_edge_headers(entry, key, local_stack, compressed=True)
    assert entry.all_headers()["cache-control"] == rules.IMMUTABLE
    tab.problems.assert_none(page.url)


def test_a_revisited_asset_is_revalidated_with_a_304_or_served_from_cache(
    tab: BrowserTab, local_stack: LocalStack
) -> None:
    page = tab.page
    page.goto(f"{local_stack.site}/")
    expect(page.get_by_test_id("pipeline-list")).to_be_visible()
    documents: list[Response] = []
    page.on(
        "response", lambda r: documents.append(r) if r.request.resource_type == "document" else None
    )
    page.reload()
    expect(page.get_by_test_id("pipeline-list")).to_be_visible()
    (document,) = documents
    # no-cache: the browser asks again with the ETag it has and gets a 304, shown as 200 by
    # the browser from its cache; either way the headers are the index document's.
    assert document.all_headers()["cache-control"] == rules.NO_CACHE
    tab.problems.assert_none(page.url)


def test_the_page_preloads_its_config_once_and_gets_the_api_json_compressed(
    tab: BrowserTab, local_stack: LocalStack
) -> None:
    page = tab.page
    config_requests: list[str] = []
    page.on(
        "request",
        lambda r: (
            config_requests.append(r.url)
            if urlsplit(r.url).path == f"/{rules.CONFIG_DOCUMENT}"
            else None
        ),
    )
    api_answers: list[Response] = []
    page.on(
        "response", lambda r: api_answers.append(r) if r.url.startswith(local_stack.api) else None
    )

    root = page.goto(f"{local_stack.site}/")
    assert root is not None
    expect(page.get_by_test_id("pipeline-list")).to_be_visible()

    # The hints the release tool writes for a stage, here for the local API.
    html = root.text()
    assert f'<link rel="preconnect" href="{local_stack.api}" crossorigin>' in html
    assert '<link rel="preload" href="/config.json" as="fetch" crossorigin>' in html
    # One download: the app's own fetch took the preloaded answer (a mismatch would fetch it
    # again, and Chromium's warning would fail the problem check below).
    assert len(config_requests) == 1, config_requests
    (pipelines,) = [r for r in api_answers if urlsplit(r.url).path == "/pipelines"]
    asked = pipelines.request.all_headers().get("accept-encoding", "")
    assert pipelines.all_headers().get("content-encoding") == ("br" if "br" in asked else "gzip")
    assert pipelines.json()["pipelines"]
    tab.problems.assert_none(page.url)


def test_robots_txt_is_the_local_stages_not_the_spa(local_stack: LocalStack) -> None:
    with urllib.request.urlopen(f"{local_stack.site}/robots.txt", timeout=10) as response:
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert response.read() == b"User-agent: *\nDisallow: /\n"
