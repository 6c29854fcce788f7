"""A WSGI app served as an ASGI app, inline, for one request at a time.

Mangum speaks only ASGI and Flask only WSGI. The stock bridges are built for servers that run
many requests at once, and that costs a Lambda function, which receives one request at a time:

* asgiref's WsgiToAsgi and a2wsgi run the WSGI app on a worker thread (sync_to_async or an
  executor) and hop back to the event loop for every message it sends: several hundred
  microseconds of hand-off per call for nothing, since there is no other request to serve.
* Both take the body's length only from a Content-Length header. API Gateway passes the body
  whole but need not send that header (an HTTP/2 client, a chunked upload), and then Werkzeug
  reads an empty body: the request silently loses its payload.

This bridge reads the whole body from the ASGI messages, tells the WSGI app its real length, and
calls the app on the calling thread, without awaiting anything but receive and send. Under an
event loop that would block the loop for the length of the request, which is only right where
nothing else shares it: exactly Lambda's one-request-per-environment model. The Lambda adapter
(lambda_adapter.py) relies on that and steps this coroutine without any loop.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from types import TracebackType
from typing import Any, TypeAlias

Scope: TypeAlias = MutableMapping[str, Any]
Message: TypeAlias = MutableMapping[str, Any]
Receive: TypeAlias = Callable[[], Awaitable[Message]]
Send: TypeAlias = Callable[[Message], Awaitable[None]]
ExcInfo: TypeAlias = (
    tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]
)
StartResponse: TypeAlias = Callable[..., Callable[[bytes], object]]
WSGIApp: TypeAlias = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

_BAD_REQUEST = (
    b'{"error":{"status":400,"message":"the request path, query or headers cannot be decoded"}}'
)


class InlineWsgiBridge:
    """An ASGI app (the `http` scope only) that runs a WSGI app on the calling thread."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # Mangum runs with lifespan="off", so only http scopes arrive.
            raise ValueError(f"the WSGI bridge serves http scopes, not {scope['type']!r}")
        body = await _read_body(receive)
        try:
            environ = _environ(scope, body)
        except UnicodeError:
            # A lone surrogate in a path or header cannot become WSGI's latin-1 strings.
            await _send(send, 400, [(b"content-type", b"application/json")], _BAD_REQUEST)
            return
        status, headers, content = self._call(environ)
        await _send(send, status, headers, content)

    def _call(self, environ: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        started: list[tuple[str, list[tuple[str, str]]]] = []
        chunks: list[bytes] = []

        def start_response(
            status: str,
            headers: list[tuple[str, str]],
            exc_info: ExcInfo | None = None,
        ) -> Callable[[bytes], object]:
            # Nothing reaches the client before the app returns, so a second call (an error
            # page after a failure, with exc_info) simply replaces the first.
            if started and not exc_info:
                raise RuntimeError("start_response called twice without exc_info")
            started[:] = [(status, headers)]
            return chunks.append

        result = self.app(environ, start_response)
        try:
            chunks.extend(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if not started:
            raise RuntimeError("the WSGI app returned without calling start_response")
        status, headers = started[0]
        return (
            int(status[:3]),
            [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers],
            b"".join(chunks),
        )


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # http.disconnect: nobody is left to answer
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _send(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


# Header names repeat from request to request; remembering their environ keys saves decoding
# and rewriting each name on every call. Bounded, since clients choose the names.
_ENVIRON_KEYS: dict[bytes, str] = {}
_MAX_REMEMBERED = 512


def _environ_key(raw_name: bytes) -> str:
    """HTTP_ACCEPT_ENCODING for accept-encoding; "" for headers the body makes obsolete."""
    name = raw_name.decode("latin-1").upper().replace("-", "_")
    if name in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
        key = ""
    else:
        key = name if name == "CONTENT_TYPE" else f"HTTP_{name}"
    if len(_ENVIRON_KEYS) < _MAX_REMEMBERED:
        _ENVIRON_KEYS[raw_name] = key
    return key


def _environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """PEP 3333's environ: strings are the request's bytes decoded as latin-1."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client")
    root_path = scope.get("root_path", "").encode("utf-8").decode("latin-1")
    path = scope["path"].encode("utf-8").decode("latin-1")
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": root_path,
        "PATH_INFO": path,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] or 0),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": str(client[0]) if client and client[0] else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "https"),
        "wsgi.input": io.BytesIO(body),
        # The stream ends where the body ends, whatever the headers said.
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for raw_name, raw_value in scope.get("headers", ()):
        key = _ENVIRON_KEYS.get(raw_name)
        if key is None:
            key = _environ_key(raw_name)
        if not key:
            continue  # the body is already whole: its length is set below
        value = raw_value.decode("latin-1")
        if key in environ:
            # Cookies are joined with "; " (RFC 6265), every other repeated header with ",".
            value = f"{environ[key]}{'; ' if key == 'HTTP_COOKIE' else ','}{value}"
        environ[key] = value
    # Always the real length, so a body sent without a Content-Length header still arrives.
    environ["CONTENT_LENGTH"] = str(len(body))
    return environ
