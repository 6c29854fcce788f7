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

import base64
import json
import logging
import re
from typing import Any

from mangum import Mangum
from mangum.handlers import APIGateway, HTTPGateway
from mangum.handlers.utils import (
    get_server_and_port,
    strip_api_gateway_path,
)
from mangum.types import LambdaContext, LambdaEvent, LambdaHandler, Response, Scope
from wsgi_bridge import InlineWsgiBridge, Message, TextHeaders, WSGIApp, remember

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
# Whether each tuple of request header names is lower-case ASCII text.
_LOWER_CASE: dict[tuple[Any, ...], bool] = {}
_USUAL_METHODS = frozenset(("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"))


class _HttpApiEvent(HTTPGateway):
    # Stock Mangum computes `scope` anew on every access; it is read twice per request.
    # (functools.cached_property would do, but takes a lock on each access on Python 3.11.)
    _scope: Scope | None = None

    @property
    def scope(self) -> Scope:
        if self._scope is None:
            self._scope = self._text_scope() or super().scope
        return self._scope

    def _text_scope(self) -> Scope | None:
        """Mangum's payload 2.0 scope, step for step, with the headers left as text.

        None for anything else (payload 1.0, a header that is not ASCII text): stock Mangum
        builds that scope, or raises the error it always has.
        """
        event = self.event
        request_context = event["requestContext"]
        if event["version"] != "2.0":
            return None
        headers = event.get("headers", {})
        # API Gateway sends every name in lower case already: then the scope shares the
        # event's own dict, only ever read. A client sends the same names request after
        # request, so the answer is remembered for each tuple of them.
        lower_case: bool | None = False
        if type(headers) is dict:
            key = tuple(headers)
            lower_case = _LOWER_CASE.get(key)
            if lower_case is None:
                lower_case = remember(_LOWER_CASE, key, _lower_case_ascii(key))
        if not lower_case:
            headers = {k.lower(): v for k, v in headers.items()}
        http = request_context["http"]
        source_ip = http["sourceIp"]
        path = http["path"]
        method = http["method"]
        query_string = event.get("rawQueryString", "").encode()
        if event.get("cookies"):
            headers = {**headers, "cookie": "; ".join(event.get("cookies", []))}
        base_path = self.config["api_gateway_base_path"]
        if not (type(path) is str and path and "%" not in path and base_path == "/"):
            path = strip_api_gateway_path(path, api_gateway_base_path=base_path)
        host = headers.get("host", "mangum")
        if type(host) is str and ":" not in host:
            server = (host, int(headers.get("x-forwarded-port", 80)))
        else:
            server = get_server_and_port(headers)
        try:
            # Names already known to be ASCII need no second look.
            if not (lower_case or "".join(headers).isascii()):
                return None
            if not "".join(headers.values()).isascii():
                return None
        except TypeError:
            return None
        return {
            "type": "http",
            "method": method,
            "http_version": "1.1",
            "headers": TextHeaders(headers),
            "path": path,
            "raw_path": None,
            "root_path": "",
            "scheme": headers.get("x-forwarded-proto", "https"),
            "query_string": query_string,
            "server": server,
            "client": (source_ip, 0),
            "asgi": {"version": "3.0", "spec_version": "2.0"},
            "aws.event": event,
            "aws.context": self.context,
        }

    @property
    def body(self) -> bytes:
        # Most requests (every GET) have none; stock Mangum would end at b"" after two calls.
        return super().body if self.event.get("body") else b""

    def __call__(self, response: Response) -> dict[str, Any]:
        # Typed as byte pairs by Mangum; our bridge hands over TextHeaders (still iterable as such).
        headers: object = response["headers"]
        if type(headers) is not TextHeaders or self.event["version"] != "2.0":
            result: dict[str, Any] = super().__call__(response)
            return result
        # Mangum's payload 2.0 answer, from the bridge's text headers: distinct lower-case
        # names, so at most one Set-Cookie.
        finalized = headers.mapping
        cookies = [finalized.pop("set-cookie")] if "set-cookie" in finalized else None
        body = response["body"]
        if "content-type" not in finalized and body is not None:
            finalized["content-type"] = "application/json"
        # Mangum's handle_base64_response_body, inline.
        text, is_base64_encoded = "", False
        if body:
            content_type = finalized.get("content-type", "")
            for mime_type in self.config["text_mime_types"]:
                if mime_type in content_type:
                    try:
                        text = body.decode()
                    except UnicodeDecodeError:
                        text, is_base64_encoded = base64.b64encode(body).decode(), True
                    break
            else:
                text, is_base64_encoded = base64.b64encode(body).decode(), True
        answer: dict[str, Any] = {"statusCode": response["status"], "body": text}
        if finalized:
            answer["headers"] = finalized
        if cookies:
            answer["cookies"] = cookies
        answer["isBase64Encoded"] = is_base64_encoded
        return answer


