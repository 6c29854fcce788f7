"""The CloudFront side of a release: one invalidation for the unhashed paths that changed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from botocore.exceptions import ClientError

from infra import edge
from infra.release.errors import ReleaseError

if TYPE_CHECKING:
    from mypy_boto3_cloudfront import CloudFrontClient

# Invalidations usually finish within a minute or two; polls back off to CloudFront's own pace.
FIRST_POLL_SECONDS = 2.0
LAST_POLL_SECONDS = 20.0
WAIT_LIMIT_SECONDS = 15 * 60


def invalidation_paths(changed_keys: Iterable[str]) -> list[str]:
    """Viewer paths whose cached copies a release makes stale.

    Hashed assets never qualify: a changed asset gets a new name. `/` is served from
    index.html by the distribution's default root object but cached under its own path.
    """
    paths: set[str] = set()
    for key in changed_keys:
        if edge.is_hashed_asset(key):
            continue
        paths.add("/" + quote(key, safe="/-_.~!$&'()*+,;=:@"))
        if key == edge.INDEX_DOCUMENT:
            paths.add("/")
    return sorted(paths)


@dataclass
class Distribution:
    cloudfront: CloudFrontClient
    id: str

    def ensure_exists(self) -> None:
        """Checked before any upload, so a wrong id cannot leave a release half announced."""
        try:
            self.cloudfront.get_distribution(Id=self.id)
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code == "NoSuchDistribution":
                raise ReleaseError(f"CloudFront distribution {self.id!r} does not exist") from error
            raise

    def invalidate(self, paths: list[str], wait: bool) -> str | None:
        if not paths:
            return None
        answer = self.cloudfront.create_invalidation(
            DistributionId=self.id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                # Unique per call: CloudFront would reject a reused reference with other paths.
                "CallerReference": f"release-{time.time_ns()}-{uuid.uuid4().hex[:8]}",
            },
        )
        invalidation_id = answer["Invalidation"]["Id"]
        if wait:
            self._wait(invalidation_id)
        return invalidation_id

    def _wait(self, invalidation_id: str) -> None:
        # Not botocore's `invalidation_completed` waiter: it matches "Completed" exactly, and
        # CloudFront-compatible endpoints (moto) answer "COMPLETED", so it would poll forever.
        deadline = time.monotonic() + WAIT_LIMIT_SECONDS
        delay = FIRST_POLL_SECONDS
        while True:
            answer = self.cloudfront.get_invalidation(DistributionId=self.id, Id=invalidation_id)
            if answer["Invalidation"]["Status"].lower() == "completed":
                return
            if time.monotonic() + delay > deadline:
                raise ReleaseError(
                    f"invalidation {invalidation_id} still in progress after "
                    f"{WAIT_LIMIT_SECONDS // 60} minutes"
                )
            time.sleep(delay)
            delay = min(delay * 2, LAST_POLL_SECONDS)
