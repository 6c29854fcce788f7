"""One release of a stage at a time: a second deploy or rollback stops at once, changing nothing."""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from infra.release.cli import main
from infra.release.lock import LOCK_KEY
from tests.release.builds import Sources, published_index
from tests.release.conftest import Site

WAIT_SECONDS = 30
REFUSAL = re.compile(
    r"^release: error: deploy refused: bucket \S+ is locked by .+ \(deploy\) since "
    r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC; wait for it to finish$"
)


class HeldAtFirstUpload:
    """Stops a deploy at its first upload of the site, after it took the lock, until released."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.go_on = threading.Event()

    def attach(self, session: boto3.Session) -> boto3.Session:
        session.events.register("before-parameter-build.s3.PutObject", self._hold)
        return session

    def _hold(self, params: dict[str, Any], **_: Any) -> None:
        if params["Key"] != LOCK_KEY and not self.reached.is_set():
            self.reached.set()
            assert self.go_on.wait(WAIT_SECONDS), "the test never let the first deploy go on"


def _deploy_argv(site: Site, build: Any) -> list[str]:
    return [
        "deploy", "--source", str(build), "--bucket", site.bucket,
        "--distribution-id", site.distribution_id, "--api-url", site.api_url,
        "--stage", site.stage, "--json",
    ]  # fmt: skip


def test_two_deploys_together_one_wins_and_nothing_of_the_other_lands(site: Site) -> None:
    first_build = site.build(Sources(about="export default { v: 'first' }"))
    second_build = site.build(Sources(about="export default { v: 'second' }"))
    held = HeldAtFirstUpload()
    codes: list[int] = []
    first = threading.Thread(
        target=lambda: codes.append(
            main(_deploy_argv(site, first_build), session=held.attach(boto3.Session()))
        )
    )
    first.start()
    assert held.reached.wait(WAIT_SECONDS), "the first deploy never started uploading"

    second = site.deploy(second_build)

    held.go_on.set()
    first.join(WAIT_SECONDS)
    assert codes == [0]
    assert second.code == 1
    [error] = [line for line in second.err.splitlines() if "error" in line]
    assert REFUSAL.match(error), error
    objects = site.objects()
    assert objects["index.html"] == published_index(first_build, site.api_url)
    second_only = {
        p.relative_to(second_build).as_posix() for p in second_build.rglob("*") if p.is_file()
    } - {p.relative_to(first_build).as_posix() for p in first_build.rglob("*") if p.is_file()}
    assert second_only and not second_only & objects.keys()
    # Released at the end: the next deploy goes ahead.
    assert LOCK_KEY not in objects
    assert site.deploy(second_build).code == 0


def _leave_lock(site: Site, started: datetime) -> None:
    body = {"holder": "ci@runner (pid 7)", "command": "deploy", "started": started.isoformat()}
    site.s3.put_object(Bucket=site.bucket, Key=LOCK_KEY, Body=json.dumps(body).encode())


def test_a_rollback_is_refused_while_a_release_holds_the_lock(site: Site) -> None:
    release = site.deploy(site.build(Sources())).json["release"]
    _leave_lock(site, datetime.now(UTC))
    run = site.rollback(release)
    assert run.code == 1
    assert "rollback refused: bucket" in run.err
    assert "locked by ci@runner (pid 7) (deploy) since " in run.err


def test_a_stale_lock_is_named_and_broken_only_when_asked(site: Site) -> None:
    started = datetime.now(UTC) - timedelta(hours=2)
    _leave_lock(site, started)
    build = site.build(Sources())

    refused = site.deploy(build)
    assert refused.code == 1
    assert refused.err.strip() == (
        f"release: error: deploy refused: bucket {site.bucket} is locked by ci@runner (pid 7) "
        f"(deploy) since {started:%Y-%m-%d %H:%M:%S} UTC; it is older than 30 minutes: if that "
        "run is gone, run again with --break-stale-lock"
    )
    assert site.objects().keys() == {LOCK_KEY}

    taken_over = site.deploy(build, "--break-stale-lock")
    assert taken_over.code == 0, taken_over.err
    assert LOCK_KEY not in site.objects()


def test_a_fresh_lock_is_not_broken_even_when_asked(site: Site) -> None:
    _leave_lock(site, datetime.now(UTC) - timedelta(minutes=5))
    run = site.deploy(site.build(Sources()), "--break-stale-lock")
    assert run.code == 1
    assert run.err.strip().endswith("; wait for it to finish")
