"""Every endpoint of the contract, through Flask's test client."""

from __future__ import annotations

from typing import Any

from app import catalog

RUN_KEYS = {
    "id",
    "pipeline_id",
    "status",
    "trigger",
    "commit",
    "started_at",
    "finished_at",
    "duration_seconds",
    "metrics",
}
PIPELINE_KEYS = {
    "id",
    "name",
    "description",
    "owner",
    "schedule",
    "created_at",
    "run_count",
    "last_run",
}


def _all_runs(client: Any, pipeline_id: int, query: str = "") -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = []
    url = f"/pipelines/{pipeline_id}/runs?limit=7{query}"
    while True:
        answer = client.get(url)
        assert answer.status_code == 200, answer.json
        runs += answer.json["runs"]
        cursor = answer.json["next_cursor"]
        if cursor is None:
            return runs
        url = f"/pipelines/{pipeline_id}/runs?limit=7{query}&cursor={cursor}"


def test_health(client: Any) -> None:
    answer = client.get("/health")
    assert answer.status_code == 200
    assert answer.json == {"status": "ok"}
    assert answer.mimetype == "application/json"


def test_version_reports_stage_and_release(client: Any) -> None:
    assert client.get("/version").json == {"stage": "test", "release": "r-123"}


def test_pipelines_lists_every_pipeline_with_the_contract_fields(client: Any) -> None:
    pipelines = client.get("/pipelines").json["pipelines"]
    assert len(pipelines) >= 20
    assert [p["id"] for p in pipelines] == sorted(p["id"] for p in pipelines)
    for pipeline in pipelines:
        assert set(pipeline) == PIPELINE_KEYS
        assert pipeline["created_at"].endswith("Z")
        last = pipeline["last_run"]
        assert last is None or set(last) == {"id", "status", "started_at"}


def test_pipeline_matches_its_list_entry(client: Any) -> None:
    listed = client.get("/pipelines").json["pipelines"][4]
    assert client.get(f"/pipelines/{listed['id']}").json == listed


def test_runs_are_newest_first_and_pages_cover_every_run_once(client: Any) -> None:
    pipeline = client.get("/pipelines/1").json
    runs = _all_runs(client, 1)
    assert len(runs) == pipeline["run_count"]
    assert len({r["id"] for r in runs}) == len(runs)
    assert [r["started_at"] for r in runs] == sorted((r["started_at"] for r in runs), reverse=True)
    assert runs[0]["id"] == pipeline["last_run"]["id"]
    for run in runs:
        assert set(run) == RUN_KEYS
        assert run["pipeline_id"] == 1


def test_runs_default_page_is_twenty(client: Any) -> None:
    pipeline = max(client.get("/pipelines").json["pipelines"], key=lambda p: p["run_count"])
    assert pipeline["run_count"] > 20
    answer = client.get(f"/pipelines/{pipeline['id']}/runs").json
    assert len(answer["runs"]) == 20
    assert answer["next_cursor"] is not None


def test_status_filter_returns_only_that_status(client: Any) -> None:
    for status in catalog.STATUSES:
        runs = _all_runs(client, 2, f"&status={status}")
        assert all(r["status"] == status for r in runs)
    every = _all_runs(client, 2)
    filtered = sum(len(_all_runs(client, 2, f"&status={s}")) for s in catalog.STATUSES)
    assert filtered == len(every)


def test_limit_bounds_are_accepted(client: Any) -> None:
    assert len(client.get("/pipelines/1/runs?limit=1").json["runs"]) == 1
    assert client.get("/pipelines/1/runs?limit=100").status_code == 200


def test_finished_and_unfinished_runs(client: Any) -> None:
    data = catalog.load()
    finished = next(r for r in data.runs_of(1) if r.finished)
    answer = client.get(f"/runs/{finished.id}").json
    assert answer["finished_at"] is not None
    assert answer["duration_seconds"] > 0
    active = next(r for p in data.pipelines for r in data.runs_of(p.id) if not r.finished)
    answer = client.get(f"/runs/{active.id}").json
    assert answer["finished_at"] is None and answer["duration_seconds"] is None
    assert answer["status"] in {"queued", "running"}


def test_head_answers_headers_without_a_body(client: Any) -> None:
    answer = client.head("/runs/1")
    assert answer.status_code == 200
    assert answer.data == b""
    assert answer.headers["ETag"]
