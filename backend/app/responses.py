"""JSON answers that caches and browsers can keep: a strong ETag and a Cache-Control each."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import Response, current_app, request

# A health check must reach the function every time, or it would report a cached "ok".
NO_STORE = "no-store"
# Errors may stop being errors (a run that appears), and must never be cached by a CDN.
ERROR_CACHE_CONTROL = "no-store"


def dumps(payload: Any) -> bytes:
    # Compact and in the contract's key order; ensure_ascii keeps the body 7-bit clean.
    return json.dumps(payload, separators=(",", ":")).encode()


def error_body(status: int, message: str) -> bytes:
    """The body of every error answer, from the app or from the Lambda adapter around it."""
    return dumps({"error": {"status": status, "message": message}})


def cached_json(payload: Any, cache_control: str) -> Response:
    """A 200 JSON answer with a strong ETag, or 304 with no body when If-None-Match matches."""
    body = dumps(payload)
    response = current_app.response_class(body, mimetype="application/json")
    # The ETag hashes the exact bytes, so it is strong: equal tags mean equal bodies.
    response.set_etag(hashlib.blake2b(body, digest_size=16).hexdigest())
    response.headers["Cache-Control"] = cache_control
    # Werkzeug compares If-None-Match (weakly, as RFC 9110 asks for GET) and turns the answer
    # into a 304 that keeps ETag and Cache-Control and drops the body.
    response.make_conditional(request)
    return response


def max_age(seconds: int) -> str:
    return f"public, max-age={seconds}"
