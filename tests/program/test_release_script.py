"""The release Command's script run as pulumi-command runs it, and the program fed what it printed.

pulumi-command 1.2.1 (provider/pkg/provider/local/commandOutputs.go) runs `interpreter + [script]`
in the provider's working directory (the project's, which the engine launches providers in),
with the CLI's environment plus the Command's `environment`, and stores the script's whole
stdout and stderr with one trailing newline cut. This test does the same with real `npm ci`,
`npm run build` and the release tool, against moto's S3 and CloudFront server, then runs the
program under the mocks with the Command's outputs set to exactly what the script printed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from infra import offline
from tests.release.conftest import make_distribution
from tests.release.moto_server import running_moto

STACK = "dev"
# pulumi-command gives a script no deadline; this bounds a hung npm in the test.
SCRIPT_TIMEOUT_SECONDS = 600


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    with running_moto() as endpoint:
        yield endpoint


def _client(service: str, endpoint: str, region: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def _existing_site(moto: str, bucket: str, region: str) -> str:
    """The bucket the program named, and a distribution: what `pulumi up` created before."""
    s3 = _client("s3", moto, region)
    s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return make_distribution(bucket, _client("cloudfront", moto, "us-east-1"), region)


def _deployer_environment(moto: str) -> dict[str, str]:
    """The shell `pulumi up` runs in: the CI's credentials step exports keys and a default
    region of its own (configure-aws-credentials sets AWS_DEFAULT_REGION), which the release
    must not follow. The keys and endpoint stand in for real credentials and AWS."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(offline.AWS_VARIABLES)}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION="ap-southeast-2",
        AWS_ENDPOINT_URL=moto,
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


@pytest.fixture(scope="module")
def script_run(moto: str) -> tuple[offline.OfflineRun, offline.CommandOutput, str]:
    planned = offline.run(STACK)
    assert planned.error is None, planned.error
    command = planned.one("command:local:Command").inputs
    assert command["update"] == command["create"]
    environment = dict(command["environment"])
    region = environment["AWS_REGION"]
    # The distribution id is the one value moto chooses itself; every other value is the
    # program's own.
    environment["DISTRIBUTION_ID"] = _existing_site(moto, environment["BUCKET"], region)
    if shutil.which("uv") is None:
        pytest.fail("the release script runs `uv run`: uv must be on PATH (make setup installs it)")
    result = subprocess.run(
        [*command["interpreter"], command["create"]],
        cwd=offline.ROOT,
        env={**_deployer_environment(moto), **environment},
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, f"script failed:\n{result.stderr[-4000:]}"
    printed = offline.CommandOutput(
        stdout=result.stdout.removesuffix("\n"), stderr=result.stderr.removesuffix("\n")
    )
    config = _client("s3", moto, region).get_object(Bucket=environment["BUCKET"], Key="config.json")
    released = json.loads(config["Body"].read())["release"]
    print(f"release uploaded by the real script: {released}")
    return planned, printed, released


def test_stdout_holds_only_the_tools_summary(
    script_run: tuple[offline.OfflineRun, offline.CommandOutput, str],
) -> None:
    _, printed, released = script_run
    [line] = printed.stdout.splitlines()
    summary = json.loads(line)
    assert summary["release"] == released
    assert summary["uploaded"] > 0
    # The build's output is still there for `pulumi up` to show, on stderr.
    assert "added" in printed.stderr and "packages" in printed.stderr
    assert "check-dist: ok" in printed.stderr
    # The harness's default answer has the shape the real script printed.
    default = json.loads(offline.RELEASE_COMMAND_OUTPUT.stdout)
    assert default.keys() == summary.keys()


def test_program_reads_the_release_the_tool_uploaded(
    script_run: tuple[offline.OfflineRun, offline.CommandOutput, str],
) -> None:
    _, printed, released = script_run
    after = offline.run(STACK, command=printed)
    assert after.error is None, after.error
    assert after.outputs["release"] == released
