"""moto's S3/CloudFront API server in its own process on loopback, for tests and the benchmark.

Its own process, not a thread: the tool under test runs a pool of upload threads, and a
server sharing their interpreter would slow both and measure the GIL instead of the tool.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

START_TIMEOUT_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class MotoServer:
    endpoint: str
    pid: int

    def cpu_seconds(self) -> float:
        """CPU time the server has used so far (Linux /proc): the floor under any client."""
        with open(f"/proc/{self.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        # utime and stime, the 14th and 15th fields of the whole line.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def running_moto() -> Iterator[str]:
    """Yields the endpoint URL; fails loudly if the server does not come up."""
    with running_moto_server() as server:
        yield server.endpoint


@contextmanager
def running_moto_server() -> Iterator[MotoServer]:
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    # The server logs every request: a file, never a pipe nobody drains (it would block).
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        try:
            _wait_until_ready(endpoint, process, log)
            yield MotoServer(endpoint, process.pid)
        finally:
            _stop(process)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def reset(endpoint: str) -> None:
    """Forgets every bucket, object and distribution."""
    request = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as answer:
        if answer.status != 200:
            raise RuntimeError(f"moto reset answered {answer.status}")


def _wait_until_ready(endpoint: str, process: subprocess.Popen[bytes], log: IO[str]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            error = log.read()
            raise RuntimeError(f"moto server exited with {process.returncode}: {error[-2000:]}")
        try:
            with urllib.request.urlopen(f"{endpoint}/moto-api/data.json", timeout=1):
                return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise RuntimeError(f"moto server did not answer on {endpoint} in {START_TIMEOUT_SECONDS}s")
