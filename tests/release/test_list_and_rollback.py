"""list and rollback against a bucket holding several releases; the CLI as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.release.builds import Sources, published_index, referenced
from tests.release.conftest import Site

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def three_releases(site: Site) -> tuple[Site, list[str], list[Path]]:
    releases, builds = [], []
    for version in range(1, 4):
        build = site.build(
            Sources(
                about=f"export default {{ v: {version} }}",
                favicon=f"<svg xmlns='http://www.w3.org/2000/svg' data-v='{version}'/>",
            )
        )
        run = site.deploy(build)
        assert run.code == 0, run.err
        releases.append(run.json["release"])
        builds.append(build)
    return site, releases, builds


def test_list_shows_newest_first_and_marks_the_live_one(
    three_releases: tuple[Site, list[str], list[Path]],
) -> None:
    site, releases, _ = three_releases

    listed = site.cli("list", "--bucket", site.bucket, "--json")
    text = site.cli("list", "--bucket", site.bucket)

    assert listed.code == 0, listed.err
    entries = listed.json["releases"]
    assert [e["release"] for e in entries] == releases[::-1]
    assert [e["live"] for e in entries] == [True, False, False]
    assert {e["stage"] for e in entries} == {site.stage}
    lines = text.out.splitlines()
    assert [line[2:].split()[0] for line in lines] == releases[::-1]
    assert lines[0].startswith("*") and "(live)" in lines[0]
    assert not any("(live)" in line for line in lines[1:])


def test_list_of_an_empty_bucket(site: Site) -> None:
    run = site.cli("list", "--bucket", site.bucket)

    assert run.code == 0, run.err
    assert run.out == f"no releases in bucket {site.bucket}\n"


def test_rollback_restores_index_config_and_unhashed_files(
    three_releases: tuple[Site, list[str], list[Path]],
) -> None:
    site, releases, builds = three_releases
    before = len(site.invalidations())

    run = site.rollback(releases[0], "--json")

    assert run.code == 0, run.err
    objects = site.objects()
    assert objects["index.html"] == published_index(builds[0], site.api_url)
    assert objects["favicon.svg"] == (builds[0] / "favicon.svg").read_bytes()
    assert json.loads(objects["config.json"])["release"] == releases[0]
    for key in referenced(builds[0]):
        assert key in objects
    for key in ("index.html", "config.json", "favicon.svg"):
        assert site.head(key)["CacheControl"] == "no-cache"
    assert site.head("index.html")["ContentType"] == "text/html; charset=utf-8"
    assert run.json["invalidated_paths"] == ["/", "/config.json", "/favicon.svg", "/index.html"]
    assert len(site.invalidations()) == before + 1
    assert site.invalidations()[-1] == ["/", "/config.json", "/favicon.svg", "/index.html"]
    listed = site.cli("list", "--bucket", site.bucket, "--json").json["releases"]
    assert (listed[0]["release"], listed[0]["live"]) == (releases[0], True)

    # Deploying the newest build again returns to it without uploading its assets.
    again = site.deploy(builds[2])
    assert again.json["release"] == releases[2]
    assert again.json["uploaded"] == 3  # favicon.svg, config.json, index.html


def test_rollback_after_a_later_deploy_keeps_the_rolled_back_release(
    three_releases: tuple[Site, list[str], list[Path]],
) -> None:
    site, releases, builds = three_releases
    site.rollback(releases[0])

    run = site.deploy(site.build(Sources(about="export default { v: 4 }")), keep=2)

    # Viewers were on releases[0] until this deploy, so it is the one kept beside the new one.
    listed = site.cli("list", "--bucket", site.bucket, "--json").json["releases"]
    assert [e["release"] for e in listed] == [run.json["release"], releases[0]]
    objects = site.objects()
    assert all(key in objects for key in referenced(builds[0]))


def test_rollback_to_an_unknown_release_changes_nothing(
    three_releases: tuple[Site, list[str], list[Path]],
) -> None:
    site, releases, _ = three_releases
    before = site.objects()
    invalidations = len(site.invalidations())

    run = site.rollback("0123456789ab")

    assert run.code == 1
    assert run.err.splitlines() == [
        f"release: error: release '0123456789ab' is not kept in bucket {site.bucket!r} "
        f"(kept: {', '.join(reversed(releases))})"
    ]
    assert site.objects() == before
    assert len(site.invalidations()) == invalidations


def test_rollback_to_a_pruned_release_changes_nothing(site: Site) -> None:
    releases = []
    for version in range(1, 4):
        run = site.deploy(site.build(Sources(about=f"export default {{ v: {version} }}")), keep=2)
        releases.append(run.json["release"])
    before = site.objects()

    run = site.rollback(releases[0])

    assert run.code == 1
    assert run.err.startswith(f"release: error: release '{releases[0]}' is not kept")
    assert site.objects() == before


def test_rollback_to_a_release_whose_assets_are_gone_changes_nothing(
    three_releases: tuple[Site, list[str], list[Path]],
) -> None:
    site, releases, builds = three_releases
    lost = referenced(builds[0])[0]
    site.s3.delete_object(Bucket=site.bucket, Key=lost)
    before = site.objects()

    run = site.rollback(releases[0])

    assert run.code == 1
    assert run.err.count("\n") == 1 and lost in run.err
    assert site.objects() == before


def test_the_module_runs_as_a_process(site: Site) -> None:
    build = site.build(Sources())
    command = [sys.executable, "-m", "infra.release", "deploy", "--source", str(build)]
    command += ["--bucket", site.bucket, "--distribution-id", site.distribution_id]
    command += ["--api-url", site.api_url, "--stage", "dev", "--json"]

    done = subprocess.run(
        command, cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert set(summary) == {
        "release", "uploaded", "skipped", "deleted", "bytes_uploaded", "invalidated_paths",
    }  # fmt: skip
    assert summary["uploaded"] == 8
    assert json.loads(site.objects()["config.json"])["stage"] == "dev"
    assert site.objects()["robots.txt"] == b"User-agent: *\nDisallow: /\n"

    missing = subprocess.run(
        [*command[:5], str(build / "nope"), *command[6:]],
        cwd=ROOT, env=dict(os.environ), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 1
    assert missing.stdout == ""
    assert missing.stderr.startswith("release: error: source directory")
    assert missing.stderr.count("\n") == 1


def test_rollback_copies_index_html_last(
    three_releases: tuple[Site, list[str], list[Path]],
) -> None:
    # index.html names the release's chunks and config.json its API: a tab that loads it
    # before the rest is back would run a page of one release against files of another.
    site, releases, _ = three_releases
    copied: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        copied.append(params["Key"])

    session = boto3.Session()
    session.events.register("before-parameter-build.s3.CopyObject", record)
    run = site.cli(
        "rollback", "--bucket", site.bucket, "--distribution-id", site.distribution_id,
        "--to", releases[0], session=session,
    )  # fmt: skip
    assert run.code == 0, run.err
    assert copied == ["favicon.svg", "config.json", "index.html"]
