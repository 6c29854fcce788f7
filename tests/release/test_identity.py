"""The tool talks to AWS as the Pulumi provider does: its region and profile, not the shell's."""

from __future__ import annotations

from typing import Any

import boto3
import pytest

from infra.release.cli import main
from tests.release.conftest import Site


def _signed_regions(session: boto3.Session) -> list[str]:
    regions: list[str] = []

    def record(region_name: str, **_: Any) -> None:
        regions.append(region_name)

    session.events.register("before-sign.s3", record)
    return regions


def test_region_flag_wins_over_the_shells_default_region(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    # configure-aws-credentials exports AWS_DEFAULT_REGION, which botocore prefers.
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-2")
    session = boto3.Session()
    regions = _signed_regions(session)
    run = site.cli("list", "--bucket", site.bucket, "--region", "eu-west-1", session=session)
    assert run.code == 0, run.err
    assert regions and set(regions) == {"eu-west-1"}


def test_without_the_flag_aws_region_wins_over_the_default_region(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-southeast-2")
    session = boto3.Session()
    regions = _signed_regions(session)
    assert site.cli("list", "--bucket", site.bucket, session=session).code == 0
    assert set(regions) == {"eu-west-1"}  # AWS_REGION, as the tests' environment sets it


def test_profile_flag_is_the_identity_used(site: Site, capsys: pytest.CaptureFixture[str]) -> None:
    # Keys are in the environment, yet the named profile is what the tool asks for.
    code = main(["list", "--bucket", site.bucket, "--profile", "skyline-missing"])
    err = capsys.readouterr().err
    assert code == 1
    assert err == "release: error: The config profile (skyline-missing) could not be found\n"
