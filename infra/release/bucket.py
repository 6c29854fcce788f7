"""The site bucket: what it holds, and the few writes a release makes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from infra import edge
from infra.release.build import SiteFile
from infra.release.errors import ReleaseError
from infra.release.records import RecordedFile, ReleaseRecord, release_of_record_key

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# DeleteObjects takes at most this many keys a call.
DELETE_BATCH = 1000
_MD5_HEX_LENGTH = 32


def error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


@dataclass
class Bucket:
    s3: S3Client
    name: str
    workers: int

    def ensure_exists(self) -> None:
        try:
            self.s3.head_bucket(Bucket=self.name)
        except ClientError as error:
            code = error_code(error)
            if code in {"404", "NoSuchBucket", "NotFound"}:
                raise ReleaseError(f"bucket {self.name!r} does not exist") from error
            if code in {"403", "AccessDenied", "Forbidden"}:
                raise ReleaseError(f"access to bucket {self.name!r} is denied") from error
            raise

    def etags(self) -> dict[str, str]:
        """Every current object's MD5, as S3 reports it in one listing call per 1000 keys.

        For a single-part upload without SSE-KMS (this bucket uses SSE-S3, and the tool never
        uploads in parts) the ETag is the MD5 of the bytes. Any other ETag (a multipart "-N"
        suffix, a KMS-encrypted object) maps to "" so the file is uploaded again: a wasted
        upload, never a wrongly skipped one.
        """
        found: dict[str, str] = {}
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.name):
            for item in page.get("Contents", []):
                etag = item.get("ETag", "").strip('"').lower()
                plain_md5 = len(etag) == _MD5_HEX_LENGTH and "-" not in etag
                found[item["Key"]] = etag if plain_md5 else ""
        return found

    def get(self, key: str) -> bytes | None:
        try:
            return self.s3.get_object(Bucket=self.name, Key=key)["Body"].read()
        except ClientError as error:
            if error_code(error) in {"NoSuchKey", "404"}:
                return None
            raise

    def live_release(self) -> str | None:
        """The release config.json names: the one viewers get."""
        body = self.get(edge.CONFIG_DOCUMENT)
        if body is None:
            return None
        try:
            release = json.loads(body).get("release")
        except (ValueError, AttributeError):
            return None
        return str(release) if release else None

    def records(self, etags: dict[str, str]) -> dict[str, ReleaseRecord]:
        keys = [key for key in etags if release_of_record_key(key)]

        def read(key: str) -> ReleaseRecord:
            body = self.get(key)
            if body is None:
                raise ReleaseError(f"release record {key} vanished while being read")
            return ReleaseRecord.from_json(key, body)

        with ThreadPoolExecutor(self.workers) as pool:
            return {record.release: record for record in pool.map(read, keys)}

    def headers(self, f: SiteFile) -> tuple[str, str]:
        """(Content-Type, Cache-Control) of the object at the file's key."""
        answer = self.s3.head_object(Bucket=self.name, Key=f.key)
        return (answer.get("ContentType", ""), answer.get("CacheControl", ""))

    def put(self, f: SiteFile) -> None:
        # PutObject, never a multipart upload, keeps ETag == MD5 (see `etags`); its 5 GB limit
        # is far beyond any file a web build ships.
        self.s3.put_object(
            Bucket=self.name,
            Key=f.key,
            Body=f.read(),
            ContentMD5=f.content_md5,
            ContentType=f.content_type,
            CacheControl=f.cache_control,
        )

    def put_record(self, record: ReleaseRecord) -> None:
        self.s3.put_object(
            Bucket=self.name,
            Key=record.key,
            Body=record.to_json(),
            ContentType="application/json",
            # Read by this tool only, straight from S3; never worth caching at the edge.
            CacheControl=edge.NO_CACHE,
        )

    def copy(self, source: str, key: str, recorded: RecordedFile) -> None:
        """Server-side copy with the headers the key should carry."""
        self.s3.copy_object(
            Bucket=self.name,
            Key=key,
            CopySource={"Bucket": self.name, "Key": source},
            MetadataDirective="REPLACE",
            ContentType=recorded.content_type,
            CacheControl=recorded.cache_control,
        )

    def delete(self, keys: Iterable[str]) -> int:
        ordered = sorted(set(keys))
        for start in range(0, len(ordered), DELETE_BATCH):
            batch = ordered[start : start + DELETE_BATCH]
            answer = self.s3.delete_objects(
                Bucket=self.name,
                Delete={"Objects": [{"Key": key} for key in batch], "Quiet": True},
            )
            failed = answer.get("Errors", [])
            if failed:
                first = failed[0]
                raise ReleaseError(
                    f"could not delete {len(failed)} objects, e.g. {first.get('Key')}: "
                    f"{first.get('Code')} {first.get('Message')}"
                )
        return len(ordered)
