"""Every error is JSON with its status, and a 404 stays a 404."""

from __future__ import annotations

from typing import Any

import pytest


def _error(answer: Any, status: int) -> str:
    assert answer.status_code == status
    assert answer.mimetype == "application/json"
    assert set(answer.json) == {"error"}
    assert answer.json["error"]["status"] == status
    message: str = answer.json["error"]["message"]
    assert message
    return message


@pytest.mark.parametrize(
    "url", ["/nope", "/pipelines/", "/pipelines/abc", "/pipelines/-1", "/runs/x", "/runs/1/x"]
)
def test_unknown_routes_are_404(client: Any, url: str) -> None:
    _error(client.get(url), 404)


def test_missing_pipeline_and_run_are_404_naming_them(client: Any) -> None:
    assert "pipeline 99999" in _error(client.get("/pipelines/99999"), 404)
    assert "pipeline 99999" in _error(client.get("/pipelines/99999/runs"), 404)
    assert "run 99999" in _error(client.get("/runs/99999"), 404)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_wrong_method_is_405_with_allow(client: Any, method: str) -> None:
    answer = getattr(client, method)("/pipelines")
    _error(answer, 405)
    assert set(answer.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("status=done", "status"),
        ("status=", "status"),
        ("status=SUCCEEDED", "status"),
        ("status=failed&status=running", "status"),
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=-1", "limit"),
        ("limit=ten", "limit"),
        ("limit=1.5", "limit"),
        ("limit=", "limit"),
        ("cursor=!!!", "cursor"),
        ("cursor=", "cursor"),
        ("cursor=bm90IGEgY3Vyc29y", "cursor"),
    ],
)
def test_bad_query_values_are_400_naming_the_parameter(
    client: Any, query: str, parameter: str
) -> None:
    assert f"'{parameter}'" in _error(client.get(f"/pipelines/1/runs?{query}"), 400)


def test_a_cursor_from_another_pipeline_is_refused(client: Any) -> None:
    cursor = client.get("/pipelines/1/runs?limit=1").json["next_cursor"]
    assert cursor
    assert "'cursor'" in _error(client.get(f"/pipelines/2/runs?cursor={cursor}"), 400)


def test_unexpected_failure_is_a_json_500_without_details(client: Any) -> None:
    answer = client.get("/boom")
    _error(answer, 500)
    assert b"secret detail" not in answer.data
    assert b"Traceback" not in answer.data


def test_errors_are_never_cached(client: Any) -> None:
    assert client.get("/runs/99999").headers["Cache-Control"] == "no-store"
