"""Mangum, for a function that serves one request at a time.

Mangum recognises the event (API Gateway HTTP API payload 2.0 or 1.0, REST API, ALB), builds
the ASGI scope and shapes the answer for each payload version. Unlike stock Mangum, a malformed
or unknown event gets a 400 JSON answer rather than an exception (a bare 502 from API Gateway),
and no event loop runs: through the inline bridge nothing ever waits, so the ASGI coroutine is
stepped once to completion. An app that did suspend is reported as a bug: a logged error, a 500.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from mangum import Mangum
from mangum.handlers import HTTPGateway
from mangum.types import LambdaContext, LambdaEvent, Message, Response, Scope
from wsgi_bridge import InlineWsgiBridge, WSGIApp

from app.responses import ERROR_CACHE_CONTROL, error_body

# Mangum logs one INFO line per request; API Gateway's access log already records each one.
logging.getLogger("mangum").setLevel(logging.WARNING)
logger = logging.getLogger(__name__)

_ERROR_HEADERS = {"content-type": "application/json", "cache-control": ERROR_CACHE_CONTROL}
_INTERNAL_ERROR: Response = {
    "status": 500,
    "headers": [[name.encode(), value.encode()] for name, value in _ERROR_HEADERS.items()],
    "body": error_body(500, "internal error"),
}
# What Mangum raises on an event of another shape (ValueError: also bad base64 or Unicode).
_EVENT_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError, RuntimeError)
# RFC 9110's token: what an HTTP method may be made of.
_METHOD = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


class _HttpApiEvent(HTTPGateway):
    # Stock Mangum builds the scope again to read the payload version when it shapes the answer.
    _scope: Scope | None = None

    @property
    def scope(self) -> Scope:
        if self._scope is None:
            self._scope = super().scope
        return self._scope


class LambdaAdapter(Mangum):
    """`handler(event, context)` for a WSGI app behind API Gateway."""

    def __init__(self, app: WSGIApp) -> None:
        super().__init__(InlineWsgiBridge(app), lifespan="off", custom_handlers=[_HttpApiEvent])

    def __call__(self, event: LambdaEvent, context: LambdaContext) -> dict[str, Any]:
        try:
            if not isinstance(event, dict):
                raise TypeError(f"the event is a {type(event).__name__}, not an object")
            handler = self.infer(event, context)
            scope, body = handler.scope, handler.body
            # What Mangum passes through unchecked and the app cannot take.
            if not (isinstance(scope["method"], str) and _METHOD.fullmatch(scope["method"])):
                raise ValueError(f"the HTTP method {scope['method']!r} is not a method name")
            if not isinstance(scope["path"], str):
                raise TypeError("the path is not a string")
            scope["path"].encode()  # JSON can carry a lone surrogate, which is no UTF-8 path
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
        return handler(response)

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
        self.request: Message = {"type": "http.request", "body": body, "more_body": False}
        self.start: Message | None = None
        self.chunks: list[bytes] = []
        self.complete = False

    async def receive(self) -> Message:
        request, self.request = self.request, {"type": "http.disconnect"}
        return request

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start" and self.start is None:
            self.start = message
        elif message["type"] == "http.response.body" and self.start and not self.complete:
            self.chunks.append(message.get("body", b""))
            self.complete = not message.get("more_body", False)
        else:
            raise RuntimeError(f"unexpected ASGI message {message['type']!r} in the response")

    def response(self) -> Response:
        if self.start is None or not self.complete:
            raise RuntimeError("the ASGI app returned before completing its response")
        headers, body = self.start.get("headers", []), b"".join(self.chunks)
        return {"status": self.start["status"], "headers": headers, "body": body}


def _reason(error: Exception) -> str:
    if isinstance(error, RuntimeError):
        return "it is not an API Gateway or load balancer request"
    if isinstance(error, KeyError):
        return f"the field {error} is missing"
    return str(error) or type(error).__name__


def bad_event(message: str) -> dict[str, Any]:
    """A 400 answer in the shape every API Gateway payload version accepts."""
    answer = {"statusCode": 400, "headers": {**_ERROR_HEADERS}, "isBase64Encoded": False}
    return {**answer, "body": error_body(400, message).decode()}
