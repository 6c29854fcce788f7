"""The local edge: serves a built frontend with the rules CloudFront applies in the cloud.

Every rule comes from infra/edge.py; this module only maps a request onto a file the way the
S3 origin would. What the release tool writes per stage it writes for the local stage instead:
`/config.json` naming the local API, `/robots.txt` for a stage that is not prod, and
`index.html` with the hints for the local API (`edge.stage_index`, the release tool's function).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from werkzeug.datastructures import Headers
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.wrappers import Request, Response

from devserver.compression import CompressedCache, compress_answer
from infra import edge

LOCAL_STAGE = "local"
ALLOWED_METHODS = ("GET", "HEAD")
# What a private bucket answers for a key it does not have (the CDN's principal cannot list it);
# ERROR_REWRITES says what the edge makes of it.
MISSING_KEY_STATUS = 403


class DistError(Exception):
    """The dist folder cannot be served (missing, or without its entry document)."""


@dataclass(frozen=True)
class _Object:
    """One stored object as the origin would return it."""

    key: str
    body: bytes
    # Changes whenever the bytes may have, so compressed copies can be cached against it.
    identity: tuple[object, ...]


class LocalEdge:
    """A WSGI app: the S3 origin (a folder) behind the CDN's rules."""

    def __init__(self, dist: Path, api_origin: str) -> None:
        self.dist = dist.resolve()
        self.api_origin = api_origin
        self._security_headers = edge.SecurityHeaders(api_origin=api_origin).as_http()
        self._compressed = CompressedCache()
        check_dist(self.dist)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        try:
            response = self.respond(Request(environ))
        except DistError as error:
            # Most often a rebuild in progress (Vite empties dist first): say so and let the
            # browser retry, rather than a 500 with a traceback.
            response = Response(f"{error}\n", status=503, mimetype="text/plain")
            response.headers.update(self._security_headers)
            response.headers["Cache-Control"] = "no-store"
            response.headers["Retry-After"] = "1"
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.method not in ALLOWED_METHODS:
            response: Response = MethodNotAllowed(
                valid_methods=list(ALLOWED_METHODS)
            ).get_response()
            response.headers.update(self._security_headers)
            return response
        key = request.path.lstrip("/") or edge.INDEX_DOCUMENT
        status = 200
        stored = self._read(key)
        if stored is None:
            rewrite = _rewrite_for(MISSING_KEY_STATUS)
            status = rewrite.response_status
            stored = self._read(rewrite.response_page.lstrip("/"))
            if stored is None:
                raise DistError(
                    f"{self.dist} has no {rewrite.response_page}: a rebuild in progress, or "
                    "build the frontend (cd frontend && npm ci && npm run build)"
                )
        return self._object_response(request, stored, status)

    def release(self) -> str:
        """The release served: the release tool's id if dist has one, else index.html's hash."""
        written = self._dist_config().get("release")
        if isinstance(written, str) and written:
            return written
        index = (self.dist / edge.INDEX_DOCUMENT).read_bytes()
        return hashlib.sha256(index).hexdigest()[:12]

    def config(self) -> dict[str, Any]:
        """The runtime config the SPA reads at start, pointing at the local API."""
        # Keep any other field a release wrote (they are the frontend's settings), but the API
        # and stage are always the local ones.
        return {
            **self._dist_config(),
            "apiUrl": self.api_origin,
            "stage": LOCAL_STAGE,
            "release": self.release(),
        }

    def _dist_config(self) -> dict[str, Any]:
        path = self.dist / edge.CONFIG_DOCUMENT
        try:
            written = json.loads(path.read_bytes())
        except FileNotFoundError:
            return {}
        except ValueError as error:
            raise DistError(f"{path} is not valid JSON: {error}") from error
        if not isinstance(written, dict):
            raise DistError(f"{path} must hold a JSON object, not {type(written).__name__}")
        return written

    def _read(self, key: str) -> _Object | None:
        """The object stored under `key`, or None where S3 would answer that it has none."""
        if key == edge.CONFIG_DOCUMENT:
            body = json.dumps(self.config(), indent=2).encode()
            return _Object(key=key, body=body, identity=(key, hashlib.md5(body).hexdigest()))
        if key == edge.ROBOTS_DOCUMENT:
            body = edge.robots_txt(LOCAL_STAGE)
            return _Object(key=key, body=body, identity=(key, hashlib.md5(body).hexdigest()))
        if key.startswith(edge.RELEASES_PREFIX):
            # The bucket policy keeps CloudFront out of the release tool's records.
            return None
        path = _inside(self.dist, key)
        if path is None:
            return None
        try:
            stat = path.stat()
            body = path.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError):
            return None
        if key == edge.INDEX_DOCUMENT:
            # What the release tool publishes for a stage (the build's index.html with the
            # stage's hints), here for the local API. The identity below need not change with
            # it: the API's address is fixed for the server's life.
            body = self._stage_index(path, body)
        return _Object(key=key, body=body, identity=(key, stat.st_mtime_ns, stat.st_size))

    def _stage_index(self, path: Path, body: bytes) -> bytes:
        try:
            return edge.stage_index(body, self.api_origin)
        except (ValueError, UnicodeDecodeError) as error:
            raise DistError(f"{path} cannot be served: {error}") from error

    def _object_response(self, request: Request, stored: _Object, status: int) -> Response:
        headers = Headers(self._security_headers)
        headers["Cache-Control"] = edge.cache_control(stored.key)
        headers["Content-Type"] = edge.content_type(stored.key)
        # S3's ETag for a single-part upload is the MD5 of the bytes.
        headers["ETag"] = f'"{hashlib.md5(stored.body).hexdigest()}"'
        body = compress_answer(
            status,
            headers,
            stored.body,
            request.accept_encodings,
            self._compressed,
            stored.identity,
        )
        etag = headers["ETag"]
        if request.if_none_match.contains_weak(etag.removeprefix("W/").strip('"')):
            del headers["Content-Type"]
            return Response(status=304, headers=headers)
        return Response(body, status=status, headers=headers)


def check_dist(dist: Path) -> None:
    if not (dist / edge.INDEX_DOCUMENT).is_file():
        raise DistError(
            f"{dist / edge.INDEX_DOCUMENT} not found: build the frontend first "
            "(cd frontend && npm ci && npm run build) or pass --dist"
        )


def _rewrite_for(origin_status: int) -> edge.ErrorRewrite:
    for rewrite in edge.ERROR_REWRITES:
        if rewrite.origin_status == origin_status:
            return rewrite
    raise LookupError(
        f"infra/edge.py has no ERROR_REWRITES entry for origin status {origin_status}"
    )


def _inside(root: Path, key: str) -> Path | None:
    """The file for `key` under `root`, or None if the key would lead outside it."""
    if "\x00" in key or "\\" in key:
        return None
    # Resolving follows `..` and symlinks, so whatever the key spells, only files under root
    # can come out.
    path = (root / key).resolve()
    return path if path.is_relative_to(root) and path != root else None
