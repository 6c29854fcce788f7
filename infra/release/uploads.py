"""Parallel uploads with progress on stderr; the first failure stops the batch."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from botocore.exceptions import BotoCoreError, ClientError

from infra.release.build import SiteFile
from infra.release.errors import ReleaseError

# How often a long batch reports, in seconds.
PROGRESS_INTERVAL = 1.0


class Progress:
    """Counts finished uploads; speaks at most once per interval, and once at the end."""

    def __init__(self, say: Callable[[str], None], interval: float = PROGRESS_INTERVAL) -> None:
        self._say = say
        self._interval = interval
        self._lock = threading.Lock()
        self.files = 0
        self.bytes = 0
        self._total_files = 0
        self._total_bytes = 0
        self._started = time.monotonic()
        self._last = self._started

    def expect(self, files: Sequence[SiteFile]) -> None:
        with self._lock:
            self._total_files += len(files)
            self._total_bytes += sum(f.size for f in files)

    def done(self, f: SiteFile) -> None:
        with self._lock:
            self.files += 1
            self.bytes += f.size
            moment = time.monotonic()
            if moment - self._last >= self._interval:
                self._last = moment
                self._say(self._line())

    def finish(self) -> None:
        # Only a batch that already reported needs a closing line; short ones stay quiet.
        if self._last != self._started:
            self._say(self._line())

    def _line(self) -> str:
        return (
            f"uploaded {self.files}/{self._total_files} files, "
            f"{human_bytes(self.bytes)} of {human_bytes(self._total_bytes)}"
        )


def upload_all(
    files: Sequence[SiteFile],
    put: Callable[[SiteFile], None],
    workers: int,
    progress: Progress,
) -> None:
    """Uploads every file, or raises once the first failure is known.

    Uploads already in flight finish; those not started are cancelled, so a failed release
    stops early instead of pushing hundreds more objects nobody will serve.
    """
    if not files:
        return

    def one(f: SiteFile) -> None:
        try:
            put(f)
        except (ClientError, BotoCoreError, OSError) as error:
            raise ReleaseError(f"upload of {f.key} failed: {error}") from error
        progress.done(f)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="release-upload")
    try:
        futures = [pool.submit(one, f) for f in files]
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in finished:
            error = future.exception()
            if error is not None:
                raise error
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def human_bytes(size: int) -> str:
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")