class _RestApiEvent(APIGateway):
    _scope: Scope | None = None

    @property
    def scope(self) -> Scope:
        if self._scope is None:
            self._scope = super().scope
        return self._scope


def _lower_case_ascii(names: tuple[Any, ...]) -> bool:
    """Whether every header name is ASCII text in lower case already."""
    try:
        joined = "".join(names)
    except TypeError:
        return False
    return joined.isascii() and joined == joined.lower()


class LambdaAdapter(Mangum):
    """`handler(event, context)` for a WSGI app behind API Gateway."""

    def __init__(self, app: WSGIApp) -> None:
        super().__init__(
            InlineWsgiBridge(app),
            lifespan="off",
            custom_handlers=[_HttpApiEvent, _RestApiEvent],
        )
        self._exchange = _Exchange()

    def _setup_event_loop(self) -> None:
        # Stock Mangum installs an event loop for the thread; this adapter never needs one.
        pass

    def __call__(self, event: LambdaEvent, context: LambdaContext) -> dict[str, Any]:
        try:
            if type(event) is dict and "version" in event and "requestContext" in event:
                # The first custom handler's own test, without Mangum walking its chain of
                # handler classes: nearly every request is one of these.
                http_api = _HttpApiEvent(event, context, self.config)
                scope = http_api.scope
                body = http_api.body
                handler: LambdaHandler = http_api
            elif isinstance(event, dict):
                handler = self.infer(event, context)
                scope = handler.scope
                body = handler.body
            else:
                raise TypeError(f"the event is a {type(event).__name__}, not an object")
            method = scope["method"]
            if (
                type(method) is not str
                or method not in _USUAL_METHODS
                or type(scope["path"]) is not str
            ):
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
        # One request at a time: the same exchange serves each in turn.
        exchange = self._exchange
        exchange.reset(body)
        coroutine = self.app(scope, exchange.receive, exchange.send)
        # A loop over the coroutine's steps: ending it costs no StopIteration to catch.
        for _ in coroutine.__await__():
            coroutine.close()
            raise RuntimeError("the ASGI app suspended, but nothing runs an event loop to resume")
        return exchange.response()


class _Exchange:
    """ASGI's receive and send for one request whose body is already whole."""

    __slots__ = ("_chunks", "_complete", "_request", "_start")

    def __init__(self) -> None:
        self.reset(b"")

    def reset(self, body: bytes) -> None:
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
        start = self._start
        if start is None or not self._complete:
            raise RuntimeError("the ASGI app returned before completing its response")
        return {
            "status": start["status"],
            "headers": start.get("headers", []),
            "body": b"".join(self._chunks),
        }


def _check(scope: Scope) -> None:
    """What Mangum passes through unchecked and the app cannot take."""
    method = scope["method"]
    if not isinstance(method, str) or (
        method not in _USUAL_METHODS and not _METHOD.fullmatch(method)
    ):
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
