"""The inline bridge as an ASGI app in its own right, and the adapter's last-resort answers."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

import pytest
from flask import Flask
from lambda_adapter import LambdaAdapter
from wsgi_bridge import InlineWsgiBridge

Event = Callable[[str], dict[str, Any]]


def _serve(app: Any, scope: dict[str, Any], chunks: list[bytes]) -> list[dict[str, Any]]:
    """Runs an ASGI app on a real event loop, the body split over several messages."""
    messages = [
        {"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1}
        for i, chunk in enumerate(chunks)
    ]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    return sent


def _scope(method: str, path: str, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"tag=a&tag=b",
        "headers": headers,
        "http_version": "1.1",
        "scheme": "https",
        "server": ("api.example.com", 443),
        "client": ("203.0.113.7", 0),
    }


def test_a_streamed_body_without_content_length_arrives_whole(app: Flask) -> None:
    headers = [(b"cookie", b"a=1"), (b"cookie", b"b=2"), (b"x-team", b"one"), (b"x-team", b"two")]
    sent = _serve(InlineWsgiBridge(app), _scope("POST", "/echo", headers), [b"sky", b"line", b""])
    assert sent[0]["type"] == "http.response.start" and sent[0]["status"] == 200
    echoed = json.loads(sent[1]["body"])
    assert echoed["body"] == "skyline"
    assert echoed["headers"]["content-length"] == "7"
    assert echoed["cookies"] == {"a": "1", "b": "2"}
    assert echoed["headers"]["x-team"] == "one,two"
    assert echoed["args"] == {"tag": ["a", "b"]}


def test_a_wrong_content_length_does_not_cut_the_body(app: Flask) -> None:
    scope = _scope("POST", "/echo", [(b"content-length", b"2"), (b"transfer-encoding", b"chunked")])
    sent = _serve(InlineWsgiBridge(app), scope, [b"complete body"])
    assert json.loads(sent[1]["body"])["body"] == "complete body"


def test_utf8_paths_reach_flask_decoded(app: Flask) -> None:
    sent = _serve(InlineWsgiBridge(app), _scope("GET", "/echo/é/日本", []), [b""])
    assert sent[0]["status"] == 200
    assert json.loads(sent[1]["body"])["path"] == "/echo/é/日本"


def test_the_scheme_and_a_header_name_in_any_case_reach_flask(app: Flask) -> None:
    scope = {**_scope("GET", "/echo", [(b"X-Team", b"one")]), "scheme": "http"}
    echoed = json.loads(_serve(InlineWsgiBridge(app), scope, [b""])[1]["body"])
    assert echoed["scheme"] == "http"
    assert echoed["headers"]["x-team"] == "one"


def test_the_environ_is_pep_3333s(app: Flask) -> None:
    seen: dict[str, Any] = {}

    def probe(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.update(environ)
        start_response("204 No Content", [])
        return []

    headers = [(b"content-type", b"text/plain"), (b"content-length", b"99"), (b"x-a", b"\xc3\xa9")]
    scope = {**_scope("POST", "/api/caf\u00e9", headers), "root_path": "/api"}
    sent = _serve(InlineWsgiBridge(probe), scope, [b"body"])
    assert sent[0]["status"] == 204
    assert seen["SCRIPT_NAME"] == "/api"
    assert seen["PATH_INFO"] == "/caf\u00c3\u00a9"  # the UTF-8 bytes, one latin-1 character each
    assert seen["QUERY_STRING"] == "tag=a&tag=b"
    assert (seen["CONTENT_TYPE"], seen["CONTENT_LENGTH"]) == ("text/plain", "4")
    assert "HTTP_CONTENT_LENGTH" not in seen and "HTTP_CONTENT_TYPE" not in seen
    assert seen["HTTP_X_A"] == "\u00c3\u00a9"
    assert (seen["SERVER_NAME"], seen["SERVER_PORT"]) == ("api.example.com", "443")
    assert (seen["REMOTE_ADDR"], seen["wsgi.url_scheme"]) == ("203.0.113.7", "https")
    assert seen["wsgi.input"].read() == b"body"


def test_non_http_scopes_are_refused(app: Flask) -> None:
    with pytest.raises(ValueError, match="lifespan"):
        _serve(InlineWsgiBridge(app), {"type": "lifespan"}, [b""])


def test_a_failure_outside_flask_is_a_logged_json_500(
    event: Event, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        raise RuntimeError("bridge-level failure")

    with caplog.at_level(logging.ERROR):
        result = LambdaAdapter(broken)(event("http_api_v2_get_runs"), None)
    assert result["statusCode"] == 500
    assert json.loads(result["body"]) == {"error": {"status": 500, "message": "internal error"}}
    assert "bridge-level failure" in caplog.text


def test_an_app_that_suspends_is_reported_not_half_run(
    event: Event, caplog: pytest.LogCaptureFixture
) -> None:
    adapter = LambdaAdapter(lambda environ, start_response: [])

    async def suspending(scope: Any, receive: Any, send: Any) -> None:
        await asyncio.sleep(0)

    adapter.app = suspending
    with caplog.at_level(logging.ERROR):
        result = adapter(event("http_api_v2_get_runs"), None)
    assert result["statusCode"] == 500
    assert "suspended" in caplog.text


def test_an_app_that_never_answers_is_a_500(event: Event) -> None:
    def silent(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return []

    assert LambdaAdapter(silent)(event("http_api_v2_get_runs"), None)["statusCode"] == 500
