"""Mangum, tuned for a function that serves one request at a time.

Mangum stays the adapter: it recognises the event (API Gateway HTTP API payload 2.0 or 1.0,
REST API, ALB), builds the ASGI scope and shapes the response for each. This subclass changes
what costs time or fails loudly in the stock adapter:

* A malformed or unknown event makes stock Mangum raise (RuntimeError from inference, KeyError
  or AttributeError from scope building), which Lambda reports as a failed invocation and API
  Gateway as a bare 502. Here it becomes a 400 JSON answer saying what is wrong.
* Stock Mangum runs each request with `loop.run_until_complete(loop.create_task(...))` on the
  loop `asyncio.get_event_loop()` returns, which on Python 3.12+ warns or fails when no loop is
  set and is replaced whenever something calls `asyncio.run`. One loop, made here and kept for
  the process, runs every request.
* Its HTTP API handler rebuilds the whole scope (headers, path, query) a second time just to
  read the payload version when it shapes the response; the handlers below build it once.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import re
from typing import Any

from mangum import Mangum
from mangum.handlers import APIGateway, HTTPGateway
from mangum.protocols import HTTPCycle
from mangum.types import LambdaContext, LambdaEvent, Response, Scope
from wsgi_bridge import InlineWsgiBridge, WSGIApp

# Mangum logs one INFO line per request; API Gateway's access log already records each one.
logging.getLogger("mangum").setLevel(logging.WARNING)

# What Mangum raises while reading an event that is not the shape it expects.
_EVENT_ERRORS = (
    KeyError,
    IndexError,
    TypeError,
    ValueError,  # includes UnicodeError and binascii.Error (bad base64)
    AttributeError,
    RuntimeError,  # no handler recognised the event
)


# RFC 9110's token: what an HTTP method may be made of.
_METHOD = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class _HttpApiEvent(HTTPGateway):
    @functools.cached_property
    def scope(self) -> Scope:
        return super().scope


class _RestApiEvent(APIGateway):
    @functools.cached_property
    def scope(self) -> Scope:
        return super().scope


class LambdaAdapter(Mangum):
    """`handler(event, context)` for a WSGI app behind API Gateway."""

    def __init__(self, app: WSGIApp) -> None:
        super().__init__(
            InlineWsgiBridge(app),
            lifespan="off",
            custom_handlers=[_HttpApiEvent, _RestApiEvent],
        )
        self.loop = asyncio.new_event_loop()

    def _setup_event_loop(self) -> None:
        # Mangum would install a loop as the thread's current one; this adapter keeps its own.
        pass

    def __call__(self, event: LambdaEvent, context: LambdaContext) -> dict[str, Any]:
        try:
            if not isinstance(event, dict):
                raise TypeError(f"the event is a {type(event).__name__}, not an object")
            handler = self.infer(event, context)
            scope = handler.scope
            body = handler.body
            _check(scope)
        except _EVENT_ERRORS as error:
            return bad_event(error)
        cycle = HTTPCycle(scope, body)
        self.loop.run_until_complete(cycle.run(self.app))
        response: Response = {"status": cycle.status, "headers": cycle.headers, "body": cycle.body}
        result: dict[str, Any] = handler(response)
        return result


def _check(scope: Scope) -> None:
    """What Mangum passes through unchecked and the app cannot take."""
    method = scope["method"]
    if not isinstance(method, str) or not _METHOD.fullmatch(method):
        raise ValueError(f"the HTTP method {method!r} is not a method name")
    if not isinstance(scope["path"], str):
        raise TypeError("the path is not a string")


def bad_event(error: Exception) -> dict[str, Any]:
    """A 400 answer in the shape every API Gateway payload version accepts."""
    if isinstance(error, RuntimeError):
        reason = "it is not an API Gateway or load balancer request"
    elif isinstance(error, KeyError):
        reason = f"the field {error} is missing"
    else:
        reason = str(error) or type(error).__name__
    message = f"malformed event: {reason}"
    return {
        "statusCode": 400,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "body": json.dumps({"error": {"status": 400, "message": message}}),
        "isBase64Encoded": False,
    }
