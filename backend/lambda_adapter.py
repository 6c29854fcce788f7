"""Mangum, tuned for a function that serves one request at a time.

Mangum stays the adapter: it recognises the event (API Gateway HTTP API payload 2.0 or 1.0,
REST API, ALB), builds the ASGI scope and shapes the response for each payload version. This
subclass changes what fails loudly or costs time in the stock adapter:

* A malformed or unknown event makes stock Mangum raise (RuntimeError from inference, KeyError
  or AttributeError from scope building), which Lambda reports as a failed invocation and API
  Gateway as a bare 502. Here it becomes a 400 JSON answer saying what is wrong.
* Stock Mangum runs every request through `loop.run_until_complete(loop.create_task(...))`
  with its HTTPCycle: a Task, two turns of the event loop with an epoll system call each, an
  asyncio.Queue per request, and the loop that `asyncio.get_event_loop()` returns, which
  Python 3.12+ warns about or refuses when none is set. With the inline bridge nothing ever
  waits: the request body is whole before the call, the WSGI app runs synchronously and the
  response is only collected. So `_Exchange` hands over the body and collects the response
  without a queue, and the ASGI coroutine is stepped once, directly, running to completion
  with no event loop at all (on a loop it would also finish in its first step). An app that
  did suspend would be a bug in this setup, and is reported as one: a logged error and a 500.
* Its HTTP API handler rebuilds the whole scope (headers, path, query) a second time just to
  read the payload version when it shapes the response; the handlers below build it once.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from mangum import Mangum
from mangum.handlers import APIGateway, HTTPGateway
from mangum.types import LambdaContext, LambdaEvent, Response, Scope
from wsgi_bridge import InlineWsgiBridge, Message, WSGIApp

# Mangum logs one INFO line per request; API Gateway's access log already records each one.
logging.getLogger("mangum").setLevel(logging.WARNING)
logger = logging.getLogger(__name__)

_INTERNAL_ERROR: Response = {
    "status": 500,
    "headers": [[b"content-type", b"application/json"], [b"cache-control", b"no-store"]],
    "body": b'{"error":{"status":500,"message":"internal error"}}',
}

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
    # Stock Mangum computes `scope` anew on every access; it is read twice per request.
    # (functools.cached_property would do, but takes a lock on each access on Python 3.11.)
    _scope: Scope | None = None

    @property
    def scope(self) -> Scope:
        if self._scope is None:
            self._scope = super().scope
        return self._scope


class _RestApiEvent(APIGateway):
    _scope: Scope | None = None

    @property
    def scope(self) -> Scope:
        if self._scope is None:
            self._scope = super().scope
        return self._scope


class LambdaAdapter(Mangum):
    """`handler(event, context)` for a WSGI app behind API Gateway."""

    def __init__(self, app: WSGIApp) -> None:
        super().__init__(
            InlineWsgiBridge(app),
            lifespan="off",
            custom_handlers=[_HttpApiEvent, _RestApiEvent],
        )

    def _setup_event_loop(self) -> None:
        # Stock Mangum installs an event loop for the thread; this adapter never needs one.
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
            message = f"malformed event: {_reason(error)}"
            # Only a misconfigured integration or a hand-made invocation sends these.
            logger.warning("%s", message)
            return bad_event(message)
        try:
            response = self._run(scope, body)
        except Exception:
            # The last line of defence, outside the app: Flask already turns its own failures
            # into JSON 500s, so this only catches a broken bridge or a suspended coroutine.
            logger.exception("the request failed outside the app's error handling")
            response = _INTERNAL_ERROR
        result: dict[str, Any] = handler(response)
        return result

    def _run(self, scope: Scope, body: bytes) -> Response:
        exchange = _Exchange(body)
        coroutine = self.app(scope, exchange.receive, exchange.send)
        try:
            coroutine.send(None)
        except StopIteration:
            return exchange.response()
        coroutine.close()
        raise RuntimeError("the ASGI app suspended, but nothing runs an event loop to resume it")


class _Exchange:
    """ASGI's receive and send for one request whose body is already whole."""

    def __init__(self, body: bytes) -> None:
        self._request: Message | None = {"type": "http.request", "body": body, "more_body": False}
        self._start: Message | None = None
        self._chunks: list[bytes] = []
        self._complete = False

    async def receive(self) -> Message:
        request, self._request = self._request, None
        return request or {"type": "http.disconnect"}

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start" and self._start is None:
            self._start = message
        elif kind == "http.response.body" and self._start is not None and not self._complete:
            self._chunks.append(message.get("body", b""))
            self._complete = not message.get("more_body", False)
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} at this point of the response")

    def response(self) -> Response:
        if self._start is None or not self._complete:
            raise RuntimeError("the ASGI app returned before completing its response")
        return {
            "status": self._start["status"],
            "headers": self._start.get("headers", []),
            "body": b"".join(self._chunks),
        }


def _check(scope: Scope) -> None:
    """What Mangum passes through unchecked and the app cannot take."""
    method = scope["method"]
    if not isinstance(method, str) or not _METHOD.fullmatch(method):
        raise ValueError(f"the HTTP method {method!r} is not a method name")
    if not isinstance(scope["path"], str):
        raise TypeError("the path is not a string")


def _reason(error: Exception) -> str:
    if isinstance(error, RuntimeError):
        return "it is not an API Gateway or load balancer request"
    if isinstance(error, KeyError):
        return f"the field {error} is missing"
    return str(error) or type(error).__name__


def bad_event(message: str) -> dict[str, Any]:
    """A 400 answer in the shape every API Gateway payload version accepts."""
    return {
        "statusCode": 400,
        "headers": {"content-type": "application/json", "cache-control": "no-store"},
        "body": json.dumps({"error": {"status": 400, "message": message}}),
        "isBase64Encoded": False,
    }
