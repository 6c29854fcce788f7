"""The handler's answers against stock Mangum's, and what reaches the app through the handler.

Stock Mangum here runs the same inline bridge on its own event loop, with its own scope
building and response shaping throughout: any answer of the handler that differs from its
answer for the same event is a fast path that went wrong.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from lambda_adapter import LambdaAdapter
from mangum import Mangum
from wsgi_bridge import InlineWsgiBridge

Event = Callable[[str], dict[str, Any]]

V2 = ["http_api_v2_get_runs", "http_api_v2_post_base64"]
V1 = ["http_api_v1_get_pipeline", "rest_api_v1_get_runs", "rest_api_v1_post_echo"]
TARGETS = [
    "",  # the event's own request
    "/echo?tag=a&tag=b",
    "/echo/caf%C3%A9",
    "/one-cookie",
    "/binary",
    "/binary?utf8=1",
    "/accented-header",
    "/nope",
    "/boom",
]
PNG = b"\x89PNG\r\n\x1a\n\x00\xff"


def _to(request: dict[str, Any], target: str, method: str = "GET") -> dict[str, Any]:
    """The event, sent to another path and query string (percent-encoded, as clients send)."""
    if not target:
        return request
    path, _, query = target.partition("?")
    pairs = [pair.split("=", 1) for pair in query.split("&") if pair]
    if request.get("version") == "2.0":
        request["rawPath"] = request["requestContext"]["http"]["path"] = path
        request["rawQueryString"] = query
        request["requestContext"]["http"]["method"] = method
    else:
        request["path"], request["httpMethod"] = path, method
        request["queryStringParameters"] = dict(pairs) or None
        multi: dict[str, list[str]] = {}
        for key, value in pairs:
            multi.setdefault(key, []).append(value)
        request["multiValueQueryStringParameters"] = multi or None
    request.pop("body", None)
    request["isBase64Encoded"] = False
    return request


def _echo(result: dict[str, Any]) -> Any:
    assert result["statusCode"] == 200, result
    assert result["isBase64Encoded"] is False
    return json.loads(result["body"])


@pytest.fixture
def stock(app: Flask) -> Mangum:
    return Mangum(InlineWsgiBridge(app), lifespan="off")


@pytest.mark.parametrize("name", V2 + V1)
@pytest.mark.parametrize("target", TARGETS)
def test_every_answer_is_stock_mangums(
    adapter: LambdaAdapter, stock: Mangum, event: Event, name: str, target: str
) -> None:
    assert adapter(_to(event(name), target), None) == stock(_to(event(name), target), None)


def test_one_handler_answers_as_stock_mangum_request_after_request(
    adapter: LambdaAdapter, stock: Mangum, event: Event
) -> None:
    # A warm function serves request after request: no answer may depend on the ones before.
    for target in TARGETS * 2:
        for name in V2 + V1:
            assert adapter(_to(event(name), target), None) == stock(_to(event(name), target), None)


def test_a_lone_set_cookie_is_the_cookies_of_a_v2_answer(
    adapter: LambdaAdapter, event: Event
) -> None:
    result = adapter(_to(event("http_api_v2_get_runs"), "/one-cookie"), None)
    assert result["cookies"] == ["session=abc; HttpOnly; Path=/"]
    assert "set-cookie" not in result["headers"]


@pytest.mark.parametrize("name", V1)
def test_set_cookies_of_a_v1_answer_each_appear_once(
    adapter: LambdaAdapter, event: Event, name: str
) -> None:
    one = adapter(_to(event(name), "/one-cookie"), None)
    assert one["headers"]["set-cookie"] == "session=abc; HttpOnly; Path=/"
    assert "set-cookie" not in one["multiValueHeaders"]
    two = adapter(_to(event(name), "/echo"), None)
    assert [c.split(";")[0] for c in two["multiValueHeaders"]["set-cookie"]] == [
        "session=abc",
        "theme=dark",
    ]
    assert "set-cookie" not in two["headers"]


@pytest.mark.parametrize("name", V2 + V1)
@pytest.mark.parametrize(("query", "data"), [("", PNG), ("?utf8=1", b"GIF89a, as it happens")])
def test_binary_bodies_are_base64_encoded(
    adapter: LambdaAdapter, event: Event, name: str, query: str, data: bytes
) -> None:
    result = adapter(_to(event(name), f"/binary{query}"), None)
    assert result["isBase64Encoded"] is True
    assert base64.b64decode(result["body"], validate=True) == data


@pytest.mark.parametrize("name", ["rest_api_v1_post_echo", "http_api_v1_get_pipeline"])
def test_v1_header_names_in_any_case_reach_the_app(
    adapter: LambdaAdapter, event: Event, name: str
) -> None:
    request = _to(event(name), "/echo")
    headers = {
        "HOST": "api.example.com",
        "X-Forwarded-Proto": "http",
        "x-FORWARDED-port": "8080",
        "X-Team": "one",
        "Content-Type": "text/plain",
    }
    request["headers"] = headers
    request["multiValueHeaders"] = {name: [value] for name, value in headers.items()}
    echoed = _echo(adapter(request, None))
    assert echoed["scheme"] == "http"
    assert echoed["server"] == ["api.example.com", "8080"]
    assert echoed["url"] == "http://api.example.com/echo"
    assert echoed["headers"]["x-team"] == "one"
    assert echoed["headers"]["content-type"] == "text/plain"


def test_v2_header_names_in_any_case_reach_the_app(adapter: LambdaAdapter, event: Event) -> None:
    # API Gateway sends them in lower case; a hand-made event or a test client may not.
    request = _to(event("http_api_v2_get_runs"), "/echo")
    request["headers"] = {"Host": "api.example.com", "X-Forwarded-Proto": "http", "X-Team": "one"}
    echoed = _echo(adapter(request, None))
    assert (echoed["scheme"], echoed["server"]) == ("http", ["api.example.com", "80"])
    assert echoed["headers"]["x-team"] == "one"


@pytest.mark.parametrize(
    ("proto", "scheme"), [("http", "http"), ("https", "https"), (None, "https")]
)
def test_the_app_sees_the_scheme_of_x_forwarded_proto(
    adapter: LambdaAdapter, event: Event, proto: str | None, scheme: str
) -> None:
    request = _to(event("http_api_v2_get_runs"), "/echo")
    del request["headers"]["x-forwarded-proto"]
    if proto is not None:
        request["headers"]["x-forwarded-proto"] = proto
    echoed = _echo(adapter(request, None))
    assert echoed["scheme"] == scheme
    assert echoed["url"] == f"{scheme}://api.example.com/echo"


def test_two_header_names_for_one_environ_key_keep_both_values(
    adapter: LambdaAdapter, event: Event
) -> None:
    # x-team and x_team are both HTTP_X_TEAM to a WSGI app: neither value may be lost.
    request = _to(event("http_api_v2_get_runs"), "/echo")
    request["headers"].update({"x-team": "one", "x_team": "two"})
    assert _echo(adapter(request, None))["headers"]["x-team"] == "one,two"


def test_a_percent_encoded_utf8_path_reaches_the_app_decoded(
    adapter: LambdaAdapter, event: Event
) -> None:
    for name in V2 + V1:
        echoed = _echo(adapter(_to(event(name), "/echo/caf%C3%A9"), None))
        assert echoed["path"] == "/echo/café"


def test_a_header_value_beyond_ascii_reaches_the_answer(
    adapter: LambdaAdapter, event: Event
) -> None:
    for name in V2 + V1:
        result = adapter(_to(event(name), "/accented-header"), None)
        assert result["headers"]["x-name"] == "Zoë"


def test_every_error_body_has_the_one_shape(adapter: LambdaAdapter, event: Event) -> None:
    def broken(environ: dict[str, Any], start_response: Any) -> Any:
        raise RuntimeError("bridge-level failure")

    answers = {
        400: adapter({"version": "2.0"}, None),
        404: adapter(_to(event("http_api_v2_get_runs"), "/nope"), None),
        500: LambdaAdapter(broken)(event("http_api_v2_get_runs"), None),
    }
    for status, answer in answers.items():
        assert answer["statusCode"] == status
        assert answer["headers"]["content-type"] == "application/json"
        assert answer["headers"]["cache-control"] == "no-store"
        error = json.loads(answer["body"])["error"]
        assert set(error) == {"status", "message"} and error["status"] == status
