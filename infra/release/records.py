"""Release records: what each kept release consists of, stored beside the site in the bucket.

`_releases/<id>.json` lists a release's files with their hashes and headers; every unhashed
file of the release (index.html, config.json, favicon.svg, ...) is also copied to
`_releases/<id>/site/<key>`, because the site's own copy is overwritten by the next release and
a rollback needs the old bytes back. The bucket policy denies CloudFront this prefix, so only the
tool, with its own credentials, reads them; no Vite build writes to `_releases/`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from infra import edge
from infra.release.build import SiteFile
from infra.release.errors import ReleaseError

RECORDS_PREFIX = edge.RELEASES_PREFIX
_RECORD_KEY = re.compile(r"^_releases/([0-9a-f]+)\.json$")


@dataclass(frozen=True)
class RecordedFile:
    sha256: str
    md5: str
    size: int
    content_type: str
    cache_control: str

    @classmethod
    def of(cls, f: SiteFile) -> RecordedFile:
        return cls(f.sha256, f.md5, f.size, f.content_type, f.cache_control)

    @property
    def headers(self) -> tuple[str, str]:
        return (self.content_type, self.cache_control)


@dataclass(frozen=True)
class ReleaseRecord:
    release: str
    stage: str
    # When the release was first published, and when it last became the live one: the keep
    # order follows the latter, so a rolled-back-to release is as safe as a new one.
    created: datetime
    activated: datetime
    config: dict[str, str]
    files: dict[str, RecordedFile]

    @property
    def key(self) -> str:
        return record_key(self.release)

    @property
    def hashed_keys(self) -> set[str]:
        return {key for key in self.files if edge.is_hashed_asset(key)}

    @property
    def unhashed_keys(self) -> list[str]:
        """Entry documents last, in the order a rollback must restore them."""
        return sorted(
            (key for key in self.files if not edge.is_hashed_asset(key)),
            key=lambda key: (key == edge.INDEX_DOCUMENT, key == edge.CONFIG_DOCUMENT, key),
        )

    def same_content(self, other: ReleaseRecord) -> bool:
        return (self.stage, self.config, self.files) == (other.stage, other.config, other.files)

    def activated_now(self) -> ReleaseRecord:
        return replace(self, activated=now())

    def to_json(self) -> bytes:
        document: dict[str, Any] = {
            "release": self.release,
            "stage": self.stage,
            "created": self.created.isoformat(),
            "activated": self.activated.isoformat(),
            "config": self.config,
            "files": {
                key: {
                    "sha256": f.sha256,
                    "md5": f.md5,
                    "size": f.size,
                    "content_type": f.content_type,
                    "cache_control": f.cache_control,
                }
                for key, f in sorted(self.files.items())
            },
        }
        return (json.dumps(document, indent=1) + "\n").encode()

    @classmethod
    def from_json(cls, key: str, body: bytes) -> ReleaseRecord:
        try:
            document = json.loads(body)
            return cls(
                release=str(document["release"]),
                stage=str(document["stage"]),
                created=datetime.fromisoformat(document["created"]),
                activated=datetime.fromisoformat(document["activated"]),
                config={str(k): str(v) for k, v in document["config"].items()},
                files={
                    str(name): RecordedFile(
                        sha256=str(f["sha256"]),
                        md5=str(f["md5"]),
                        size=int(f["size"]),
                        content_type=str(f["content_type"]),
                        cache_control=str(f["cache_control"]),
                    )
                    for name, f in document["files"].items()
                },
            )
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            raise ReleaseError(
                f"release record {key} is unreadable ({error!r}); delete it to forget that release"
            ) from error


def now() -> datetime:
    return datetime.now(UTC)


def record_key(release: str) -> str:
    return f"{RECORDS_PREFIX}{release}.json"


def copy_key(release: str, key: str) -> str:
    return f"{RECORDS_PREFIX}{release}/site/{key}"


def release_prefix(release: str) -> str:
    return f"{RECORDS_PREFIX}{release}/"


def release_of_record_key(key: str) -> str | None:
    match = _RECORD_KEY.match(key)
    return match.group(1) if match else None


def newest_first(records: list[ReleaseRecord], *first: str | None) -> list[ReleaseRecord]:
    """Most recently live first, after the releases named in `first`, in that order.

    Pruning names the new release and the one live before it: a deploy stopped after writing
    its record must not push the release viewers still have open out of the kept set.
    """
    rank: dict[str, int] = {}
    for i, release in enumerate(first):
        if release:
            rank.setdefault(release, len(first) - i)
    return sorted(
        records,
        key=lambda r: (rank.get(r.release, 0), r.activated, r.created),
        reverse=True,
    )
