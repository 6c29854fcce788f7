"""`python -m devserver`: the local edge and the local API, wired to each other."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from devserver.local_api import HandlerError, LambdaRuntime, LocalApi, package_release
from devserver.local_edge import LOCAL_STAGE, DistError, LocalEdge
from devserver.servers import Bound, PortInUse, bind, serve_until_stopped

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_SITE_PORT = 8080
DEFAULT_API_PORT = 8081


def _port(variable: str, default: int) -> int:
    raw = os.environ.get(variable, str(default))
    try:
        port = int(raw)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise SystemExit(f"devserver: {variable}={raw!r} is not a port number (0-65535)")
    return port


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m devserver",
        description="Serve the built frontend through the CDN's rules and the API through "
        "the Lambda handler, on 127.0.0.1. Ports come from SITE_PORT and API_PORT.",
    )
    parser.add_argument(
        "--dist", type=Path, default=REPO / "frontend" / "dist", help="built frontend to serve"
    )
    parser.add_argument(
        "--backend",
        type=Path,
        default=REPO / "backend",
        help="folder holding handler.py, the Lambda entry point",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    site_port = _port("SITE_PORT", DEFAULT_SITE_PORT)
    api_port = _port("API_PORT", DEFAULT_API_PORT)
    bound: list[Bound] = []
    runtime: LambdaRuntime | None = None
    try:
        site = bind("local edge", HOST, site_port, "SITE_PORT")
        bound.append(site)
        api = bind("local API", HOST, api_port, "API_PORT")
        bound.append(api)
        site.server.app = LocalEdge(args.dist, api_origin=api.url)
        runtime = LambdaRuntime(
            args.backend,
            {
                "STAGE": LOCAL_STAGE,
                "RELEASE": package_release(args.backend.resolve()),
                "ALLOWED_ORIGIN": site.url,
            },
        )
        api.server.app = LocalApi(runtime.invoke)
    except (PortInUse, DistError, HandlerError) as error:
        for server in bound:
            server.server.server_close()
        print(f"devserver: {error}", file=sys.stderr)
        return 1

    print(
        f"Skyline local stack ready (Ctrl-C stops it)\n  site: {site.url}/\n  api:  {api.url}/",
        flush=True,
    )
    try:
        serve_until_stopped(bound)
    finally:
        runtime.close()
    print("devserver: stopped", flush=True)
    return 0
