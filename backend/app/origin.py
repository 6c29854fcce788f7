"""Only the API edge reaches the app, and each request leaves one line that follows it there.

Behind the API edge (infra/api_edge.py), API Gateway's `execute-api` endpoint stays public: it is
the edge's origin. The edge adds a per-stack secret header to every request it forwards, and the
function, given the same secret as ORIGIN_SECRET, answers anything without it with the app's
JSON 403. Without ORIGIN_SECRET (a stage with the edge off, the tests) nothing is checked.

The line: CloudFront sends its own request id (the access log's `x-edge-request-id`) to the
origin as `X-Amz-Cf-Id`, and Lambda stamps every line the function logs with its invocation's
request id, so this line ties the two together. API Gateway's own `requestContext.requestId` is
not in it: the Lambda adapter's WSGI bridge builds the environ from the ASGI scope's HTTP fields
only, so the event that carries it never reaches Flask.
"""

from __future__ import annotations

import hmac
import logging
import re

from flask import Flask, Response, abort, request

from app.config import Config

# The header the edge adds; infra/api_cache.py declares the same name for the distribution
# (a test holds the two equal: the Lambda package cannot import the program's modules).
ORIGIN_SECRET_HEADER = "x-skyline-origin-verify"
# The edge's request id as CloudFront sends it to its origin.
EDGE_REQUEST_ID_HEADER = "x-amz-cf-id"
# What a CloudFront request id is made of (base64url and `=`); anything else is logged as
# `invalid`, so a direct caller cannot write what it likes into the log.
_EDGE_REQUEST_ID = re.compile(r"[A-Za-z0-9_=-]{1,128}")

# At INFO, which Lambda records by default in the JSON log format the function uses
# (infra/api.py). Where logging is not configured, as in the tests and the benchmarks, the line
# costs one level check.
logger = logging.getLogger(__name__)


def register(app: Flask, config: Config) -> None:
    secret = config.origin_secret.encode() if config.origin_secret else None

    if secret is not None:

        @app.before_request
        def _from_the_edge_only() -> None:
            given = request.headers.get(ORIGIN_SECRET_HEADER, "")
            # Compared as bytes: compare_digest refuses str with non-ASCII characters, which a
            # caller controls. Constant time, so the secret cannot be guessed byte by byte.
            if not hmac.compare_digest(given.encode("utf-8", "surrogateescape"), secret):
                abort(403, description="this API answers only through its edge")

    @app.after_request
    def _log_request(response: Response) -> Response:
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "request method=%s target=%s status=%d edge_request_id=%s",
                request.method,
                _target(),
                response.status_code,
                _edge_request_id(),
            )
        return response


def _target() -> str:
    query = request.query_string.decode("latin-1")
    return f"{request.path}?{query}" if query else request.path


def _edge_request_id() -> str:
    value = request.headers.get(EDGE_REQUEST_ID_HEADER)
    if value is None:
        return "-"
    return value if _EDGE_REQUEST_ID.fullmatch(value) else "invalid"
