"""The built-in dataset: the same every time, and shaped like real pipeline history."""

from __future__ import annotations

from collections import Counter

from app import catalog


def _snapshot(data: catalog.Catalog) -> list[object]:
    return [data.pipeline_json(p) for p in data.pipelines] + [
        catalog.run_json(r) for p in data.pipelines for r in data.runs_of(p.id)
    ]


def test_generation_is_deterministic() -> None:
    assert _snapshot(catalog.generate(catalog.SEED)) == _snapshot(catalog.generate(catalog.SEED))
    assert _snapshot(catalog.generate(catalog.SEED)) != _snapshot(catalog.generate(1))


def test_size_and_variety() -> None:
    data = catalog.load()
    assert 20 <= len(data.pipelines) <= 99
    assert 200 <= data.run_count <= 2000
    statuses = Counter(r.status for p in data.pipelines for r in data.runs_of(p.id))
    assert set(statuses) == set(catalog.STATUSES)
    assert statuses["succeeded"] > statuses["failed"] > 0


def test_runs_are_consistent() -> None:
    data = catalog.load()
    for pipeline in data.pipelines:
        runs = data.runs_of(pipeline.id)
        assert [r.id for r in runs] == sorted((r.id for r in runs), reverse=True)
        for run in runs:
            assert pipeline.created_at < run.started_at <= catalog.NOW
            assert run.trigger in catalog.TRIGGERS
            assert len(run.commit) == 40
            if run.finished:
                assert run.finished_at is not None and run.started_at < run.finished_at
            else:
                assert run.finished_at is None and not run.metrics
            if run.status == "succeeded":
                assert run.metrics
