"""Binding the stack's servers and running them until SIGINT or SIGTERM."""

from __future__ import annotations

import errno
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from werkzeug.serving import BaseWSGIServer, make_server


class PortInUse(Exception):
    """A port the stack needs is held by another process."""


@dataclass
class Bound:
    name: str
    server: BaseWSGIServer

    @property
    def url(self) -> str:
        return f"http://{self.server.host}:{self.server.port}"


def _not_ready(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
    return [b"starting\n"]


def bind(name: str, host: str, port: int, variable: str) -> Bound:
    """Takes the port now, before the app exists, so each app can be told the other's URL.

    Port 0 picks a free port, which is how tests run several stacks side by side.
    """
    # Bound here rather than by Werkzeug, which prints two lines of its own and exits when the
    # port is taken; the caller wants one line that names the variable to change.
    try:
        listener = socket.create_server((host, port))
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(
                f"port {port} ({variable}, the {name}) is already in use on {host}: "
                f"stop what holds it or run with {variable}=<free port>"
            ) from error
        raise
    with listener:
        # Werkzeug duplicates the descriptor, so this copy can close.
        server = make_server(host, port, _not_ready, threaded=True, fd=listener.fileno())
    return Bound(name=name, server=server)


def serve_until_stopped(servers: list[Bound], grace_seconds: float = 5) -> None:
    """Serves on background threads until SIGINT or SIGTERM, then stops each server cleanly.

    A second signal, or a stop that takes longer than `grace_seconds`, ends the process at once:
    a dev server that ignores Ctrl-C is worse than one that drops a request.
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            os._exit(128 + signum)
        stop.set()

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    threads = [
        threading.Thread(target=bound.server.serve_forever, name=bound.name, daemon=True)
        for bound in servers
    ]
    try:
        for thread in threads:
            thread.start()
        # A timed wait keeps the main thread able to run the signal handler promptly.
        while not stop.wait(0.5):
            pass
    finally:
        stopper = threading.Thread(target=_stop_all, args=(servers, threads), daemon=True)
        stopper.start()
        stopper.join(grace_seconds)
        if stopper.is_alive():
            print(f"devserver: not stopped after {grace_seconds}s; exiting anyway", file=sys.stderr)
            os._exit(1)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _stop_all(servers: list[Bound], threads: list[threading.Thread]) -> None:
    # In parallel: each shutdown waits up to one poll interval for its serving loop to notice.
    stoppers = [threading.Thread(target=bound.server.shutdown) for bound in servers]
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join()
    for bound in servers:
        bound.server.server_close()
    for thread in threads:
        thread.join()
