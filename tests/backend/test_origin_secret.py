"""Only the API edge reaches the app (ORIGIN_SECRET), preflights the edge can keep, and the one
log line per request that ties the edge's request id to the function's log."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from lambda_adapter import LambdaAdapter

from app import create_app, origin
from app.config import Config
from infra import api_cache

from .conftest import SITE

SECRET = "s3cr3t-from-the-edge-0123456789abcdefghijklmn"
HEADER = "x-skyline-origin-verify"
PREFLIGHT = {"Origin": SITE, "Access-Control-Request-Method": "GET"}
Event = Callable[[str], dict[str, Any]]


@pytest.fixture
def behind_the_edge() -> Flask:
    return create_app(Config(stage="test", allowed_origin=SITE, origin_secret=SECRET))


@pytest.fixture
def edge_client(behind_the_edge: Flask) -> Any:
    return behind_the_edge.test_client()


def _assert_json_403(answer: Any) -> None:
    assert answer.status_code == 403
    assert answer.mimetype == "application/json"
    assert answer.json["error"]["status"] == 403
    assert answer.json["error"]["message"]
    # The app's error shape, and an error: never kept by the edge or a browser.
    assert answer.headers["Cache-Control"] == "no-store"
    assert SECRET not in answer.get_data(as_text=True)


def test_the_header_is_the_one_the_edge_sends() -> None:
    assert origin.ORIGIN_SECRET_HEADER == api_cache.ORIGIN_SECRET_HEADER == HEADER


@pytest.mark.parametrize(
    "path", ["/pipelines", "/pipelines/1/runs?limit=5", "/runs/1", "/health", "/no-such-route"]
)
def test_a_request_without_the_header_is_a_json_403(edge_client: Any, path: str) -> None:
    # Unknown routes too: a direct caller learns nothing about what the API serves.
    _assert_json_403(edge_client.get(path, headers={"Origin": SITE}))


@pytest.mark.parametrize(
    "value",
    [
        "",
        "wrong",
        SECRET[:-1],
        SECRET + "x",
        SECRET.upper(),
        # Not ASCII: compare_digest would raise on such a str; it must be a plain 403.
        "s3cr3t-zoë",
    ],
)
def test_a_wrong_header_is_a_json_403(edge_client: Any, value: str) -> None:
    _assert_json_403(edge_client.get("/pipelines", headers={HEADER: value}))


def test_a_preflight_without_the_header_is_refused_too(edge_client: Any) -> None:
    _assert_json_403(edge_client.options("/pipelines", headers=PREFLIGHT))


def test_the_right_header_is_answered(edge_client: Any) -> None:
    answer = edge_client.get("/pipelines", headers={HEADER: SECRET, "Origin": SITE})
    assert answer.status_code == 200
    assert answer.json["pipelines"]
    assert answer.headers["Access-Control-Allow-Origin"] == SITE
    preflight = edge_client.options("/pipelines", headers={**PREFLIGHT, HEADER: SECRET})
    assert preflight.status_code == 204


def test_the_header_name_is_case_insensitive_as_http_has_it(edge_client: Any) -> None:
    answer = edge_client.get("/health", headers={"X-Skyline-Origin-Verify": SECRET})
    assert answer.status_code == 200


def test_without_origin_secret_nothing_is_checked() -> None:
    client = create_app(Config(stage="test", allowed_origin=SITE)).test_client()
    assert client.get("/pipelines").status_code == 200
    assert client.get("/pipelines", headers={HEADER: "anything"}).status_code == 200


def test_the_secret_comes_from_the_environment_and_stays_out_of_repr() -> None:
    config = Config.from_env({"ORIGIN_SECRET": f"  {SECRET}\n"})
    assert config.origin_secret == SECRET
    assert SECRET not in repr(config)
    assert Config.from_env({}).origin_secret is None
    assert Config.from_env({"ORIGIN_SECRET": "   "}).origin_secret is None


def test_through_the_lambda_handler_the_403_is_the_apps_json(
    behind_the_edge: Flask, event: Event
) -> None:
    adapter = LambdaAdapter(behind_the_edge)
    refused = adapter(event("http_api_v2_get_runs"), None)
    assert refused["statusCode"] == 403
    assert json.loads(refused["body"])["error"]["status"] == 403

    request = event("http_api_v2_get_runs")
    request["headers"][HEADER] = SECRET
    answered = adapter(request, None)
    assert answered["statusCode"] == 200, answered["body"]


# ---------------------------------------------------------------------------------------------
# Preflights the edge can keep


def test_a_preflight_says_how_long_the_edge_may_keep_it(client: Any, config: Config) -> None:
    answer = client.options(
        "/pipelines/1/runs",
        headers={**PREFLIGHT, "Access-Control-Request-Headers": "if-none-match"},
    )
    assert answer.status_code == 204
    assert answer.headers["Cache-Control"] == f"public, max-age={config.cors_max_age}"
    # Within the edge's bound, so the edge keeps it as long as a browser may.
    assert config.cors_max_age <= api_cache.MAX_TTL_SECONDS
    # What it varies on: exactly what the edge's cache key holds besides the path and query.
    varies = {value.strip().lower() for value in answer.headers["Vary"].split(",")}
    assert varies == set(api_cache.KEY_HEADERS)


def test_a_refused_preflight_is_not_kept(client: Any) -> None:
    answer = client.options("/pipelines", headers={**PREFLIGHT, "Origin": "https://evil.example"})
    assert answer.status_code == 403
    assert answer.headers["Cache-Control"] == "no-store"


# ---------------------------------------------------------------------------------------------
# One line per request


def _lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == origin.logger.name]


def test_each_request_logs_one_line_with_the_edges_request_id(
    edge_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    cf_id = "Zk3HX8Bqg7n0eD9kq2wP5mV4yLr1tS6uJ8aB3cD7eF0gH2iK4lM6nO=="
    with caplog.at_level(logging.INFO, logger=origin.logger.name):
        edge_client.get("/pipelines/1/runs?limit=5", headers={HEADER: SECRET, "X-Amz-Cf-Id": cf_id})
    assert _lines(caplog) == [
        f"request method=GET target=/pipelines/1/runs?limit=5 status=200 edge_request_id={cf_id}"
    ]


def test_refused_and_failed_requests_are_logged_too(
    edge_client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=origin.logger.name):
        edge_client.get("/runs/1")
        edge_client.get("/runs/99999", headers={HEADER: SECRET, "X-Amz-Cf-Id": "abc-1"})
    assert _lines(caplog) == [
        "request method=GET target=/runs/1 status=403 edge_request_id=-",
        "request method=GET target=/runs/99999 status=404 edge_request_id=abc-1",
    ]


def test_a_request_id_that_is_not_cloudfronts_is_not_written_as_given(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=origin.logger.name):
        client.get("/health", headers={"X-Amz-Cf-Id": "forged status=200 edge_request_id=x"})
    assert _lines(caplog) == [
        "request method=GET target=/health status=200 edge_request_id=invalid"
    ]


def test_nothing_is_logged_where_logging_is_not_on(
    client: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger=origin.logger.name):
        client.get("/health")
    assert _lines(caplog) == []
