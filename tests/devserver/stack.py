"""Runs `python -m devserver` as a real subprocess on free ports, for tests that need sockets."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
STANDIN_BACKEND = Path(__file__).resolve().parent / "standin_backend"
_URL_LINE = re.compile(r"^\s+(site|api|function):\s+(http://\S+?)/?$")
START_TIMEOUT_SECONDS = 30


@dataclass
class Stack:
    process: subprocess.Popen[str]
    site_url: str
    # The API's public address: the local API edge, or the local API itself with the edge off.
    api_url: str
    log_path: Path
    output: list[str] = field(default_factory=list)
    # The local API behind the edge (it refuses requests without the edge's secret); None with
    # the edge off.
    function_url: str | None = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: signal.Signals = signal.SIGINT, timeout: float = 10) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def _drain(stream: object, lines: queue.Queue[str | None]) -> None:
    # Keeps reading for the process's whole life so a full pipe can never block it.
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)
    lines.put(None)


def start(
    dist: Path,
    log_path: Path,
    backend: Path = STANDIN_BACKEND,
    site_port: int = 0,
    api_port: int = 0,
    extra_env: Mapping[str, str] | None = None,
    api_edge: bool = True,
) -> Stack:
    env = {
        **os.environ,
        "SITE_PORT": str(site_port),
        "API_PORT": str(api_port),
        "FUNCTION_PORT": "0",
        "API_EDGE": "on" if api_edge else "off",
        "PYTHONUNBUFFERED": "1",
        **(extra_env or {}),
    }
    # The devserver prints one line per server once all are ready.
    expected = {"site", "api", "function"} if api_edge else {"site", "api"}
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "devserver", "--dist", str(dist), "--backend", str(backend)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    log.close()
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_drain, args=(process.stdout, lines), daemon=True).start()
    urls: dict[str, str] = {}
    output: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not expected <= set(urls):
        remaining = deadline - time.monotonic()
        try:
            line = lines.get(timeout=max(remaining, 0.01))
        except queue.Empty:
            process.kill()
            raise RuntimeError(
                f"devserver did not print its URLs within {START_TIMEOUT_SECONDS}s:\n"
                + "".join(output)
                + log_path.read_text()
            ) from None
        if line is None:
            process.wait()
            raise RuntimeError(
                f"devserver exited with {process.returncode} before it was ready:\n"
                + "".join(output)
                + log_path.read_text()
            )
        output.append(line)
        match = _URL_LINE.match(line.rstrip("\n"))
        if match:
            urls[match.group(1)] = match.group(2)
    return Stack(process, urls["site"], urls["api"], log_path, output, urls.get("function"))


@contextmanager
def running(dist: Path, log_path: Path, **kwargs: object) -> Iterator[Stack]:
    stack = start(dist, log_path, **kwargs)  # type: ignore[arg-type]
    try:
        yield stack
    finally:
        if stack.process.poll() is None:
            stack.process.send_signal(signal.SIGINT)
            try:
                stack.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                stack.process.kill()
                stack.process.wait()
