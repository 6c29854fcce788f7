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
from collections.abc import (
    Awaitable,
    Callable,
    Hashable,
    Iterable,
    Iterator,
    MutableMapping,
)
from types import TracebackType
from typing import Any, TypeAlias, TypeVar

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


class TextHeaders:
    """ASGI headers held as text, in a dict of distinct lower-case names; encoded if iterated.

    ASGI only asks for an iterable of byte-string pairs. Between a Lambda event (JSON, so
    text) and a WSGI app (text again), encoding every header to bytes and decoding it back
    costs more per request than anything else either side does. So the adapter and this
    bridge hand each other the text as it is, in this wrapper, and read `mapping` directly;
    any other ASGI party iterates it and gets the bytes it expects. Every name and value must
    be ASCII, where UTF-8 and latin-1 agree and the two readings are the same.
    """

    __slots__ = ("mapping",)

    def __init__(self, mapping: dict[str, str]) -> None:
        self.mapping = mapping

    def __iter__(self) -> Iterator[tuple[bytes, bytes]]:
        return ((name.encode(), value.encode()) for name, value in self.mapping.items())


class InlineWsgiBridge:
    """An ASGI app (the `http` scope only) that runs a WSGI app on the calling thread."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # Mangum runs with lifespan="off", so only http scopes arrive.
            raise ValueError(f"the WSGI bridge serves http scopes, not {scope['type']!r}")
        message = await receive()
        if message["type"] == "http.request" and not message.get("more_body", False):
            body = message.get("body", b"")
        else:
            body = await _read_body(receive, message)
        try:
            environ = _environ(scope, body)
        except UnicodeError:
            # A lone surrogate in a path or header cannot become WSGI's latin-1 strings.
            status: int = 400
            headers: Iterable[tuple[bytes, bytes]] = [(b"content-type", b"application/json")]
            content = _BAD_REQUEST
        else:
            status, headers, content = self._call(environ)
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content, "more_body": False})

    def _call(self, environ: dict[str, Any]) -> tuple[int, Iterable[tuple[bytes, bytes]], bytes]:
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
            started.append((status, headers))
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
        status, headers = started[-1]
        return int(status[:3]), _response_headers(headers), b"".join(chunks)


def _response_headers(headers: list[tuple[str, str]]) -> Iterable[tuple[bytes, bytes]]:
    """The app's headers for ASGI: as text when they can be, else as latin-1 bytes."""
    mapping: dict[str, str] = {}
    try:
        for name, value in headers:
            mapping[_LOWER_NAMES[name]] = value
    except KeyError:
        # A name not seen before: remembered, if ASCII text, for the next answer.
        for name, _ in headers:
            if type(name) is str and name.isascii():
                remember(_LOWER_NAMES, name, name.lower())
    else:
        try:
            # Distinct names (a repeated Set-Cookie is not), and values as ASCII text.
            if len(mapping) == len(headers) and "".join(mapping.values()).isascii():
                return TextHeaders(mapping)
        except TypeError:
            pass
    # Latin-1, as PEP 3333 has it; a header it cannot encode fails here, in the app's call,
    # rather than wherever the headers would be read.
    return [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers]


async def _read_body(receive: Receive, message: Message) -> bytes:
    """The rest of a body that arrives in several messages, from the first one on."""
    chunks = []
    while message["type"] == "http.request":  # else http.disconnect: nobody is left to answer
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
        message = await receive()
    return b"".join(chunks)


# Header names repeat from request to request, and so does the set of them one client sends:
# each is worked out once and remembered. Bounded, since clients choose the names.
_ENVIRON_KEYS: dict[bytes, str] = {}
_TEXT_ENVIRON_KEYS: dict[str, str] = {}
_LAYOUTS: dict[tuple[str, ...], tuple[dict[str, Any], tuple[str, ...]] | None] = {}
_LOWER_NAMES: dict[str, str] = {}
_UNKNOWN: Any = object()
_MAX_REMEMBERED = 512

# The environ's keys in their order; the values that vary are set on each request.
_BASE_ENVIRON: dict[str, Any] = {
    "REQUEST_METHOD": "",
    "SCRIPT_NAME": "",
    "PATH_INFO": "",
    "QUERY_STRING": "",
    "SERVER_NAME": "",
    "SERVER_PORT": "",
    "SERVER_PROTOCOL": "",
    "REMOTE_ADDR": "",
    "wsgi.version": (1, 0),
    "wsgi.url_scheme": "https",
    "wsgi.input": None,
    # The stream ends where the body ends, whatever the headers said.
    "wsgi.input_terminated": True,
    "wsgi.errors": None,
    "wsgi.multithread": False,
    "wsgi.multiprocess": True,
    "wsgi.run_once": False,
}

