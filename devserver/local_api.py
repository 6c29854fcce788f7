"""The local API: each HTTP request goes through the Lambda handler as API Gateway would send it."""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import sys
import threading
import traceback
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from werkzeug.wrappers import Request, Response

from devserver import apigw

Handler = Callable[[dict[str, Any], Any], Any]
HANDLER_MODULE = "handler"
HANDLER_FUNCTION = "handler"
LOCAL_FUNCTION_NAME = "skyline-local-api"


class HandlerError(Exception):
    """The backend's handler cannot be loaded."""


@dataclass
class LambdaContext:
    """The attributes of Lambda's context object that handlers and Mangum read."""

    aws_request_id: str
    function_name: str = LOCAL_FUNCTION_NAME
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = f"arn:aws:lambda:local:000000000000:function:{LOCAL_FUNCTION_NAME}"
    log_group_name: str = f"/aws/lambda/{LOCAL_FUNCTION_NAME}"
    log_stream_name: str = "local"
    timeout_ms: int = field(default=10_000, repr=False)

    def get_remaining_time_in_millis(self) -> int:
        return self.timeout_ms


class LambdaRuntime:
    """One warm function instance: the handler imported once, invoked one event at a time.

    Lambda imports a handler and runs it on a single thread, one event after another; the
    adapter serves one request at a time and steps the app's coroutine itself, with no event
    loop. The import and every call happen on one dedicated thread here too, as on Lambda.
    """

    def __init__(self, backend_dir: Path, environment: Mapping[str, str]) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="lambda")
        _FUNCTION_LOG.install()
        self._handler: Handler = self._thread.submit(
            _load_handler, backend_dir.resolve(), dict(environment)
        ).result()

    def invoke(self, event: dict[str, Any], context: LambdaContext) -> Any:
        return self._thread.submit(self._run, event, context).result()

    def _run(self, event: dict[str, Any], context: LambdaContext) -> Any:
        _FUNCTION_LOG.invocation.request_id = context.aws_request_id
        try:
            return self._handler(event, context)
        finally:
            _FUNCTION_LOG.invocation.request_id = None

    def close(self) -> None:
        self._thread.shutdown(wait=True, cancel_futures=True)


class _FunctionLog(logging.Filter):
    """The function's log as Lambda's runtime keeps it: the root logger at INFO, on stderr here,
    each line stamped with the request id of the invocation that wrote it (`-` outside one).

    Lambda records INFO and up in the JSON log format the function uses (infra/api.py), so the
    app's line per request (backend/app/origin.py) shows here as in CloudWatch. The local API
    uses one id for the gateway's request and the invocation, so the stamp is also the
    `Apigw-Requestid` the client got.
    """

    FORMAT = "[%(levelname)s] %(aws_request_id)s %(name)s: %(message)s"

    def __init__(self) -> None:
        super().__init__()
        self.invocation = threading.local()
        self._handler: logging.Handler | None = None

    def filter(self, record: logging.LogRecord) -> bool:
        record.aws_request_id = getattr(self.invocation, "request_id", None) or "-"
        return True

    def install(self) -> None:
        if self._handler is not None:
            return
        self._handler = logging.StreamHandler(sys.stderr)
        self._handler.setFormatter(logging.Formatter(self.FORMAT))
        self._handler.addFilter(self)
        root = logging.getLogger()
        root.addHandler(self._handler)
        root.setLevel(logging.INFO)


_FUNCTION_LOG = _FunctionLog()


def _load_handler(backend_dir: Path, environment: dict[str, str]) -> Handler:
    if not (backend_dir / f"{HANDLER_MODULE}.py").is_file():
        raise HandlerError(f"{backend_dir / HANDLER_MODULE}.py not found (pass --backend)")
    # The function's configuration, set before the import as Lambda sets it before the cold start.
    os.environ.update(environment)
    # On Lambda the package root is on sys.path; here the backend folder plays that part.
    sys.path.insert(0, str(backend_dir))
    stale = sys.modules.get(HANDLER_MODULE)
    if stale is not None and not _is_from(stale, backend_dir):
        raise HandlerError(f"another module named {HANDLER_MODULE!r} is already imported: {stale}")
    module = importlib.import_module(HANDLER_MODULE)
    handler = getattr(module, HANDLER_FUNCTION, None)
    if not callable(handler):
        raise HandlerError(f"{module.__file__} has no callable {HANDLER_FUNCTION}(event, context)")
    return handler  # type: ignore[no-any-return]


def _is_from(module: ModuleType, folder: Path) -> bool:
    source = getattr(module, "__file__", None)
    return source is not None and Path(source).resolve().parent == folder


def package_release(backend_dir: Path) -> str:
    """A release id for the backend's code, as the deployed function gets its package's hash."""
    digest = hashlib.sha256()
    for path in sorted(backend_dir.rglob("*.py")):
        relative = path.relative_to(backend_dir)
        if any(part.startswith(".") or part in {"tests", "__pycache__"} for part in relative.parts):
            continue
        digest.update(str(relative).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


class LocalApi:
    """A WSGI app in front of a function: an HTTP API's `$default` route, proxy integration."""

    def __init__(self, invoke: Callable[[dict[str, Any], LambdaContext], Any]) -> None:
        self._invoke = invoke

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self.respond(_http_request(environ, request))
        # As API Gateway sends it: uncompressed. Compression is the API edge's (api_edge.py).
        # A HEAD goes to the function like any method; only the body is dropped on the wire.
        return Response(response.body, status=response.status, headers=response.headers)(
            environ, start_response
        )

    def respond(self, request: apigw.HttpRequest) -> apigw.HttpResponse:
        event = apigw.to_event(request)
        context = LambdaContext(aws_request_id=request.request_id)
        try:
            response = apigw.from_result(self._invoke(event, context))
        except Exception:
            # The gateway hides the failure from the caller; the function's log shows it.
            traceback.print_exc()
            response = apigw.HttpResponse(
                apigw.INTERNAL_ERROR_STATUS,
                [("Content-Type", "application/json")],
                apigw.INTERNAL_ERROR_BODY,
            )
        # The gateway sends its own Date, as the server here does; a second one would be noise.
        response.headers[:] = [(k, v) for k, v in response.headers if k.lower() != "date"]
        response.headers.append(("Apigw-Requestid", request.request_id))
        return response


def raw_target(request: Request) -> tuple[str, str]:
    """The request target as sent, still percent-encoded: its path and its query string.

    Werkzeug's server keeps it in RAW_URI / REQUEST_URI, so the event gets the path as the
    gateway passes it, and the API edge keys and forwards what the viewer sent.
    """
    environ = request.environ
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or request.full_path
    raw_path, _, raw_query = target.partition("?")
    return raw_path or "/", raw_query


def _http_request(environ: dict[str, Any], request: Request) -> apigw.HttpRequest:
    raw_path, raw_query = raw_target(request)
    return apigw.HttpRequest(
        method=request.method,
        raw_path=raw_path,
        raw_query=raw_query,
        headers=_wire_headers(environ),
        body=request.get_data(cache=False),
        source_ip=request.remote_addr or "127.0.0.1",
        protocol=environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
    )


def _wire_headers(environ: Mapping[str, Any]) -> list[tuple[str, str]]:
    headers: list[tuple[str, str]] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            headers.append((key[5:].replace("_", "-").lower(), value))
        elif key in {"CONTENT_TYPE", "CONTENT_LENGTH"} and value:
            headers.append((key.replace("_", "-").lower(), value))
    return headers
