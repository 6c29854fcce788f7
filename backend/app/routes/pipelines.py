"""Pipelines and the runs of each."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app

from app import catalog, queries
from app.config import Config
from app.responses import cached_json, max_age

blueprint = Blueprint("pipelines", __name__, url_prefix="/pipelines")


def _config() -> Config:
    config: Config = current_app.config["SKYLINE"]
    return config


def _pipeline(pipeline_id: int) -> catalog.Pipeline:
    pipeline = catalog.load().pipeline(pipeline_id)
    if pipeline is None:
        abort(404, description=f"pipeline {pipeline_id} does not exist")
    return pipeline


@blueprint.get("")
def list_pipelines() -> Response:
    data = catalog.load()
    payload = {"pipelines": [data.pipeline_json(p) for p in data.pipelines]}
    return cached_json(payload, max_age(_config().list_max_age))


@blueprint.get("/<int:pipeline_id>")
def get_pipeline(pipeline_id: int) -> Response:
    pipeline = _pipeline(pipeline_id)
    # Its run count and last run change whenever a run starts, like a list.
    return cached_json(catalog.load().pipeline_json(pipeline), max_age(_config().list_max_age))


@blueprint.get("/<int:pipeline_id>/runs")
def list_runs(pipeline_id: int) -> Response:
    pipeline = _pipeline(pipeline_id)
    status = queries.status()
    limit = queries.limit()
    before = queries.cursor(pipeline.id)
    page: list[catalog.Run] = []
    more = False
    for run in catalog.load().runs_of(pipeline.id):
        if (before is not None and run.id >= before) or (status and run.status != status):
            continue
        if len(page) == limit:
            more = True
            break
        page.append(run)
    next_cursor = queries.encode_cursor(pipeline.id, page[-1].id) if more else None
    payload = {"runs": [catalog.run_json(r) for r in page], "next_cursor": next_cursor}
    return cached_json(payload, max_age(_config().list_max_age))
