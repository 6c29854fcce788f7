"""Skyline's API: a read-only view of ML pipelines and their runs."""

from __future__ import annotations

from flask import Flask

from app import catalog, cors, errors, origin
from app.config import Config
from app.routes import meta, pipelines, runs


def create_app(config: Config | None = None) -> Flask:
    """The Flask app; settings come from the environment unless a Config is given (tests)."""
    settings = Config.from_env() if config is None else config
    app = Flask(__name__)
    app.config["SKYLINE"] = settings
    # The API serves exactly its routes: /pipelines/ is a 404, not a redirect to /pipelines.
    app.url_map.strict_slashes = True
    errors.register(app)
    # Before CORS: a request without the edge's secret is refused, preflight or not.
    origin.register(app, settings)
    cors.register(app, settings)
    app.register_blueprint(meta.blueprint)
    app.register_blueprint(pipelines.blueprint)
    app.register_blueprint(runs.blueprint)
    # Build the dataset now: in Lambda this runs in the init phase, not in the first request.
    catalog.load()
    return app
