"""Rollback: make a kept release live again, from its record and its copies of unhashed files."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from infra.release.bucket import Bucket
from infra.release.cdn import Distribution, invalidation_paths
from infra.release.errors import ReleaseError
from infra.release.lock import release_lock
from infra.release.records import copy_key, newest_first


@dataclass
class RollbackResult:
    release: str
    restored: list[str] = field(default_factory=list)
    invalidated_paths: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "release": self.release,
            "restored": self.restored,
            "invalidated_paths": self.invalidated_paths,
        }


def rollback(
    bucket: Bucket,
    distribution: Distribution,
    release: str,
    wait: bool,
    say: Callable[[str], None],
    break_stale_lock: bool = False,
) -> RollbackResult:
    bucket.ensure_exists()
    # Held from the first read of the bucket to the last write, as a deploy holds it.
    with release_lock(bucket.s3, bucket.name, "rollback", break_stale_lock):
        return _restore(bucket, distribution, release, wait, say)


def _restore(
    bucket: Bucket,
    distribution: Distribution,
    release: str,
    wait: bool,
    say: Callable[[str], None],
) -> RollbackResult:
    etags = bucket.etags()
    records = bucket.records(etags)
    live = bucket.live_release()
    record = records.get(release)
    if record is None:
        kept = ", ".join(r.release for r in newest_first(list(records.values()), live)) or "none"
        raise ReleaseError(
            f"release {release!r} is not kept in bucket {bucket.name!r} (kept: {kept})"
        )

    # Everything the release needs must still be there before a single byte changes.
    sources = {
        key: (key if key in record.hashed_keys else copy_key(release, key)) for key in record.files
    }
    gone = sorted(
        source for key, source in sources.items() if etags.get(source) != record.files[key].md5
    )
    if gone:
        raise ReleaseError(
            f"release {release} cannot be restored: {len(gone)} of its objects are missing "
            f"or changed in the bucket, e.g. {gone[0]}"
        )
    distribution.ensure_exists()

    # Other unhashed files, then config.json, then index.html: the deploy's order.
    result = RollbackResult(release=release)
    for key in record.unhashed_keys:
        if etags.get(key) != record.files[key].md5:
            say(f"restoring {key} of release {release}")
            bucket.copy(sources[key], key, record.files[key])
            result.restored.append(key)
    if result.restored or live != release:
        bucket.put_record(record.activated_now())
    result.invalidated_paths = invalidation_paths(result.restored)
    distribution.invalidate(result.invalidated_paths, wait)
    return result
