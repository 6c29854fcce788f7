"""A WSGI app served as an ASGI app, inline, for one request at a time.

Mangum speaks only ASGI and Flask only WSGI. The stock bridges (asgiref's WsgiToAsgi, a2wsgi)
run the app on a worker thread and hop back to the event loop for every message, hundreds of
microseconds per call for nothing on Lambda; and they take the body's length only from a
Content-Length header, which API Gateway need not send, so Werkzeug reads an empty body. This
bridge reads the whole body, gives the app its real length and calls it on the calling thread,
awaiting nothing but receive and send: the Lambda adapter steps it without an event loop.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

from mangum.types import Receive, Scope, Send

StartResponse: TypeAlias = Callable[..., Callable[[bytes], object]]
WSGIApp: TypeAlias = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]

# accept-encoding -> ACCEPT_ENCODING: a header's name as a key of the environ.
_ENVIRON_KEY = bytes.maketrans(b"abcdefghijklmnopqrstuvwxyz-", b"ABCDEFGHIJKLMNOPQRSTUVWXYZ_")


class InlineWsgiBridge:
    """An ASGI app (the `http` scope only) that runs a WSGI app on the calling thread."""

    def __init__(self, app: WSGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            # Mangum runs with lifespan="off", so only http scopes arrive.
            raise ValueError(f"the WSGI bridge serves http scopes, not {scope['type']!r}")
        chunks = []
        message = await receive()
        while message["type"] == "http.request":  # else http.disconnect: nobody is left to answer
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
            message = await receive()
        status, headers, content = self._call(_environ(scope, b"".join(chunks)))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": content, "more_body": False})

    def _call(self, environ: dict[str, Any]) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        started: list[tuple[str, list[tuple[str, str]]]] = []
        chunks: list[bytes] = []

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: object = None
        ) -> Callable[[bytes], object]:
            # Nothing is sent before the app returns: a second call, with exc_info, replaces it.
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
        # UTF-8, which Mangum decodes for the JSON answer: a header's text arrives unchanged.
        encoded = [(name.encode(), value.encode()) for name, value in headers]
        return int(status[:3]), encoded, b"".join(chunks)


def _environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """PEP 3333's environ: strings are the request's bytes decoded as latin-1."""
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client")
    # A UTF-8 string as WSGI has it: its bytes, each read as one latin-1 character.
    path = scope["path"].encode().decode("latin-1")
    root_path = scope.get("root_path", "").encode().decode("latin-1")
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
        "wsgi.input_terminated": True,  # the stream ends where the body ends
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope.get("headers", ()):
        key = (b"HTTP_" + name).translate(_ENVIRON_KEY).decode("latin-1")
        text = value.decode("latin-1")
        if key in environ:
            # Two names, one key (x-team, x_team): both kept; cookies joined as RFC 6265 has it.
            text = f"{environ[key]}{'; ' if key == 'HTTP_COOKIE' else ','}{text}"
        environ[key] = text
    # The body is whole: its real length replaces what the headers said (if anything).
    environ.pop("HTTP_CONTENT_LENGTH", None)
    environ.pop("HTTP_TRANSFER_ENCODING", None)
    if "HTTP_CONTENT_TYPE" in environ:
        environ["CONTENT_TYPE"] = environ.pop("HTTP_CONTENT_TYPE")
    environ["CONTENT_LENGTH"] = str(len(body))
    return environ
