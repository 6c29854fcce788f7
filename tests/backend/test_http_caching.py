"""ETags and Cache-Control: what a browser or CDN may keep, and for how long."""

from __future__ import annotations

from typing import Any

from app import catalog
from app.config import Config


def test_lists_are_cached_briefly(client: Any, config: Config) -> None:
    expected = f"public, max-age={config.list_max_age}"
    for url in ["/pipelines", "/pipelines/1", "/pipelines/1/runs"]:
        assert client.get(url).headers["Cache-Control"] == expected


def test_finished_runs_are_cached_longer_than_active_ones(client: Any, config: Config) -> None:
    data = catalog.load()
    runs = [r for p in data.pipelines for r in data.runs_of(p.id)]
    finished = next(r for r in runs if r.finished)
    active = next(r for r in runs if not r.finished)
    assert config.finished_run_max_age > config.list_max_age > config.active_run_max_age
    long = client.get(f"/runs/{finished.id}").headers["Cache-Control"]
    short = client.get(f"/runs/{active.id}").headers["Cache-Control"]
    assert long == f"public, max-age={config.finished_run_max_age}"
    assert short == f"public, max-age={config.active_run_max_age}"


def test_health_is_never_stored(client: Any) -> None:
    assert client.get("/health").headers["Cache-Control"] == "no-store"


def test_etag_is_strong_and_stable(client: Any) -> None:
    first = client.get("/pipelines").headers["ETag"]
    assert first.startswith('"') and not first.startswith("W/")
    assert client.get("/pipelines").headers["ETag"] == first
    assert client.get("/pipelines/1").headers["ETag"] != first


def test_if_none_match_answers_304_without_a_body(client: Any) -> None:
    fresh = client.get("/runs/3")
    answer = client.get("/runs/3", headers={"If-None-Match": fresh.headers["ETag"]})
    assert answer.status_code == 304
    assert answer.data == b""
    assert answer.headers["ETag"] == fresh.headers["ETag"]
    assert answer.headers["Cache-Control"] == fresh.headers["Cache-Control"]


def test_if_none_match_accepts_lists_weak_forms_and_star(client: Any) -> None:
    tag = client.get("/pipelines/2").headers["ETag"]
    for header in [f'"other", {tag}', f"W/{tag}", "*"]:
        assert client.get("/pipelines/2", headers={"If-None-Match": header}).status_code == 304


def test_a_stale_tag_gets_the_full_answer(client: Any) -> None:
    answer = client.get("/pipelines/2", headers={"If-None-Match": '"stale"'})
    assert answer.status_code == 200
    assert answer.json["id"] == 2