_K = TypeVar("_K", bound=Hashable)
_T = TypeVar("_T")


def remember(memory: dict[_K, _T], key: _K, value: _T) -> _T:
    """`value`, kept under `key` while the memory is below its bound (clients choose keys)."""
    if len(memory) < _MAX_REMEMBERED:
        memory[key] = value
    return value


def _environ_key(name: str) -> str:
    """HTTP_ACCEPT_ENCODING for accept-encoding; "" for headers the body makes obsolete."""
    name = name.upper().replace("-", "_")
    if name in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
        return ""
    return name if name == "CONTENT_TYPE" else f"HTTP_{name}"


def _layout(names: tuple[str, ...]) -> tuple[dict[str, Any], tuple[str, ...]] | None:
    """An environ with every key in place for these header names, and each name's key.

    None if two names share a key (their values are joined one by one). A header the body
    makes obsolete maps to CONTENT_LENGTH, which is set after the headers.
    """
    keys = tuple(_environ_key(_latin1(name)) or "CONTENT_LENGTH" for name in names)
    kept = [key for key in keys if key != "CONTENT_LENGTH"]
    if len(set(kept)) != len(kept):
        return None
    prototype = {**_BASE_ENVIRON, **dict.fromkeys(kept, ""), "CONTENT_LENGTH": ""}
    return prototype, keys


def _latin1(text: str) -> str:
    """A UTF-8 string as WSGI has it: its bytes, each read as one latin-1 character."""
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def _environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """PEP 3333's environ: strings are the request's bytes decoded as latin-1."""
    headers = scope.get("headers", ())
    layout = None
    if type(headers) is TextHeaders:
        names = tuple(headers.mapping)
        layout = _LAYOUTS.get(names, _UNKNOWN)
        if layout is _UNKNOWN:
            layout = remember(_LAYOUTS, names, _layout(names))
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client")
    root_path = scope.get("root_path", "")
    if not root_path.isascii():
        root_path = _latin1(root_path)
    path = scope["path"]
    if not path.isascii():
        path = _latin1(path)
    if root_path and path.startswith(root_path):
        path = path[len(root_path) :]
    # A copy of a dict with every key already in order costs less than inserting them.
    environ = (layout[0] if layout else _BASE_ENVIRON).copy()
    environ["REQUEST_METHOD"] = scope["method"]
    environ["SCRIPT_NAME"] = root_path
    environ["PATH_INFO"] = path
    environ["QUERY_STRING"] = scope.get("query_string", b"").decode("latin-1")
    environ["SERVER_NAME"] = str(server[0])
    environ["SERVER_PORT"] = str(server[1] or 0)
    environ["SERVER_PROTOCOL"] = f"HTTP/{scope.get('http_version', '1.1')}"
    environ["REMOTE_ADDR"] = str(client[0]) if client and client[0] else ""
    environ["wsgi.url_scheme"] = scope.get("scheme", "https")
    environ["wsgi.input"] = io.BytesIO(body)
    environ["wsgi.errors"] = sys.stderr
    if layout:
        environ.update(zip(layout[1], headers.mapping.values(), strict=True))
    else:
        _add_headers(environ, headers.mapping.items() if type(headers) is TextHeaders else headers)
    # Always the real length, so a body sent without a Content-Length header still arrives.
    environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def _add_headers(environ: dict[str, Any], headers: Iterable[tuple[Any, Any]]) -> None:
    """Headers as bytes (ASGI) or text (TextHeaders), one at a time, repeats joined."""
    for name, value in headers:
        if isinstance(name, str):
            key = _TEXT_ENVIRON_KEYS.get(name)
            if key is None:
                key = remember(_TEXT_ENVIRON_KEYS, name, _environ_key(_latin1(name)))
            value = _latin1(value)
        else:
            key = _ENVIRON_KEYS.get(name)
            if key is None:
                key = remember(_ENVIRON_KEYS, name, _environ_key(name.decode("latin-1")))
            value = value.decode("latin-1")
        if not key:
            continue  # the body is already whole: its length is set below
        if key in environ:
            # Cookies are joined with "; " (RFC 6265), every other repeated header with ",".
            value = f"{environ[key]}{'; ' if key == 'HTTP_COOKIE' else ','}{value}"
        environ[key] = value
