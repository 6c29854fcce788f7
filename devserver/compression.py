"""Content negotiation and compression as CloudFront does it for a `compress: True` behaviour."""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict

import brotli  # type: ignore[import-untyped]
from werkzeug.datastructures import Accept

from infra import edge

# When a viewer accepts both, CloudFront sends brotli (smaller for text).
_PREFERENCE = ("br", "gzip")


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
