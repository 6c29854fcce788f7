"""The pipelines and runs the API serves: a fixed, realistic dataset built in memory.

The dataset is generated from a seed rather than shipped as a file so that the package stays
small and every process (and every test) sees the same pipelines, runs, ids and timestamps. No
clock is read: "now" is a fixed instant, so a run that is running stays running.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

SEED = 20250601
# The dataset's "now": every run started before it, and running runs have no end yet.
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)

STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINISHED_STATUSES = frozenset({"succeeded", "failed", "cancelled"})
TRIGGERS = ("schedule", "manual", "push")

_SUBJECTS = (
    ("churn", "Predicts which subscribers cancel within 30 days"),
    ("fraud-detection", "Scores card transactions for fraud"),
    ("search-ranking", "Orders product search results by predicted click-through"),
    ("recommendations", "Suggests items from browsing and purchase history"),
    ("demand-forecast", "Forecasts daily demand per store and product"),
    ("ad-ctr", "Estimates ad click-through rates for bidding"),
    ("image-tagging", "Labels catalogue images with product attributes"),
    ("support-intent", "Routes support tickets by detected intent"),
    ("price-elasticity", "Estimates price sensitivity per product category"),
)


@dataclass(frozen=True)
class _Kind:
    name: str
    verb: str
    schedule: str
    # Typical hours between two runs and typical run length in seconds.
    interval_hours: float
    duration_seconds: float
    metrics: tuple[tuple[str, float, float], ...]  # (name, low, high)


_KINDS = (
    _Kind(
        "training",
        "Trains",
        "0 2 * * *",
        24,
        2400,
        (("accuracy", 0.82, 0.97), ("auc", 0.85, 0.99), ("f1", 0.7, 0.95), ("loss", 0.05, 0.4)),
    ),
    _Kind(
        "evaluation",
        "Evaluates",
        "on push",
        9,
        420,
        (("precision", 0.75, 0.98), ("recall", 0.7, 0.97), ("auc", 0.85, 0.99)),
    ),
    _Kind(
        "feature-backfill",
        "Backfills features for",
        "0 */6 * * *",
        6,
        900,
        (("rows_written", 2e5, 5e6), ("null_fraction", 0.0, 0.03)),
    ),
    _Kind(
        "batch-scoring",
        "Scores",
        "30 * * * *",
        1,
        240,
        (("rows_scored", 1e4, 9e5), ("p95_latency_ms", 4.0, 60.0)),
    ),
)

_OWNERS = (
    "ml-platform",
    "growth-analytics",
    "risk-modeling",
    "search-relevance",
    "personalization",
    "forecasting",
    "vision",
)


@dataclass(frozen=True)
class Pipeline:
    id: int
    name: str
    description: str
    owner: str
    schedule: str
    created_at: datetime


@dataclass(frozen=True)
class Run:
    id: int
    pipeline_id: int
    status: str
    trigger: str
    commit: str
    started_at: datetime
    finished_at: datetime | None
    metrics: Mapping[str, float]

    @property
    def finished(self) -> bool:
        return self.status in FINISHED_STATUSES


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Catalog:
    """Pipelines and runs with the indexes the endpoints need, built once per process."""

    def __init__(self, pipelines: list[Pipeline], runs: list[Run]) -> None:
        self.pipelines = tuple(sorted(pipelines, key=lambda p: p.id))
        self._pipelines = {p.id: p for p in self.pipelines}
        self._runs = {r.id: r for r in runs}
        newest_first = sorted(runs, key=lambda r: r.id, reverse=True)
        self._runs_of: dict[int, tuple[Run, ...]] = {
            p.id: tuple(r for r in newest_first if r.pipeline_id == p.id) for p in self.pipelines
        }

    def pipeline(self, pipeline_id: int) -> Pipeline | None:
        return self._pipelines.get(pipeline_id)

    def run(self, run_id: int) -> Run | None:
        return self._runs.get(run_id)

    def runs_of(self, pipeline_id: int) -> tuple[Run, ...]:
        """The pipeline's runs, newest first (ids grow with start time)."""
        return self._runs_of.get(pipeline_id, ())

    @property
    def run_count(self) -> int:
        return len(self._runs)

    def pipeline_json(self, pipeline: Pipeline) -> dict[str, Any]:
        runs = self.runs_of(pipeline.id)
        last = runs[0] if runs else None
        return {
            "id": pipeline.id,
            "name": pipeline.name,
            "description": pipeline.description,
            "owner": pipeline.owner,
            "schedule": pipeline.schedule,
            "created_at": iso(pipeline.created_at),
            "run_count": len(runs),
            "last_run": (
                {"id": last.id, "status": last.status, "started_at": iso(last.started_at)}
                if last
                else None
            ),
        }


