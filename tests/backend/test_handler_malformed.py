"""Events the handler cannot serve get a 400-class JSON answer, never an exception."""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lambda_adapter import LambdaAdapter

Event = Callable[[str], dict[str, Any]]


def _assert_client_error(result: Any) -> dict[str, Any]:
    assert isinstance(result, dict)
    assert 400 <= result["statusCode"] < 500, result
    error = json.loads(result["body"])["error"]
    assert error["status"] == result["statusCode"]
    assert error["message"]
    return error


@pytest.mark.parametrize("shape", [{}, [], None, "GET /", 42, {"Records": []}, {"version": "2.0"}])
def test_unknown_events(adapter: LambdaAdapter, shape: Any) -> None:
    _assert_client_error(adapter(shape, None))


def _break(event: dict[str, Any], path: list[str], value: Any) -> None:
    *parents, last = path
    for key in parents:
        event = event[key]
    if value is _DELETE:
        del event[last]
    else:
        event[last] = value


_DELETE = object()

V2_BREAKS = [
    (["requestContext"], _DELETE),
    (["requestContext", "http"], _DELETE),
    (["requestContext", "http", "method"], _DELETE),
    (["requestContext", "http", "method"], 7),
    (["requestContext", "http", "method"], "GET /x"),
    (["requestContext", "http", "path"], None),
    (["requestContext", "http", "sourceIp"], _DELETE),
    (["requestContext"], "text"),
    (["headers"], None),
    (["headers"], ["host"]),
    (["headers", "accept"], 1),
    (["headers", "host"], "a:b:c"),
    (["headers", "x-forwarded-port"], "https"),
    (["rawQueryString"], 5),
    (["cookies"], [1, 2]),
    (["body"], {"a": 1}),
]


@pytest.mark.parametrize(("path", "value"), V2_BREAKS)
def test_malformed_http_api_events(
    adapter: LambdaAdapter, event: Event, path: list[str], value: Any
) -> None:
    request = event("http_api_v2_get_runs")
    _break(request, path, value)
    _assert_client_error(adapter(request, None))


def test_a_path_that_is_no_unicode_text(adapter: LambdaAdapter, event: Event) -> None:
    # JSON can carry a lone surrogate, which no UTF-8 path decodes to.
    request = event("http_api_v2_get_runs")
    request["requestContext"]["http"]["path"] = "/runs/\udc80"
    assert "malformed event" in _assert_client_error(adapter(request, None))["message"]


def test_bad_base64_body(adapter: LambdaAdapter, event: Event) -> None:
    request = event("http_api_v2_post_base64")
    request["body"] = "not base64!"
    assert "malformed event" in _assert_client_error(adapter(request, None))["message"]


V1_BREAKS = [
    (["httpMethod"], _DELETE),
    (["path"], _DELETE),
    (["path"], 3),
    (["multiValueHeaders"], "x"),
    (["multiValueQueryStringParameters"], "limit=3"),
    (["requestContext", "identity"], None),
]


@pytest.mark.parametrize(("path", "value"), V1_BREAKS)
def test_malformed_rest_api_events(
    adapter: LambdaAdapter, event: Event, path: list[str], value: Any
) -> None:
    request = event("rest_api_v1_get_runs")
    _break(request, path, value)
    _assert_client_error(adapter(request, None))


def test_missing_field_is_named(adapter: LambdaAdapter, event: Event) -> None:
    request = event("rest_api_v1_get_runs")
    del request["httpMethod"]
    assert "httpMethod" in _assert_client_error(adapter(request, None))["message"]


# Property tests: whatever arrives, the handler answers, and never with a server error.

_text = st.text(max_size=30)
_query_value = st.one_of(
    st.sampled_from(["queued", "running", "succeeded", "failed", "cancelled", "1", "100", "0"]),
    _text,
)
_query = st.lists(
    st.tuples(st.sampled_from(["status", "limit", "cursor", "other"]), _query_value), max_size=5
)
_header_names = st.text(alphabet=string.ascii_lowercase + "-", min_size=1, max_size=15)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | _text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_text, inner, max_size=3),
    max_leaves=10,
)
_paths = st.one_of(
    st.sampled_from(["/", "/health", "/pipelines", "/pipelines/1", "/pipelines/1/runs", "/runs/7"]),
    st.text(max_size=40).map(lambda s: "/" + s),
    st.builds(lambda n: f"/pipelines/{n}/runs", st.integers(min_value=-5, max_value=10**20)),
)
# One adapter serves every example, as one warm Lambda environment serves request after
# request; the event fixture hands out a fresh copy each time.
_fast = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _raw_query(pairs: list[tuple[str, str]]) -> str:
    from urllib.parse import urlencode

    return urlencode(pairs)


@_fast
@given(pairs=_query, path=_paths)
def test_any_query_on_any_path_is_never_a_server_error(
    adapter: LambdaAdapter, event: Event, pairs: list[tuple[str, str]], path: str
) -> None:
    request = event("http_api_v2_get_runs")
    request["rawPath"] = request["requestContext"]["http"]["path"] = path
    request["rawQueryString"] = _raw_query(pairs)
    result = adapter(request, None)
    assert result["statusCode"] < 500, result
    json.loads(result["body"]) if result.get("body") else None


@_fast
@given(
    method=st.one_of(st.sampled_from(["GET", "HEAD", "POST", "OPTIONS", "get"]), _text),
    raw_query=st.text(max_size=40),
    headers=st.dictionaries(_header_names, _text, max_size=5),
    cookies=st.lists(_text, max_size=3),
    body=st.one_of(st.none(), _text),
    base64_body=st.booleans(),
)
def test_any_http_api_fields_are_never_a_server_error(
    adapter: LambdaAdapter,
    event: Event,
    method: str,
    raw_query: str,
    headers: dict[str, str],
    cookies: list[str],
    body: str | None,
    base64_body: bool,
) -> None:
    request = event("http_api_v2_get_runs")
    request["requestContext"]["http"]["method"] = method
    request["rawQueryString"] = raw_query
    request["headers"].update(headers)
    request["cookies"] = cookies
    request["body"] = body
    request["isBase64Encoded"] = base64_body
    result = adapter(request, None)
    assert result["statusCode"] < 500, result


@_fast
@given(
    field=st.sampled_from(
        [
            "headers",
            "multiValueHeaders",
            "queryStringParameters",
            "multiValueQueryStringParameters",
            "body",
            "isBase64Encoded",
            "path",
            "httpMethod",
            "requestContext",
        ]
    ),
    value=_json_values,
)
def test_any_value_in_a_rest_event_field_is_never_a_server_error(
    adapter: LambdaAdapter, event: Event, field: str, value: Any
) -> None:
    request = event("rest_api_v1_get_runs")
    request[field] = value
    result = adapter(request, None)
    assert result["statusCode"] < 500, result


@_fast
@given(shape=_json_values)
def test_any_json_document_as_an_event_is_answered(adapter: LambdaAdapter, shape: Any) -> None:
    result = adapter(shape, None)
    assert result["statusCode"] < 500, result
