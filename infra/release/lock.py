"""One deploy or rollback of a stage at a time: a lock object in its bucket.

Two releases interleaving their uploads could leave index.html of one beside assets pruned by
the other. The lock is taken with S3's conditional write (`If-None-Match: *`), which S3 applies
atomically: of two writers, exactly one creates the object and the other gets 412. It is
released with `If-Match` on its own ETag, so a releaser never removes a lock someone else took
after breaking its own. A process killed outright leaves its lock behind; once older than
STALE_AFTER it may be broken with --break-stale-lock.
"""

from __future__ import annotations

import getpass
import json
import os
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from infra.release.bucket import error_code
from infra.release.errors import ReleaseError
from infra.release.records import RECORDS_PREFIX

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

LOCK_KEY = f"{RECORDS_PREFIX}lock.json"
# Longer than any release takes (seconds to a few minutes), short enough to recover the same day.
STALE_AFTER = timedelta(minutes=30)
# 412: the object exists; 409: another conditional write to the key is in flight.
_TAKEN = {"PreconditionFailed", "ConditionalRequestConflict", "412", "409"}


def holder() -> str:
    """Who is releasing: the CI run when there is one, else user@host."""
    run = os.environ.get("GITHUB_RUN_ID")
    if run:
        return f"GitHub run {run} ({os.environ.get('GITHUB_REPOSITORY', 'unknown repository')})"
    return f"{getpass.getuser()}@{socket.gethostname()} (pid {os.getpid()})"


@contextmanager
def release_lock(
    s3: S3Client,
    bucket: str,
    command: str,
    break_stale: bool = False,
    now: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> Iterator[None]:
    """Holds the bucket's lock while the block runs; raises ReleaseError if another holds it."""
    etag = _acquire(s3, bucket, command, break_stale, now)
    try:
        yield
    finally:
        try:
            s3.delete_object(Bucket=bucket, Key=LOCK_KEY, IfMatch=etag)
        except ClientError as error:
            if error_code(error) not in _TAKEN:
                raise


def _acquire(
    s3: S3Client, bucket: str, command: str, break_stale: bool, now: Callable[[], datetime]
) -> str:
    started = now()
    body = json.dumps({"holder": holder(), "command": command, "started": started.isoformat()})
    # Another try only after the lock went away in between, or after breaking a stale one.
    for _ in range(3):
        try:
            answer = s3.put_object(
                Bucket=bucket,
                Key=LOCK_KEY,
                Body=body.encode(),
                IfNoneMatch="*",
                ContentType="application/json",
                CacheControl="no-store",
            )
            return str(answer["ETag"])
        except ClientError as error:
            if error_code(error) not in _TAKEN:
                raise
        current = _current(s3, bucket)
        if current is None:
            continue  # released since our write was refused
        held_by, held_etag, since = current
        age = started - since
        if not (break_stale and age > STALE_AFTER):
            hint = (
                f"; it is older than {_minutes(STALE_AFTER)}: if that run is gone, run again "
                "with --break-stale-lock"
                if age > STALE_AFTER
                else "; wait for it to finish"
            )
            raise ReleaseError(
                f"{command} refused: bucket {bucket} is locked by {held_by} since "
                f"{since:%Y-%m-%d %H:%M:%S} UTC{hint}"
            )
        s3.delete_object(Bucket=bucket, Key=LOCK_KEY, IfMatch=held_etag)
    raise ReleaseError(f"{command} refused: bucket {bucket}'s lock keeps changing hands")


def _current(s3: S3Client, bucket: str) -> tuple[str, str, datetime] | None:
    """The lock's holder (with its command), its ETag and its start time; None once gone."""
    try:
        answer = s3.get_object(Bucket=bucket, Key=LOCK_KEY)
    except ClientError as error:
        if error_code(error) in {"NoSuchKey", "404"}:
            return None
        raise
    try:
        lock = json.loads(answer["Body"].read())
        started = datetime.fromisoformat(lock["started"])
        return f"{lock['holder']} ({lock['command']})", str(answer["ETag"]), started
    except (ValueError, KeyError, TypeError) as error:
        raise ReleaseError(f"bucket {bucket}'s lock {LOCK_KEY} cannot be read ({error})") from None


def _minutes(span: timedelta) -> str:
    return f"{int(span.total_seconds() // 60)} minutes"
