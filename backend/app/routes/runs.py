"""Single runs, cached for as long as they can still change."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app

from app import catalog
from app.config import Config
from app.responses import cached_json, max_age

blueprint = Blueprint("runs", __name__, url_prefix="/runs")


@blueprint.get("/<int:run_id>")
def get_run(run_id: int) -> Response:
    run = catalog.load().run(run_id)
    if run is None:
        abort(404, description=f"run {run_id} does not exist")
    config: Config = current_app.config["SKYLINE"]
    seconds = config.finished_run_max_age if run.finished else config.active_run_max_age
    return cached_json(catalog.run_json(run), max_age(seconds))
