"""Deploy: publish a build so that no viewer ever gets an index.html naming a missing file.

The order is the whole design:
1. every new or changed asset (and other unhashed files such as favicon.svg), all complete;
2. the release record (`records.py`), so the release can be listed and rolled back to;
3. the stage's own documents: robots.txt, then config.json, which names the release;
4. index.html (the build's, with the stage's hints: `Build.stage_site`), which makes it live;
5. one CloudFront invalidation for the unhashed paths that changed;
6. only then, pruning: releases beyond the newest N and the assets no kept release uses.
A deploy stopped anywhere before step 4 leaves the previous release fully served.

Files are compared by content, never by mtime. `aws s3 sync` decides by size and mtime, so a
fresh build of unchanged sources (same bytes, new mtimes) makes it upload everything again;
that is why this tool exists instead of a sync command.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from infra import edge
from infra.release.bucket import Bucket
from infra.release.build import Build, SiteFile, read_build
from infra.release.cdn import Distribution, invalidation_paths
from infra.release.errors import ReleaseError
from infra.release.lock import release_lock
from infra.release.records import (
    RecordedFile,
    ReleaseRecord,
    copy_key,
    newest_first,
    now,
    record_key,
    release_prefix,
)
from infra.release.uploads import Progress, upload_all


@dataclass(frozen=True)
class DeployOptions:
    source: Path
    api_url: str
    stage: str
    keep: int
    wait: bool
    # Take over a lock a killed release left behind (`lock.STALE_AFTER`).
    break_stale_lock: bool = False


@dataclass
class DeployResult:
    release: str
    uploaded: list[str] = field(default_factory=list)
    skipped: int = 0
    deleted: list[str] = field(default_factory=list)
    bytes_uploaded: int = 0
    invalidated_paths: list[str] = field(default_factory=list)
    pruned_releases: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, object]:
        return {
            "release": self.release,
            "uploaded": len(self.uploaded),
            "skipped": self.skipped,
            "deleted": len(self.deleted),
            "bytes_uploaded": self.bytes_uploaded,
            "invalidated_paths": self.invalidated_paths,
        }


def deploy(
    bucket: Bucket,
    distribution: Distribution,
    options: DeployOptions,
    say: Callable[[str], None],
) -> DeployResult:
    # Everything that can be refused is checked before the first write.
    build = read_build(options.source)
    site = build.stage_site(options.api_url, options.stage)
    bucket.ensure_exists()
    distribution.ensure_exists()
    # Held from the first read of the bucket to the last prune: another release between them
    # would interleave its index.html with this one's assets.
    with release_lock(bucket.s3, bucket.name, "deploy", options.break_stale_lock):
        return _publish(bucket, distribution, build, site, options, say)


def _publish(
    bucket: Bucket,
    distribution: Distribution,
    build: Build,
    site: list[SiteFile],
    options: DeployOptions,
    say: Callable[[str], None],
) -> DeployResult:
    etags = bucket.etags()
    records = bucket.records(etags)
    live = bucket.live_release()

    changed = _changed(site, etags, records, bucket)
    result = DeployResult(release=build.release, skipped=len(site) - len(changed))
    say(
        f"release {build.release}: {len(changed)} of {len(site)} files to upload "
        f"({len(site) - len(changed)} unchanged)"
    )
    progress = Progress(say)
    progress.expect(changed)

    counting = threading.Lock()

    def put(f: SiteFile) -> None:
        bucket.put(f)
        with counting:
            result.uploaded.append(f.key)
            result.bytes_uploaded += f.size

    entry = {edge.INDEX_DOCUMENT, *edge.STAGE_DOCUMENTS}
    try:
        upload_all([f for f in changed if f.key not in entry], put, bucket.workers, progress)
        record = _record(build, options, site, records.get(build.release))
        _publish_record(bucket, record, site, etags, records.get(build.release), live, progress)
        # One at a time, in site order: robots.txt, then config.json.
        upload_all([f for f in changed if f.key in edge.STAGE_DOCUMENTS], put, 1, progress)
    except (ClientError, BotoCoreError, ReleaseError) as error:
        kept = f"release {live}" if live else "what they had"
        raise ReleaseError(f"{error}; index.html is untouched, viewers keep {kept}") from error
    try:
        upload_all([f for f in changed if f.key == edge.INDEX_DOCUMENT], put, 1, progress)
    except ReleaseError as error:
        # The previous index.html still loads only assets that are kept, so it keeps working.
        raise ReleaseError(
            f"{error}; config.json names release {build.release} but index.html is the "
            "previous one; deploy again"
        ) from error
    progress.finish()

    result.invalidated_paths = invalidation_paths(f.key for f in changed)
    records[build.release] = record
    try:
        distribution.invalidate(result.invalidated_paths, options.wait)
        ordered = newest_first(list(records.values()), build.release, live)
        _prune(bucket, ordered, options.keep, etags, result)
    except (ClientError, BotoCoreError, ReleaseError) as error:
        raise ReleaseError(
            f"release {build.release} is live, but finishing failed: {error}; deploy again"
        ) from error
    return result


def _changed(
    site: list[SiteFile], etags: dict[str, str], records: dict[str, ReleaseRecord], bucket: Bucket
) -> list[SiteFile]:
    """The files whose bytes or headers differ from what the bucket serves.

    Bytes: the listing's ETag is the object's MD5 (see `Bucket.etags`) and reflects what the
    bucket really holds, even after manual edits. Headers: a listing does not return them, so a
    kept release record vouches for the headers its files were uploaded with (a change in
    infra/edge.py thus re-uploads the files it affects). The few objects with the right bytes
    that no record knows (left by a deploy stopped part-way, or uploaded by hand) get one
    HeadObject each instead of a blind upload.
    """
    vouched: dict[str, tuple[str, str]] = {}
    for record in sorted(records.values(), key=lambda r: r.activated):
        for key, recorded in record.files.items():
            vouched[key] = recorded.headers
    unknown = [f for f in site if etags.get(f.key) == f.md5 and f.key not in vouched]
    with ThreadPoolExecutor(bucket.workers) as pool:
        found = pool.map(bucket.headers, unknown)
        vouched.update(zip((f.key for f in unknown), found, strict=True))
    return [
        f
        for f in site
        if vouched.get(f.key) != (f.content_type, f.cache_control) or etags.get(f.key) != f.md5
    ]


def _record(
    build: Build, options: DeployOptions, site: list[SiteFile], existing: ReleaseRecord | None
) -> ReleaseRecord:
    moment = now()
    return ReleaseRecord(
        release=build.release,
        stage=options.stage,
        created=existing.created if existing else moment,
        activated=moment,
        config=build.config_document(options.api_url, options.stage),
        files={f.key: RecordedFile.of(f) for f in site},
    )


def _publish_record(
    bucket: Bucket,
    record: ReleaseRecord,
    site: list[SiteFile],
    etags: dict[str, str],
    existing: ReleaseRecord | None,
    live: str | None,
    progress: Progress,
) -> None:
    """Copies of the release's unhashed files for rollbacks, then the record itself."""
    copies = [
        SiteFile.from_bytes(copy_key(record.release, f.key), f.read()) for f in site if not f.hashed
    ]
    missing = [c for c in copies if etags.get(c.key) != c.md5]
    progress.expect(missing)
    upload_all(missing, bucket.put, bucket.workers, progress)
    # Redeploying the live release unchanged writes nothing; anything else (a new release, a
    # return to an older one, a new API URL) records when it went live.
    if existing is None or live != record.release or not existing.same_content(record):
        bucket.put_record(record)


def _prune(
    bucket: Bucket,
    ordered: list[ReleaseRecord],
    keep: int,
    etags: dict[str, str],
    result: DeployResult,
) -> None:
    kept, dropped = ordered[:keep], ordered[keep:]
    # Records first: an interrupted prune then leaves orphan assets (removed next time), never
    # a kept release whose assets are gone.
    doomed_records = [
        key
        for r in dropped
        for key in etags
        if key == record_key(r.release) or key.startswith(release_prefix(r.release))
    ]
    bucket.delete(doomed_records)
    result.pruned_releases = [r.release for r in dropped]
    in_use: set[str] = set()
    for r in kept:
        in_use |= r.hashed_keys
    orphans = sorted(key for key in etags if edge.is_hashed_asset(key) and key not in in_use)
    bucket.delete(orphans)
    result.deleted = orphans
