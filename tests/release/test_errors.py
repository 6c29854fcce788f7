"""Expected failures: one line on stderr, a non-zero exit, and nothing live changed."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from infra.release.lock import LOCK_KEY
from tests.release.builds import Sources, published_index, referenced
from tests.release.conftest import Run, Site
from tests.release.hooks import FailAfter


def assert_one_error_line(run: Run, *fragments: str, after_progress: bool = False) -> None:
    """The error is one line; checks that fail before any work print nothing else."""
    assert run.code != 0
    lines = run.err.splitlines()
    assert "Traceback" not in run.err
    if not after_progress:
        assert len(lines) == 1, run.err
    assert [line for line in lines if "error" in line] == lines[-1:], run.err
    assert lines[-1].startswith("release: error: "), lines[-1]
    for fragment in fragments:
        assert fragment in lines[-1], lines[-1]


@pytest.fixture
def live_site(site: Site) -> tuple[Site, dict[str, bytes]]:
    """A site with one release live, and a snapshot of every object in its bucket."""
    assert site.deploy(site.build(Sources())).code == 0
    return site, site.objects()


def test_missing_bucket(live_site: tuple[Site, dict[str, bytes]]) -> None:
    site, before = live_site
    build = site.build(Sources(about="export default { v: 2 }"))
    real = site.bucket
    site.bucket = "no-such-bucket-here"

    run = site.deploy(build)

    assert_one_error_line(run, "no-such-bucket-here", "does not exist")
    site.bucket = real
    assert site.objects() == before


def test_missing_distribution(live_site: tuple[Site, dict[str, bytes]]) -> None:
    site, before = live_site
    site.distribution_id = "E0000NOTTHERE"

    run = site.deploy(site.build(Sources(about="export default { v: 2 }")))

    assert_one_error_line(run, "E0000NOTTHERE", "does not exist")
    assert site.objects() == before


def test_no_credentials(
    live_site: tuple[Site, dict[str, bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, before = live_site
    build = site.build(Sources(about="export default { v: 2 }"))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")

    run = site.deploy(build, session=boto3.Session())

    assert_one_error_line(run, "no AWS credentials")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    assert site.objects() == before


def test_missing_source_directory(live_site: tuple[Site, dict[str, bytes]]) -> None:
    site, before = live_site

    run = site.deploy(site.root / "never-built")

    assert_one_error_line(run, "never-built", "does not exist")
    assert site.objects() == before


def test_empty_build(live_site: tuple[Site, dict[str, bytes]], tmp_path: Path) -> None:
    site, before = live_site
    empty = tmp_path / "dist"
    (empty / ".vite").mkdir(parents=True)
    (empty / ".vite" / "manifest.json").write_text("{}")

    run = site.deploy(empty)

    assert_one_error_line(run, "no index.html")
    assert site.objects() == before


def test_build_whose_index_names_a_missing_asset(live_site: tuple[Site, dict[str, bytes]]) -> None:
    site, before = live_site
    build = site.build(Sources(about="export default { v: 2 }"))
    missing = referenced(build)[0]
    (build / missing).unlink()

    run = site.deploy(build)

    assert_one_error_line(run, missing)
    assert site.objects() == before


def test_build_whose_index_has_no_head_for_the_hints(
    live_site: tuple[Site, dict[str, bytes]],
) -> None:
    site, before = live_site
    build = site.build(Sources(about="export default { v: 2 }"))
    index = build / "index.html"
    index.write_text(index.read_text().replace("<head>", "").replace("</head>", ""))

    run = site.deploy(build)

    assert_one_error_line(run, "index.html cannot take the stage's hints", "no <head>")
    assert site.objects() == before


@pytest.mark.parametrize(
    ("keep", "message"), [("0", "at least 1"), ("-2", "at least 1"), ("two", "whole number")]
)
def test_bad_keep(live_site: tuple[Site, dict[str, bytes]], keep: str, message: str) -> None:
    site, before = live_site
    build = site.build(Sources(about="export default { v: 2 }"))

    run = site.cli(
        "deploy",
        *("--source", str(build), "--bucket", site.bucket, "--stage", "dev"),
        *("--distribution-id", site.distribution_id, "--api-url", site.api_url),
        *("--keep", keep),
    )

    assert_one_error_line(run, "--keep", message)
    assert site.objects() == before


def test_bad_api_url(live_site: tuple[Site, dict[str, bytes]]) -> None:
    site, before = live_site
    site.api_url = "api.example.test"

    run = site.deploy(site.build(Sources(about="export default { v: 2 }")))

    assert_one_error_line(run, "--api-url", "http(s) URL")
    assert site.objects() == before


def test_missing_required_flag(site: Site) -> None:
    run = site.cli("deploy", "--bucket", site.bucket)

    assert_one_error_line(run, "required")


@pytest.mark.parametrize("allowed_puts", [0, 2, 4])
def test_a_deploy_cut_part_way_leaves_the_previous_release_served(
    live_site: tuple[Site, dict[str, bytes]], allowed_puts: int
) -> None:
    site, before = live_site
    changed = Sources(about="export default { v: 2 }", runs="export default { v: 2 }")
    build = site.build(changed)

    run = site.deploy(build, session=FailAfter(allowed_puts).attach(boto3.Session()))

    assert_one_error_line(run, "index.html is untouched", after_progress=True)
    after = site.objects()
    assert after["index.html"] == before["index.html"]
    assert after["config.json"] == before["config.json"]
    for line in before["index.html"].decode().split('"'):
        if line.startswith("/assets/"):
            assert after[line.lstrip("/")] == before[line.lstrip("/")]
    # Every previously served object is still there, byte for byte, and the lock is released.
    assert {k: after[k] for k in before} == before
    assert LOCK_KEY not in after
    assert len(site.invalidations()) == 1

    # The next attempt completes the release, re-sending only what did not arrive.
    retry = site.deploy(build)
    assert retry.code == 0, retry.err
    assert retry.json["uploaded"] == 5 - min(allowed_puts, 3)
    assert retry.json["invalidated_paths"] == ["/", "/config.json", "/index.html"]
    assert site.objects()["index.html"] == published_index(build, site.api_url)
