"""Deploys against a real S3 API: what goes up, in which order, and what gets invalidated."""

from __future__ import annotations

import json
from dataclasses import replace

import boto3

from infra import edge
from infra.release.build import read_build
from infra.release.lock import LOCK_KEY
from tests.release.builds import Sources, fresh_copy, referenced
from tests.release.conftest import Site
from tests.release.hooks import PutLog

UNHASHED = {"index.html", "config.json", "favicon.svg"}
# What the release writes into a stage's index.html, right after <head>, for Site.api_url.
HINTS = (
    '    <link rel="preconnect" href="https://api.example.test" crossorigin>\n'
    '    <link rel="preload" href="/config.json" as="fetch" crossorigin>\n'
)
DISALLOW_ALL = b"User-agent: *\nDisallow: /\n"
ALLOW_ALL = b"User-agent: *\nAllow: /\n"


def site_keys(objects: dict[str, bytes]) -> set[str]:
    return {key for key in objects if not key.startswith("_releases/")}


def test_first_deploy_publishes_the_build_with_edge_headers(site: Site) -> None:
    build = site.build(Sources())
    run = site.deploy(build)

    assert run.code == 0, run.err
    summary = run.json
    expected = {p.relative_to(build).as_posix() for p in build.rglob("*") if p.is_file()}
    expected = {k for k in expected if not k.startswith(".vite/")} | {"config.json", "robots.txt"}
    objects = site.objects()
    assert site_keys(objects) == expected
    assert summary["release"] == read_build(build).release
    assert summary["uploaded"] == len(expected)
    assert summary["skipped"] == 0
    assert summary["deleted"] == 0
    assert summary["bytes_uploaded"] == sum(len(objects[k]) for k in expected)
    assert json.loads(objects["config.json"]) == {
        "apiUrl": site.api_url,
        "stage": site.stage,
        "release": summary["release"],
    }
    # The stage "test" is not prod: no crawling.
    assert objects["robots.txt"] == DISALLOW_ALL
    # The build's index.html with the stage's hints first in its head; nothing else changed.
    built = (build / "index.html").read_text()
    assert objects["index.html"].decode() == built.replace("<head>\n", "<head>\n" + HINTS, 1)
    for key in expected:
        head = site.head(key)
        assert head["ContentType"] == edge.content_type(key), key
        assert head["CacheControl"] == edge.cache_control(key), key
    # Literal values: a year and immutable for hashed assets, revalidate for the rest.
    assert site.head(referenced(build)[0])["CacheControl"] == "public, max-age=31536000, immutable"
    assert site.head("index.html")["CacheControl"] == "no-cache"
    assert site.head("config.json")["CacheControl"] == "no-cache"
    assert site.head("robots.txt")["CacheControl"] == "no-cache"
    assert site.head("robots.txt")["ContentType"] == "text/plain; charset=utf-8"
    paths = ["/", "/config.json", "/favicon.svg", "/index.html", "/robots.txt"]
    assert site.invalidations() == [paths]
    assert summary["invalidated_paths"] == paths
    release = summary["release"]
    assert f"_releases/{release}.json" in objects
    for key in ("index.html", "config.json", "robots.txt"):
        assert objects[f"_releases/{release}/site/{key}"] == objects[key], key


def test_release_id_follows_content_not_mtimes(site: Site) -> None:
    first = site.build(Sources())
    again = fresh_copy(first, site.root / "again")
    changed = site.build(replace(Sources(), about="export default { v: 2 }"))

    assert read_build(first).release == read_build(again).release
    assert read_build(first).release != read_build(changed).release


def test_redeploying_a_fresh_build_uploads_nothing(site: Site) -> None:
    build = site.build(Sources())
    first = site.deploy(build).json
    before = site.objects()
    log = PutLog()

    again = site.deploy(
        fresh_copy(build, site.root / "rebuilt"), session=log.attach(boto3.Session())
    )

    assert again.code == 0, again.err
    assert again.json["release"] == first["release"]
    assert again.json["uploaded"] == 0
    assert again.json["bytes_uploaded"] == 0
    assert again.json["skipped"] == first["uploaded"]
    assert again.json["invalidated_paths"] == []
    # Only the release lock is written (tests/release/test_lock.py).
    assert log.events == [("start", LOCK_KEY), ("end", LOCK_KEY)]
    assert len(site.invalidations()) == 1
    assert site.objects() == before


def test_a_changed_build_uploads_only_what_changed(site: Site) -> None:
    sources = Sources()
    site.deploy(site.build(sources))
    first_objects = site.objects()

    run = site.deploy(site.build(replace(sources, about="export default { v: 2 }")))

    assert run.code == 0, run.err
    objects = site.objects()
    uploaded = {k for k in site_keys(objects) if objects[k] != first_objects.get(k)}
    # The new About chunk, the entry that imports it under its new name, and the documents.
    assert len(uploaded) == 4
    assert {k for k in uploaded if not k.startswith("assets/")} == {"index.html", "config.json"}
    assert run.json["uploaded"] == 4
    assert run.json["invalidated_paths"] == ["/", "/config.json", "/index.html"]
    assert site.invalidations()[-1] == ["/", "/config.json", "/index.html"]


def test_only_changed_unhashed_paths_are_invalidated(site: Site) -> None:
    sources = Sources()
    site.deploy(site.build(sources))

    run = site.deploy(
        site.build(replace(sources, favicon="<svg xmlns='http://www.w3.org/2000/svg'/>"))
    )

    # index.html is byte-identical, so neither it nor `/` is stale; config.json names the new id.
    assert run.json["invalidated_paths"] == ["/config.json", "/favicon.svg"]
    assert site.invalidations()[-1] == ["/config.json", "/favicon.svg"]
    assert all(not p.startswith("/assets/") for batch in site.invalidations() for p in batch)


