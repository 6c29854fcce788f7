"""A real S3 and CloudFront API (moto's server on loopback) and helpers to run the release CLI."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import boto3
import pytest

from infra.release.cli import main
from tests.release.builds import Sources, write_build
from tests.release.moto_server import reset, running_moto

REGION = "eu-west-1"


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    with running_moto() as endpoint:
        yield endpoint


@pytest.fixture(autouse=True)
def aws_environment(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """Fake credentials for the local server, and nothing from the machine's AWS config."""
    reset(moto_endpoint)
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_ROLE_ARN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    # Only AWS_REGION, as the Pulumi Command sets it; the helpers below name theirs.
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    # No instance metadata lookups when credentials are missing on purpose.
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    return moto_endpoint


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)


@dataclass
class Site:
    """A bucket set up like production's, a distribution, and the CLI pointed at both."""

    bucket: str
    distribution_id: str
    root: Path
    capsys: pytest.CaptureFixture[str]
    stage: str = "test"
    api_url: str = "https://api.example.test"

    @cached_property
    def session(self) -> boto3.Session:
        # One session for the test's plain runs: building clients is most of a small deploy.
        return boto3.Session()

    @cached_property
    def s3(self) -> Any:
        return self.session.client("s3", region_name=REGION)

    @cached_property
    def cloudfront(self) -> Any:
        return self.session.client("cloudfront", region_name="us-east-1")

    def cli(self, *argv: str, session: boto3.Session | None = None) -> Run:
        self.capsys.readouterr()
        code = main(list(argv), session=session or self.session)
        captured = self.capsys.readouterr()
        return Run(code, captured.out, captured.err)

    def build(self, sources: Sources, name: str | None = None) -> Path:
        return write_build(self.root / (name or uuid.uuid4().hex[:8]), sources)

    def deploy(
        self, source: Path, *extra: str, session: boto3.Session | None = None, keep: int = 3
    ) -> Run:
        return self.cli(
            "deploy",
            "--source",
            str(source),
            "--bucket",
            self.bucket,
            "--distribution-id",
            self.distribution_id,
            "--api-url",
            self.api_url,
            "--stage",
            self.stage,
            "--keep",
            str(keep),
            "--json",
            *extra,
            session=session,
        )

    def rollback(self, to: str, *extra: str) -> Run:
        return self.cli(
            "rollback", "--bucket", self.bucket, "--distribution-id", self.distribution_id,
            "--to", to, *extra,
        )  # fmt: skip

    def objects(self) -> dict[str, bytes]:
        """Every current object and its bytes: the state viewers can reach."""
        found = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for item in page.get("Contents", []):
                key = item["Key"]
                found[key] = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return found

    def head(self, key: str) -> Any:
        return self.s3.head_object(Bucket=self.bucket, Key=key)

    def invalidations(self) -> list[list[str]]:
        """The paths of every invalidation, oldest first."""
        listing = self.cloudfront.list_invalidations(DistributionId=self.distribution_id)
        items = listing["InvalidationList"].get("Items", [])
        batches = []
        for item in sorted(items, key=lambda i: i["CreateTime"]):
            detail = self.cloudfront.get_invalidation(
                DistributionId=self.distribution_id, Id=item["Id"]
            )
            batches.append(sorted(detail["Invalidation"]["InvalidationBatch"]["Paths"]["Items"]))
        return batches


def make_distribution(bucket: str, cloudfront: Any = None, region: str = REGION) -> str:
    """A distribution in front of `bucket` (moto's server checks nothing more)."""
    client = cloudfront or boto3.client("cloudfront", region_name="us-east-1")
    answer = client.create_distribution(
        DistributionConfig={
            "CallerReference": uuid.uuid4().hex,
            "Comment": "release tests",
            "Enabled": True,
            "DefaultRootObject": "index.html",
            "Origins": {
                "Quantity": 1,
                "Items": [
                    {
                        "Id": "site-bucket",
                        "DomainName": f"{bucket}.s3.{region}.amazonaws.com",
                        "S3OriginConfig": {"OriginAccessIdentity": ""},
                    }
                ],
            },
            "DefaultCacheBehavior": {
                "TargetOriginId": "site-bucket",
                "ViewerProtocolPolicy": "redirect-to-https",
                "CachePolicyId": "658327ea-f89d-4fab-a63d-7e88639e58f6",
            },
        }
    )
    return str(answer["Distribution"]["Id"])


def make_bucket(name: str) -> None:
    """Private, versioned, SSE-S3: as infra/site.py declares it."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_encryption(
        Bucket=name,
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    s3.put_public_access_block(
        Bucket=name,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )


@pytest.fixture
def site(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Site:
    bucket = f"skyline-site-{uuid.uuid4().hex[:10]}"
    make_bucket(bucket)
    return Site(
        bucket=bucket,
        distribution_id=make_distribution(bucket),
        root=tmp_path / "builds",
        capsys=capsys,
    )
