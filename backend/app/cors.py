"""Cross-origin access for the one origin the site is served from.

The app answers CORS alone, preflights included: API Gateway has no CORS configuration (one
naming the site would close a cycle with the site's CSP, see infra/api.py). A preflight's answer
says how long a shared cache may keep it, so the API edge (infra/api_edge.py), whose cache key
holds Origin and the two Access-Control-Request-* headers, answers repeated preflights without
an invocation. Only reads are exposed: the API has nothing to write.
"""

from __future__ import annotations

from flask import Flask, Response, abort, request

from app.config import Config
from app.cors_rules import ALLOWED_HEADERS, ALLOWED_METHODS, EXPOSED_HEADERS


def register(app: Flask, config: Config) -> None:
    allowed = config.allowed_origin
    max_age = str(config.cors_max_age)
    # As long as a browser may keep it; the edge bounds it by its own maximum TTL.
    preflight_cache_control = f"public, max-age={config.cors_max_age}"

    @app.before_request
    def _preflight() -> Response | None:
        if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
            return None
        if request.url_rule is None:
            return None  # routing answers 404 (or 405)
        origin = request.headers.get("Origin")
        if origin is None or origin != allowed:
            abort(403, description=f"origin {origin!r} may not call this API")
        method = request.headers["Access-Control-Request-Method"].strip().upper()
        if method not in ALLOWED_METHODS:
            abort(403, description=f"method {method!r} is not allowed across origins")
        requested = request.headers.get("Access-Control-Request-Headers", "")
        refused = sorted(
            {h.strip().lower() for h in requested.split(",") if h.strip()} - set(ALLOWED_HEADERS)
        )
        if refused:
            abort(403, description=f"headers {', '.join(refused)} are not allowed across origins")
        response = app.response_class(status=204)
        del response.headers["Content-Type"]  # no body, so no type
        response.headers["Access-Control-Allow-Methods"] = ", ".join(ALLOWED_METHODS)
        response.headers["Access-Control-Allow-Headers"] = ", ".join(ALLOWED_HEADERS)
        response.headers["Access-Control-Max-Age"] = max_age
        response.headers["Cache-Control"] = preflight_cache_control
        # What it varies on besides Origin (added below), for any shared cache in between.
        response.vary.update(("Access-Control-Request-Method", "Access-Control-Request-Headers"))
        return response

    @app.after_request
    def _allow_origin(response: Response) -> Response:
        # Every answer depends on Origin, even one without CORS headers: a shared cache must
        # not hand an answer made for one origin to another.
        response.vary.add("Origin")
        if allowed is not None and request.headers.get("Origin") == allowed:
            response.headers["Access-Control-Allow-Origin"] = allowed
            response.headers["Access-Control-Expose-Headers"] = ", ".join(EXPOSED_HEADERS)
        return response
