"""Fixtures for the API: the Flask app, its test client, the Lambda adapter and event files."""

from __future__ import annotations

import copy
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, Response, jsonify, request

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "backend"
EVENTS = Path(__file__).parent / "events"

# Lambda puts the zip's root on sys.path, so the backend's modules import each other as
# top-level names (handler, app, ...); the tests import them the same way.
if str(BACKEND) not in sys.path:
    sys.path.insert(0, str(BACKEND))

from lambda_adapter import LambdaAdapter  # noqa: E402

from app import create_app  # noqa: E402
from app.config import Config  # noqa: E402

SITE = "https://app.example.com"


@pytest.fixture
def config() -> Config:
    return Config(stage="test", release="r-123", allowed_origin=SITE)


@pytest.fixture
def app(config: Config) -> Flask:
    application = create_app(config)
    _add_test_routes(application)
    return application


@pytest.fixture
def client(app: Flask) -> Any:
    return app.test_client()


@pytest.fixture
def adapter(app: Flask) -> LambdaAdapter:
    return LambdaAdapter(app)


@pytest.fixture
def event() -> Callable[[str], dict[str, Any]]:
    """A fresh copy of an event file from tests/backend/events/."""

    def load(name: str) -> dict[str, Any]:
        loaded: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
        return copy.deepcopy(loaded)

    return load


def _add_test_routes(app: Flask) -> None:
    """Routes the API does not have, to see what reaches an app through the adapter."""

    @app.route("/echo", methods=["GET", "POST"])
    @app.route("/echo/<path:rest>", methods=["GET", "POST"])
    def echo(rest: str = "") -> Response:
        response = jsonify(
            {
                "method": request.method,
                "path": request.path,
                "scheme": request.scheme,
                "url": request.url,
                "server": [request.environ["SERVER_NAME"], request.environ["SERVER_PORT"]],
                "body": request.get_data().decode("latin-1"),
                "args": {key: request.args.getlist(key) for key in request.args},
                "cookies": dict(request.cookies),
                "headers": {key.lower(): value for key, value in request.headers.items()},
            }
        )
        response.set_cookie("session", "abc", httponly=True, secure=True)
        response.set_cookie("theme", "dark")
        return response

    @app.get("/one-cookie")
    def one_cookie() -> Response:
        response = jsonify({"cookies": 1})
        response.set_cookie("session", "abc", httponly=True)
        return response

    @app.get("/binary")
    def binary() -> Response:
        # ?utf8: bytes that happen to decode as text; only the content type says they are not.
        data = b"GIF89a, as it happens" if "utf8" in request.args else b"\x89PNG\r\n\x1a\n\x00\xff"
        return Response(data, mimetype="image/png")

    @app.get("/accented-header")
    def accented_header() -> Response:
        return Response(b"{}", mimetype="application/json", headers={"X-Name": "Zoë"})

    @app.get("/boom")
    def boom() -> Response:
        raise RuntimeError("secret detail that must not reach the client")
