"""Content negotiation and compression as CloudFront does it for a `compress: True` behaviour."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict

import brotli  # type: ignore[import-untyped]
from werkzeug.datastructures import Accept, Headers

from infra import edge

# When a viewer accepts both, CloudFront sends brotli (smaller for text).
_PREFERENCE = ("br", "gzip")
# The origin statuses whose bodies CloudFront compresses (its "conditions for compression");
# other answers pass as they are.
COMPRESSED_STATUSES = frozenset({200, 403, 404})


def choose_encoding(accept_encoding: Accept, size: int) -> str | None:
    """The encoding to send a compressible body of `size` bytes in, or None for identity."""
    if not edge.COMPRESS_MIN_BYTES <= size <= edge.COMPRESS_MAX_BYTES:
        return None
    for encoding in _PREFERENCE:
        # Only an explicit token counts: CloudFront ignores `*` and treats q=0 as a refusal.
        if encoding in accept_encoding.values() and accept_encoding[encoding] > 0:
            return encoding
    return None


def compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return bytes(brotli.compress(body, mode=brotli.MODE_TEXT))
    if encoding == "gzip":
        # mtime=0 so the same file always compresses to the same bytes.
        return gzip.compress(body, mtime=0)
    raise ValueError(f"unknown content encoding {encoding!r}")


class CompressedCache:
    """Compressed bodies keyed by file identity, so a page load does not re-run brotli per asset."""

    def __init__(self, max_entries: int = 256) -> None:
        self._entries: OrderedDict[tuple[object, ...], bytes] = OrderedDict()
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get(self, identity: tuple[object, ...], body: bytes, encoding: str) -> bytes:
        key = (*identity, encoding)
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
                return cached
        compressed = compress(body, encoding)
        with self._lock:
            self._entries[key] = compressed
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
        return compressed


def compress_answer(
    status: int,
    headers: Headers,
    body: bytes,
    accept_encoding: Accept,
    copies: CompressedCache,
    identity: tuple[object, ...] | None = None,
) -> bytes:
    """What the edge makes of an origin's answer: the body to send.

    For both local edges, as both distributions (infra/site.py, infra/api_edge.py: `compress`
    on, gzip and brotli in the cache key) compress. `headers` is updated as the edge updates it:
    `Vary: Accept-Encoding` on every compressible answer, and on a compressed one
    `Content-Encoding`, no stale `Content-Length`, and the origin's strong ETag made weak (the
    compressed bytes are another representation; the app compares If-None-Match weakly, so
    revalidation keeps working). Compressed bodies are kept in `copies`, as CloudFront keeps a
    compressed copy of what it caches, so a hit does not run brotli again: under `identity`
    where the caller knows the bytes by one (a file's), else under the body's hash.
    """
    content_type = headers.get("Content-Type", "")
    if (
        status not in COMPRESSED_STATUSES
        or "Content-Encoding" in headers
        or not edge.is_compressible(content_type)
    ):
        return body
    vary = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
    if not any(v.lower() == "accept-encoding" for v in vary):
        headers["Vary"] = ", ".join([*vary, "Accept-Encoding"])
    encoding = choose_encoding(accept_encoding, len(body))
    if encoding is None:
        return body
    headers["Content-Encoding"] = encoding
    headers.pop("Content-Length", None)
    etag = headers.get("ETag")
    if etag and not etag.startswith("W/"):
        headers["ETag"] = f"W/{etag}"
    if identity is None:
        identity = (hashlib.blake2b(body, digest_size=16).digest(),)
    return copies.get(identity, body, encoding)
