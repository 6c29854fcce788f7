"""`python -m devserver`: the local edge, the local API edge and the local API, wired together."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from devserver.api_edge import HttpOrigin, LocalApiEdge, UnsupportedRule, origin_secret
from devserver.local_api import HandlerError, LambdaRuntime, LocalApi, package_release
from devserver.local_edge import LOCAL_STAGE, DistError, LocalEdge
from devserver.servers import Bound, PortInUse, bind, serve_until_stopped

REPO = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_SITE_PORT = 8080
DEFAULT_API_PORT = 8081
# Behind the local API edge the function's own server is internal: any free port unless set.
DEFAULT_FUNCTION_PORT = 0
_ON = {"on", "true", "1", "yes"}
_OFF = {"off", "false", "0", "no"}


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
        "the API edge's cache rules and the Lambda handler, on 127.0.0.1. Ports come from "
        "SITE_PORT, API_PORT (the API edge) and FUNCTION_PORT (the function behind it, any "
        "free port by default); API_EDGE=off serves the function on API_PORT without the edge.",
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


def _switch(variable: str, default: bool) -> bool:
    raw = os.environ.get(variable, "").strip().lower()
    if not raw:
        return default
    if raw in _ON:
        return True
    if raw in _OFF:
        return False
    raise SystemExit(f"devserver: {variable}={raw!r} is not on or off (on/off, true/false, 1/0)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    site_port = _port("SITE_PORT", DEFAULT_SITE_PORT)
    api_port = _port("API_PORT", DEFAULT_API_PORT)
    # The stage key apiEdge, locally: on by default; off serves the local API on API_PORT
    # itself, as API Gateway serves a stage without the edge.
    with_edge = _switch("API_EDGE", default=True)
    function_port = _port("FUNCTION_PORT", DEFAULT_FUNCTION_PORT)
    bound: list[Bound] = []
    api_edge: LocalApiEdge | None = None
    try:
        site = bind("local edge", HOST, site_port, "SITE_PORT")
        bound.append(site)
        api = bind("local API edge" if with_edge else "local API", HOST, api_port, "API_PORT")
        bound.append(api)
        function = bind("local API", HOST, function_port, "FUNCTION_PORT") if with_edge else None
        if function is not None:
            bound.append(function)
        site.server.app = LocalEdge(args.dist, api_origin=api.url)
        # Behind the edge, the function only answers requests carrying this run's secret, as
        # the deployed one only answers its distribution. Without it, an ORIGIN_SECRET from the
        # shell must not reach the function either.
        secret = origin_secret() if with_edge else ""
        if function is not None:
            # Before the function's cold start, so a rule the edge cannot apply stops the stack
            # without importing the app first.
            api_edge = LocalApiEdge(HttpOrigin(function.url), secret)
            api.server.app = api_edge
        runtime = LambdaRuntime(
            args.backend,
            {
                "STAGE": LOCAL_STAGE,
                "RELEASE": package_release(args.backend.resolve()),
                "ALLOWED_ORIGIN": site.url,
                "ORIGIN_SECRET": secret,
            },
        )
        (api if function is None else function).server.app = LocalApi(runtime.invoke)
    except (PortInUse, DistError, HandlerError, UnsupportedRule) as error:
        for server in bound:
            server.server.server_close()
        if api_edge is not None:
            api_edge.close()
        print(f"devserver: {error}", file=sys.stderr)
        return 1

    ready = f"Skyline local stack ready (Ctrl-C stops it)\n  site: {site.url}/\n  api:  {api.url}/"
    if function is not None:
        # The function's own API, behind the edge: it refuses requests without the secret.
        ready += f"\n  function: {function.url}/"
    print(ready, flush=True)
    try:
        serve_until_stopped(bound)
    finally:
        runtime.close()
        if api_edge is not None:
            api_edge.close()
    print("devserver: stopped", flush=True)
    return 0
