"""A release deployed while a tab is open: the tab offers the reload and keeps working."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Response, expect

from infra import edge as rules
from tests.e2e.conftest import BrowserTab, LocalStack

# The frontend reads this query parameter to look for a new release this often (ms), instead
# of once a minute.
FAST_RELEASE_CHECK = "releaseCheckMs=250"


def deploy_second_release(dist: Path, release: str) -> str:
    """Changes the served folder the way a release does: new files added, old assets kept.

    The new release brings an asset of its own, a changed entry document and a config.json
    naming it; nothing under assets/ is deleted, as the release tool keeps earlier releases'
    assets for tabs that are still open.
    """
    note = f"export const release = {json.dumps(release)};\n".encode()
    asset = f"{rules.ASSETS_PREFIX}release-{hashlib.sha256(note).hexdigest()[:8]}.js"
    (dist / asset).write_bytes(note)
    index = dist / rules.INDEX_DOCUMENT
    html = index.read_text()
    marker = f'<meta name="skyline-release" content="{release}" />'
    assert "</head>" in html, "the built index.html has no </head>"
    index.write_text(html.replace("</head>", f"  {marker}\n  </head>", 1))
    config_path = dist / rules.CONFIG_DOCUMENT
    config = json.loads(config_path.read_text()) if config_path.exists() else {}
    config["release"] = release
    config_path.write_text(json.dumps(config))
    return asset


def test_an_open_tab_offers_the_new_release_and_still_loads_its_lazy_chunks(
    own_tab: BrowserTab, own_stack: LocalStack
) -> None:
    page = own_tab.page
    old_release = own_stack.served_config()["release"]
    scripts: list[Response] = []
    page.on(
        "response",
        lambda r: scripts.append(r) if r.request.resource_type == "script" else None,
    )

    own_tab.open(f"/?{FAST_RELEASE_CHECK}")
    expect(page.get_by_test_id("pipeline-list")).to_be_visible()
    expect(page.get_by_test_id("release-banner")).to_have_count(0)
    loaded_before = {urlsplit(r.url).path for r in scripts}

    new_release = "e2e-second-release"
    deploy_second_release(own_stack.dist, new_release)
    assert own_stack.served_config()["release"] == new_release

    banner = page.get_by_test_id("release-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(new_release)
    expect(page.get_by_test_id("reload")).to_be_visible()

    # The old tab keeps running the old release: a page it has not opened yet needs a chunk
    # of the old build, which must still be there.
    page.get_by_role("navigation").get_by_role("link", name="About").click()
    expect(page.get_by_test_id("about")).to_be_visible()
    expect(page.get_by_test_id("release")).to_have_text(old_release)
    lazy = [r for r in scripts if urlsplit(r.url).path not in loaded_before]
    assert lazy, "the About page loaded no chunk of its own; nothing lazy was exercised"
    for chunk in lazy:
        key = urlsplit(chunk.url).path.lstrip("/")
        assert chunk.status == 200, key
        assert chunk.all_headers()["content-type"] == rules.content_type(key), key
    own_tab.problems.assert_none(page.url)

    # Reloading takes the tab to the new release.
    page.get_by_test_id("reload").click()
    expect(page.get_by_test_id("release")).to_have_text(new_release)
    expect(page.get_by_test_id("release-banner")).to_have_count(0)
    own_tab.problems.assert_none(page.url)
