"""The Lambda handler with API Gateway's own event shapes: HTTP API 2.0 and 1.0, REST API."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from asgiref.wsgi import WsgiToAsgi
from flask import Flask
from lambda_adapter import LambdaAdapter
from mangum import Mangum

from .conftest import SITE

Event = Callable[[str], dict[str, Any]]


def _json(result: dict[str, Any]) -> Any:
    assert result["isBase64Encoded"] is False
    return json.loads(result["body"])


def test_http_api_v2_get(adapter: LambdaAdapter, event: Event) -> None:
    result = adapter(event("http_api_v2_get_runs"), None)
    assert result["statusCode"] == 200
    headers = result["headers"]
    assert headers["content-type"] == "application/json"
    assert headers["access-control-allow-origin"] == SITE
    assert headers["cache-control"].startswith("public, max-age=")
    assert headers["etag"].startswith('"')
    runs = _json(result)["runs"]
    assert len(runs) == 2
    assert {r["status"] for r in runs} == {"succeeded"}


def test_http_api_v2_if_none_match_is_304_without_body(
    adapter: LambdaAdapter, event: Event
) -> None:
    first = adapter(event("http_api_v2_get_runs"), None)
    again = event("http_api_v2_get_runs")
    again["headers"]["if-none-match"] = first["headers"]["etag"]
    result = adapter(again, None)
    assert result["statusCode"] == 304
    assert result.get("body", "") == ""
    assert result["headers"]["etag"] == first["headers"]["etag"]


def test_http_api_v2_base64_body_without_content_length_reaches_the_app(
    adapter: LambdaAdapter, event: Event
) -> None:
    request = event("http_api_v2_post_base64")
    assert "content-length" not in request["headers"]
    result = adapter(request, None)
    assert result["statusCode"] == 200
    echoed = _json(result)
    sent = base64.b64decode(request["body"])
    assert echoed["body"].encode("latin-1") == sent
    assert echoed["headers"]["content-length"] == str(len(sent))
    assert echoed["method"] == "POST"


def test_stock_bridge_drops_that_body(app: Flask, event: Event) -> None:
    # Why the project has its own bridge: asgiref's reads no body without Content-Length.
    stock = Mangum(WsgiToAsgi(app), lifespan="off")
    echoed = _json(stock(event("http_api_v2_post_base64"), None))
    assert echoed["body"] == ""


def test_http_api_v2_repeated_query_keys_and_cookies(adapter: LambdaAdapter, event: Event) -> None:
    request = event("http_api_v2_post_base64")
    request["cookies"] = ["theme=light", "session=xyz"]
    result = adapter(request, None)
    echoed = _json(result)
    assert echoed["args"] == {"tag": ["a", "b"], "empty": [""]}
    assert echoed["cookies"] == {"theme": "light", "session": "xyz"}
    # Each Set-Cookie becomes one entry of the v2 answer's cookies array.
    assert len(result["cookies"]) == 2
    assert any(c.startswith("session=abc") and "HttpOnly" in c for c in result["cookies"])
    assert "set-cookie" not in result["headers"]


def test_rest_api_v1_get_with_multi_value_fields(adapter: LambdaAdapter, event: Event) -> None:
    result = adapter(event("rest_api_v1_get_runs"), None)
    assert result["statusCode"] == 200
    runs = _json(result)["runs"]
    assert 0 < len(runs) <= 3
    assert {r["status"] for r in runs} == {"failed"}
    assert result["headers"]["access-control-allow-origin"] == SITE


def test_rest_api_v1_post_multi_values_in_and_out(adapter: LambdaAdapter, event: Event) -> None:
    request = event("rest_api_v1_post_echo")
    request["multiValueHeaders"]["X-Team"] = ["one", "two"]
    result = adapter(request, None)
    echoed = _json(result)
    assert echoed["body"] == '{"name": "sky"}'
    assert echoed["args"] == {"tag": ["a", "b"]}
    assert echoed["headers"]["x-team"] == "one, two"
    assert echoed["cookies"] == {"theme": "light", "session": "xyz"}
    assert echoed["path"] == "/echo"
    set_cookies = result["multiValueHeaders"]["set-cookie"]
    assert len(set_cookies) == 2


def test_rest_api_v1_base64_body(adapter: LambdaAdapter, event: Event) -> None:
    request = event("rest_api_v1_post_echo")
    request["body"] = base64.b64encode(b"\x00\xffraw").decode()
    request["isBase64Encoded"] = True
    assert _json(adapter(request, None))["body"].encode("latin-1") == b"\x00\xffraw"


def test_http_api_v1_payload(adapter: LambdaAdapter, event: Event) -> None:
    result = adapter(event("http_api_v1_get_pipeline"), None)
    assert result["statusCode"] == 200
    assert _json(result)["id"] == 3


def test_errors_through_the_handler_are_json(adapter: LambdaAdapter, event: Event) -> None:
    for path, status in [("/nope", 404), ("/boom", 500), ("/pipelines/1/runs", 400)]:
        request = event("http_api_v2_get_runs")
        request["rawPath"] = request["requestContext"]["http"]["path"] = path
        request["rawQueryString"] = "limit=0"
        result = adapter(request, None)
        assert result["statusCode"] == status
        assert _json(result)["error"]["status"] == status
        assert "secret detail" not in result["body"]


def test_wrong_method_through_the_handler(adapter: LambdaAdapter, event: Event) -> None:
    request = event("http_api_v2_get_runs")
    request["requestContext"]["http"]["method"] = "DELETE"
    result = adapter(request, None)
    assert result["statusCode"] == 405
    assert "GET" in result["headers"]["allow"]


def test_the_packaged_entry_point_serves_requests(event: Event) -> None:
    import handler

    result = handler.handler(event("http_api_v2_get_runs"), None)
    assert result["statusCode"] == 200
