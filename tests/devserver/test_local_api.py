"""The local API hands the function the event API Gateway would, and answers with its result."""

from __future__ import annotations

import json
from types import ModuleType
from typing import Any

import pytest
from werkzeug.test import Client

from devserver.local_api import LambdaContext, LocalApi


@pytest.fixture
def api(standin: ModuleType) -> Client:
    # Without its own cookie jar, the test client sends the Cookie header as given.
    return Client(LocalApi(standin.handler), use_cookies=False)


def _echo(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.data
    return json.loads(response.data)  # type: ignore[no-any-return]


def test_a_request_reaches_the_function_as_an_event(api: Client) -> None:
    response = api.get(
        "/pipelines/3/runs?status=failed&status=queued&limit=2",
        headers={"Cookie": "a=1; b=2", "X-Trace": "t1", "User-Agent": "pytest-agent"},
    )
    echo = _echo(response)
    event = echo["event"]
    assert event["rawPath"] == "/pipelines/3/runs"
    assert event["rawQueryString"] == "status=failed&status=queued&limit=2"
    assert event["queryStringParameters"] == {"status": "failed,queued", "limit": "2"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["headers"]["x-trace"] == "t1"
    assert event["requestContext"]["http"]["method"] == "GET"
    assert event["requestContext"]["http"]["userAgent"] == "pytest-agent"
    # The same id in the event, the context and the gateway's response header.
    assert echo["request_id"] == event["requestContext"]["requestId"]
    assert response.headers["Apigw-Requestid"] == echo["request_id"]


def test_a_binary_body_reaches_the_function_base64_encoded(api: Client) -> None:
    event = _echo(api.post("/upload", data=b"\x00\xff\x10", headers={"Content-Type": "image/png"}))[
        "event"
    ]
    assert event["isBase64Encoded"] is True
    assert event["body"] == "AP8Q"


def test_cookies_and_headers_of_the_result_reach_the_client(api: Client) -> None:
    response = api.get("/cookies")
    assert response.status_code == 201
    assert response.headers.getlist("Set-Cookie") == ["a=1; Path=/", "b=2; HttpOnly"]
    assert response.headers["x-multi"] == "a,b"
    # The gateway's own Date stands; the function's does not reach the client.
    assert "1970" not in response.headers.get("Date", "")
    assert response.data == b"set"


def test_a_base64_result_reaches_the_client_as_bytes(api: Client, standin: ModuleType) -> None:
    response = api.get("/binary")
    assert response.headers["Content-Type"] == "image/png"
    assert response.data == standin.PNG_BYTES


def test_a_bare_result_is_json(api: Client) -> None:
    assert json.loads(api.get("/bare").data) == {"just": "a body"}


@pytest.mark.parametrize("path", ["/broken", "/malformed"])
def test_a_failing_function_is_the_gateways_500(
    api: Client, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    response = api.get(path)
    assert response.status_code == 500
    assert json.loads(response.data) == {"message": "Internal Server Error"}
    # The reason goes to the server's log, as it would to the function's log group.
    assert "Traceback" in capsys.readouterr().err


def test_the_context_looks_like_lambdas() -> None:
    context = LambdaContext(aws_request_id="abc")
    assert context.get_remaining_time_in_millis() > 0
    assert context.function_name
    assert context.invoked_function_arn.startswith("arn:aws:lambda:")


def test_json_goes_uncompressed_as_api_gateway_sends_it(api: Client) -> None:
    # Compression is the API edge's (tests/devserver/test_api_edge.py), as in production.
    response = api.get("/big", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert "Content-Encoding" not in response.headers
    assert response.headers["ETag"] == '"big1"'
    assert response.headers["Vary"] == "Origin"
    assert json.loads(response.data)["rows"]
