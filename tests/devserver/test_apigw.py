"""Requests become API Gateway HTTP API 2.0 events; function results become responses."""

from __future__ import annotations

import base64
import json

import pytest

from devserver import apigw


def _request(**overrides: object) -> apigw.HttpRequest:
    fields: dict[str, object] = {
        "method": "GET",
        "raw_path": "/pipelines/7/runs",
        "raw_query": "",
        "headers": [("Host", "127.0.0.1:8081"), ("User-Agent", "pytest")],
        "request_id": "req-1",
        "time_epoch_ms": 1_583_348_638_390,
    }
    fields.update(overrides)
    return apigw.HttpRequest(**fields)  # type: ignore[arg-type]


def test_the_event_has_the_payload_2_0_shape() -> None:
    event = apigw.to_event(_request(source_ip="10.1.2.3"))
    assert event["version"] == "2.0"
    assert event["routeKey"] == "$default"
    assert event["rawPath"] == "/pipelines/7/runs"
    assert event["rawQueryString"] == ""
    assert event["isBase64Encoded"] is False
    # Keys the gateway leaves out when there is nothing to put in them.
    assert "queryStringParameters" not in event
    assert "cookies" not in event
    assert "body" not in event
    context = event["requestContext"]
    assert context["http"] == {
        "method": "GET",
        "path": "/pipelines/7/runs",
        "protocol": "HTTP/1.1",
        "sourceIp": "10.1.2.3",
        "userAgent": "pytest",
    }
    assert context["requestId"] == "req-1"
    assert context["routeKey"] == "$default"
    assert context["stage"] == "$default"
    assert context["timeEpoch"] == 1_583_348_638_390
    assert context["time"] == "04/Mar/2020:19:03:58 +0000"


def test_repeated_query_keys_are_comma_joined_and_decoded() -> None:
    raw = "status=failed&status=running&limit=5&q=a%20b%2Cc&empty="
    event = apigw.to_event(_request(raw_query=raw))
    assert event["rawQueryString"] == raw
    assert event["queryStringParameters"] == {
        "status": "failed,running",
        "limit": "5",
        "q": "a b,c",
        "empty": "",
    }


def test_headers_are_lower_cased_and_repeats_comma_joined() -> None:
    headers = [("Accept", "text/html"), ("X-Trace", "a"), ("x-trace", "b"), ("Host", "h")]
    event = apigw.to_event(_request(headers=headers))
    assert event["headers"] == {"accept": "text/html", "x-trace": "a,b", "host": "h"}


def test_cookies_move_out_of_the_headers_one_per_entry() -> None:
    headers = [("Cookie", "session=abc; theme=dark"), ("Cookie", "lang=en")]
    event = apigw.to_event(_request(headers=headers))
    assert event["cookies"] == ["session=abc", "theme=dark", "lang=en"]
    assert "cookie" not in event["headers"]


def test_a_text_body_is_passed_as_text() -> None:
    body = json.dumps({"name": "nightly", "note": "ünïcode"}).encode()
    event = apigw.to_event(
        _request(method="POST", body=body, headers=[("Content-Type", "application/json")])
    )
    assert event["isBase64Encoded"] is False
    assert event["body"] == body.decode()


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/octet-stream", b"plain ascii"),
        ("image/png", b"\x89PNG\r\n\x1a\n"),
        ("text/plain", b"\xff\xfe not utf-8"),
    ],
)
def test_a_binary_body_is_base64_encoded(content_type: str, body: bytes) -> None:
    event = apigw.to_event(
        _request(method="PUT", body=body, headers=[("Content-Type", content_type)])
    )
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


def test_the_path_stays_percent_encoded_as_sent() -> None:
    event = apigw.to_event(_request(raw_path="/pipelines/a%20b"))
    assert event["rawPath"] == "/pipelines/a%20b"
    assert event["requestContext"]["http"]["path"] == "/pipelines/a%20b"


def test_a_full_result_becomes_the_response() -> None:
    response = apigw.from_result(
        {
            "statusCode": 404,
            "headers": {"content-type": "application/json", "x-count": 3},
            "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
            "body": '{"error": {"status": 404, "message": "no such run"}}',
            "isBase64Encoded": False,
        }
    )
    assert response.status == 404
    assert ("content-type", "application/json") in response.headers
    assert ("x-count", "3") in response.headers
    assert [v for k, v in response.headers if k == "Set-Cookie"] == ["a=1; Path=/", "b=2; HttpOnly"]
    assert json.loads(response.body)["error"]["status"] == 404


def test_a_base64_result_is_decoded_to_bytes() -> None:
    raw = bytes(range(256))
    response = apigw.from_result(
        {
            "statusCode": 200,
            "headers": {"content-type": "application/octet-stream"},
            "body": base64.b64encode(raw).decode(),
            "isBase64Encoded": True,
        }
    )
    assert response.body == raw


def test_a_bare_value_is_sent_as_json_with_200() -> None:
    response = apigw.from_result({"status": "ok"})
    assert response.status == 200
    assert response.headers == [("Content-Type", "application/json")]
    assert json.loads(response.body) == {"status": "ok"}


def test_a_body_without_content_type_is_sent_as_json() -> None:
    response = apigw.from_result({"statusCode": 200, "body": "{}"})
    assert ("Content-Type", "application/json") in response.headers


def test_an_empty_result_has_no_body() -> None:
    response = apigw.from_result({"statusCode": 204})
    assert response.status == 204
    assert response.body == b""


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"statusCode": "200"}, "statusCode"),
        ({"statusCode": 99}, "statusCode"),
        ({"statusCode": 200, "body": {"a": 1}}, "body must be a string"),
        ({"statusCode": 200, "body": "!!", "isBase64Encoded": True}, "not base64"),
        ({"statusCode": 200, "headers": {"x": ["a", "b"]}}, "header 'x'"),
    ],
)
def test_a_result_the_gateway_cannot_read_is_an_integration_error(
    result: dict[str, object], message: str
) -> None:
    with pytest.raises(apigw.IntegrationError, match=message):
        apigw.from_result(result)
