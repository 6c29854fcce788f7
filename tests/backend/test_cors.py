"""Cross-origin reads for the site's origin only, and the same rules API Gateway applies."""

from __future__ import annotations

from typing import Any

from app import cors
from app.config import Config

from .conftest import SITE

PREFLIGHT = {"Origin": SITE, "Access-Control-Request-Method": "GET"}


def test_allowed_origin_may_read_answers_and_etags(client: Any) -> None:
    answer = client.get("/pipelines", headers={"Origin": SITE})
    assert answer.headers["Access-Control-Allow-Origin"] == SITE
    assert "etag" in answer.headers["Access-Control-Expose-Headers"].lower()
    assert "Origin" in answer.headers["Vary"]


def test_other_origins_get_no_cors_headers(client: Any) -> None:
    for origin in ["https://evil.example.com", "http://app.example.com", f"{SITE}.evil.com"]:
        answer = client.get("/pipelines", headers={"Origin": origin})
        assert answer.status_code == 200
        assert "Access-Control-Allow-Origin" not in answer.headers
        assert "Origin" in answer.headers["Vary"]


def test_errors_carry_cors_headers_so_the_site_can_read_them(client: Any) -> None:
    answer = client.get("/runs/99999", headers={"Origin": SITE})
    assert answer.status_code == 404
    assert answer.headers["Access-Control-Allow-Origin"] == SITE


def test_preflight_from_the_site_is_204_with_a_long_max_age(client: Any, config: Config) -> None:
    answer = client.options(
        "/pipelines/1/runs",
        headers={**PREFLIGHT, "Access-Control-Request-Headers": "If-None-Match"},
    )
    assert answer.status_code == 204
    assert answer.data == b""
    assert answer.headers["Access-Control-Allow-Origin"] == SITE
    assert "GET" in answer.headers["Access-Control-Allow-Methods"]
    assert "if-none-match" in answer.headers["Access-Control-Allow-Headers"]
    assert answer.headers["Access-Control-Max-Age"] == str(config.cors_max_age) == "86400"


def test_preflight_from_another_origin_is_refused(client: Any) -> None:
    answer = client.options("/pipelines", headers={**PREFLIGHT, "Origin": "https://evil.example"})
    assert answer.status_code == 403
    assert answer.json["error"]["status"] == 403
    assert "Access-Control-Allow-Origin" not in answer.headers


def test_preflight_for_a_write_or_an_unknown_header_is_refused(client: Any) -> None:
    writing = client.options(
        "/pipelines", headers={**PREFLIGHT, "Access-Control-Request-Method": "DELETE"}
    )
    assert writing.status_code == 403
    header = client.options(
        "/pipelines", headers={**PREFLIGHT, "Access-Control-Request-Headers": "x-secret"}
    )
    assert header.status_code == 403
    assert "x-secret" in header.json["error"]["message"]


def test_preflight_to_an_unknown_route_is_404(client: Any) -> None:
    assert client.options("/nope", headers=PREFLIGHT).status_code == 404


def test_no_allowed_origin_means_no_cross_origin_reads() -> None:
    from app import create_app

    client = create_app(Config(allowed_origin=None)).test_client()
    assert (
        "Access-Control-Allow-Origin" not in client.get("/health", headers={"Origin": SITE}).headers
    )
    assert client.options("/health", headers=PREFLIGHT).status_code == 403


def test_rules_are_the_declared_ones() -> None:
    # Literal values: the program hands these same lists to API Gateway (tests/program/test_api.py).
    assert cors.ALLOWED_METHODS == ("GET", "HEAD", "OPTIONS")
    assert cors.ALLOWED_HEADERS == ("content-type", "if-none-match")
    assert cors.EXPOSED_HEADERS == ("etag",)
    assert Config().cors_max_age == 86_400
