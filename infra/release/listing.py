"""List: the releases a bucket keeps, newest first, the live one marked."""

from __future__ import annotations

from dataclasses import dataclass

from infra.release.bucket import Bucket
from infra.release.records import ReleaseRecord, newest_first


@dataclass(frozen=True)
class Listed:
    record: ReleaseRecord
    live: bool

    def as_json(self) -> dict[str, object]:
        r = self.record
        return {
            "release": r.release,
            "stage": r.stage,
            "created": r.created.isoformat(),
            "activated": r.activated.isoformat(),
            "files": len(r.files),
            "bytes": sum(f.size for f in r.files.values()),
            "live": self.live,
        }

    def line(self) -> str:
        r = self.record
        marker = "*" if self.live else " "
        live = "  (live)" if self.live else ""
        return (
            f"{marker} {r.release}  {r.stage:<8}  last live {r.activated:%Y-%m-%d %H:%M:%S}Z  "
            f"created {r.created:%Y-%m-%d %H:%M:%S}Z  {len(r.files)} files{live}"
        )


def list_releases(bucket: Bucket) -> list[Listed]:
    bucket.ensure_exists()
    records = bucket.records(bucket.etags())
    live = bucket.live_release()
    return [Listed(r, r.release == live) for r in newest_first(list(records.values()))]
