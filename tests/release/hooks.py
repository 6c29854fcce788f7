"""boto3 event hooks that watch or break the tool's requests, as a real network could."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.exceptions import EndpointConnectionError

from infra.release.lock import LOCK_KEY

_KEY = "release_test_key"


@dataclass
class PutLog:
    """Each PutObject's start and finish, in the order the server saw them."""

    events: list[tuple[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, session: boto3.Session) -> boto3.Session:
        session.events.register("before-parameter-build.s3.PutObject", self._start)
        session.events.register("after-call.s3.PutObject", self._finish)
        return session

    def _start(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        context[_KEY] = params["Key"]
        with self._lock:
            self.events.append(("start", params["Key"]))

    def _finish(self, context: dict[str, Any], **_: Any) -> None:
        with self._lock:
            self.events.append(("end", context[_KEY]))

    def position(self, kind: str, key: str) -> int:
        return self.events.index((kind, key))

    def finished(self) -> list[str]:
        return [key for kind, key in self.events if kind == "end"]


@dataclass
class FailAfter:
    """Lets `count` PutObjects of the site through, then fails every later one like a dropped
    network. The release lock's own writes pass: the cut is in the middle of the release."""

    count: int
    seen: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def attach(self, session: boto3.Session) -> boto3.Session:
        session.events.register("before-parameter-build.s3.PutObject", self._maybe_fail)
        return session

    def _maybe_fail(self, params: dict[str, Any], **_: Any) -> None:
        if params["Key"] == LOCK_KEY:
            return
        with self._lock:
            self.seen += 1
            if self.seen > self.count:
                raise EndpointConnectionError(endpoint_url="http://127.0.0.1 (cut by the test)")