def test_a_new_api_url_republishes_config_and_index_under_the_same_release(site: Site) -> None:
    build = site.build(Sources())
    first = site.deploy(build).json
    site.api_url = "https://api2.example.test/v1"

    run = site.deploy(build)

    # The release id is the build's: the stage's documents around it do not change it.
    assert run.json["release"] == first["release"] == read_build(build).release
    assert run.json["uploaded"] == 2
    assert run.json["invalidated_paths"] == ["/", "/config.json", "/index.html"]
    objects = site.objects()
    assert json.loads(objects["config.json"])["apiUrl"] == "https://api2.example.test/v1"
    # The hint names the API's origin, without its path.
    assert (
        b'<link rel="preconnect" href="https://api2.example.test" crossorigin>'
        in (objects["index.html"])
    )
    assert b"https://api.example.test" not in objects["index.html"]


def test_robots_txt_lets_crawlers_in_on_prod_only(site: Site) -> None:
    build = site.build(Sources())
    site.stage = "staging"
    assert site.deploy(build).code == 0
    assert site.objects()["robots.txt"] == DISALLOW_ALL
    log = PutLog()

    # Not a real move (prod has its own bucket), but the same build under another --stage.
    site.stage = "prod"
    run = site.deploy(build, session=log.attach(boto3.Session()))

    assert run.code == 0, run.err
    objects = site.objects()
    assert objects["robots.txt"] == ALLOW_ALL
    release = run.json["release"]
    assert objects[f"_releases/{release}/site/robots.txt"] == ALLOW_ALL
    assert run.json["uploaded"] == 2  # robots.txt and config.json; index.html names no stage
    assert run.json["invalidated_paths"] == ["/config.json", "/robots.txt"]
    # Like config.json: after the record, before config.json.
    record = f"_releases/{release}.json"
    assert log.position("end", record) < log.position("start", "robots.txt")
    assert log.position("end", "robots.txt") < log.position("start", "config.json")


def test_a_robots_txt_in_the_build_is_not_published(site: Site) -> None:
    build = site.build(Sources())
    (build / "robots.txt").write_text("User-agent: *\nAllow: /\n")

    run = site.deploy(build)

    assert run.code == 0, run.err
    assert site.objects()["robots.txt"] == DISALLOW_ALL
    assert read_build(build).release == read_build(site.build(Sources())).release


def test_assets_go_first_then_the_record_then_config_then_index(site: Site) -> None:
    site.deploy(site.build(Sources()))
    log = PutLog()

    run = site.deploy(
        site.build(Sources(about="export default { v: 2 }", runs="export default { v: 2 }")),
        session=log.attach(boto3.Session()),
    )

    assert run.code == 0, run.err
    release = run.json["release"]
    record = f"_releases/{release}.json"
    assets = [k for k in log.finished() if k.startswith("assets/")]
    copies = [k for k in log.finished() if k.startswith(f"_releases/{release}/")]
    assert len(assets) == 3 and copies
    assert log.finished()[-1] == "index.html"
    last_asset_done = max(log.position("end", k) for k in assets)
    assert last_asset_done < min(log.position("start", k) for k in copies)
    assert max(log.position("end", k) for k in copies) < log.position("start", record)
    assert log.position("end", record) < log.position("start", "config.json")
    assert log.position("end", "config.json") < log.position("start", "index.html")


def test_kept_releases_keep_their_assets_and_older_ones_are_pruned(site: Site) -> None:
    releases, assets = [], []
    for version in range(1, 5):
        build = site.build(Sources(about=f"export default {{ v: {version} }}"))
        run = site.deploy(build, keep=2)
        assert run.code == 0, run.err
        releases.append(run.json["release"])
        assets.append({f.key for f in read_build(build).files if f.hashed})

        objects = site.objects()
        kept = releases[-2:]
        for number, release in enumerate(releases):
            present = f"_releases/{release}.json" in objects
            assert present == (release in kept), (version, number)
        live_and_previous = set().union(*assets[-2:])
        assert live_and_previous <= objects.keys()
        stale = set().union(*assets[:-2]) - live_and_previous
        assert not stale & objects.keys()
        assert not any(k.startswith(f"_releases/{r}/") for r in releases[:-2] for k in objects)

    assert run.json["deleted"] == 2  # the About chunk and the entry of the release that fell out


def test_an_asset_missing_from_the_bucket_is_uploaded_again(site: Site) -> None:
    build = site.build(Sources())
    site.deploy(build)
    lost = referenced(build)[0]
    site.s3.delete_object(Bucket=site.bucket, Key=lost)

    run = site.deploy(build)

    assert run.json["uploaded"] == 1
    assert lost in site.objects()
    assert run.json["invalidated_paths"] == []


def test_wait_waits_for_the_invalidation(site: Site) -> None:
    run = site.deploy(site.build(Sources()), "--wait")

    assert run.code == 0, run.err
    listing = site.cloudfront.list_invalidations(DistributionId=site.distribution_id)
    assert [i["Status"] for i in listing["InvalidationList"]["Items"]] == ["COMPLETED"]


def test_without_json_the_summary_is_one_line(site: Site) -> None:
    build = site.build(Sources())
    argv = ["deploy", "--source", str(build), "--bucket", site.bucket]
    argv += ["--distribution-id", site.distribution_id, "--api-url", site.api_url]

    run = site.cli(*argv, "--stage", "dev")

    assert run.code == 0, run.err
    assert len(run.out.splitlines()) == 1
    assert run.out.startswith(f"release {read_build(build).release} is live")