def run_json(run: Run) -> dict[str, Any]:
    finished_at = run.finished_at
    return {
        "id": run.id,
        "pipeline_id": run.pipeline_id,
        "status": run.status,
        "trigger": run.trigger,
        "commit": run.commit,
        "started_at": iso(run.started_at),
        "finished_at": iso(finished_at) if finished_at else None,
        "duration_seconds": (
            (finished_at - run.started_at).total_seconds() if finished_at else None
        ),
        "metrics": dict(run.metrics),
    }


@functools.cache
def load() -> Catalog:
    """The process's catalog, generated on first use (in Lambda: during the init phase)."""
    return generate(SEED)


def generate(seed: int) -> Catalog:
    rng = random.Random(seed)
    pipelines: list[Pipeline] = []
    # (pipeline id, start, status, trigger, commit, end, metrics) before ids are given.
    drafts: list[tuple[int, datetime, str, str, str, datetime | None, dict[str, float]]] = []
    for index, ((subject, about), kind) in enumerate((s, k) for s in _SUBJECTS for k in _KINDS):
        pipeline_id = index + 1
        starts = _start_times(rng, kind, count=rng.randint(6, 30))
        pipelines.append(
            Pipeline(
                id=pipeline_id,
                name=f"{subject}-{kind.name}",
                description=f"{kind.verb} the {subject.replace('-', ' ')} model. {about}.",
                owner=rng.choice(_OWNERS),
                schedule=kind.schedule,
                created_at=starts[0]
                - timedelta(days=rng.randint(3, 120), hours=rng.randint(0, 23)),
            )
        )
        for position, start in enumerate(starts):
            newest = position == len(starts) - 1
            status, end, metrics = _outcome(rng, kind, start, newest)
            trigger = _trigger(rng, kind)
            commit = f"{rng.getrandbits(160):040x}"
            drafts.append((pipeline_id, start, status, trigger, commit, end, metrics))

    # Ids follow start time across all pipelines, so "newest first" is "highest id first" and a
    # cursor can be the last id a page showed.
    drafts.sort(key=lambda d: (d[1], d[0]))
    runs = [
        Run(
            id=number,
            pipeline_id=pipeline_id,
            status=status,
            trigger=trigger,
            commit=commit,
            started_at=start,
            finished_at=end,
            metrics=metrics,
        )
        for number, (pipeline_id, start, status, trigger, commit, end, metrics) in enumerate(
            drafts, start=1
        )
    ]
    return Catalog(pipelines, runs)


def _start_times(rng: random.Random, kind: _Kind, count: int) -> list[datetime]:
    moment = NOW - timedelta(minutes=rng.randint(1, 50))
    starts = []
    for _ in range(count):
        starts.append(moment)
        gap = kind.interval_hours * rng.uniform(0.7, 1.3)
        moment -= timedelta(hours=gap, seconds=rng.randint(0, 59))
    starts.reverse()
    return [s.replace(microsecond=0) for s in starts]


def _outcome(
    rng: random.Random, kind: _Kind, start: datetime, newest: bool
) -> tuple[str, datetime | None, dict[str, float]]:
    if newest and rng.random() < 0.15:
        return "queued", None, {}
    duration = timedelta(seconds=round(kind.duration_seconds * rng.lognormvariate(0, 0.35)))
    end = start + duration
    if end > NOW:
        return "running", None, {}
    roll = rng.random()
    if roll < 0.06:
        # Cancelled runs stop early and report nothing.
        return "cancelled", _whole(start + duration * rng.uniform(0.05, 0.6)), {}
    if roll < 0.2:
        # A failed run keeps the metrics it logged before the failure.
        logged = kind.metrics[: rng.randint(0, len(kind.metrics) - 1)]
        return "failed", _whole(start + duration * rng.uniform(0.1, 0.9)), _metrics(rng, logged)
    return "succeeded", end, _metrics(rng, kind.metrics)


def _whole(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _metrics(rng: random.Random, specs: tuple[tuple[str, float, float], ...]) -> dict[str, float]:
    return {name: round(rng.uniform(low, high), 4) for name, low, high in specs}


def _trigger(rng: random.Random, kind: _Kind) -> str:
    if kind.schedule == "on push":
        return "push" if rng.random() < 0.85 else "manual"
    return "schedule" if rng.random() < 0.9 else "manual"
