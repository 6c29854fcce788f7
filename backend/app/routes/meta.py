"""What a load balancer and a deploy check ask: is it up, which release is it."""

from __future__ import annotations

from flask import Blueprint, Response, current_app

from app.config import Config
from app.responses import NO_STORE, cached_json

blueprint = Blueprint("meta", __name__)


@blueprint.get("/health")
def health() -> Response:
    return cached_json({"status": "ok"}, NO_STORE)


@blueprint.get("/version")
def version() -> Response:
    config: Config = current_app.config["SKYLINE"]
    # Changes with every deploy, so clients revalidate each time (a cheap 304 with the ETag).
    return cached_json({"stage": config.stage, "release": config.release}, "no-cache")
