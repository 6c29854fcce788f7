"""Every error as JSON: {"error": {"status": N, "message": "..."}}."""

from __future__ import annotations

from flask import Flask
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from app.responses import ERROR_CACHE_CONTROL, error_body


def register(app: Flask) -> None:
    # One handler for HTTPException covers unexpected errors too: Flask wraps anything
    # unhandled in InternalServerError (an HTTPException) after logging its traceback, so the
    # client gets a JSON 500 without the trace, and a 404 stays a 404.
    app.register_error_handler(HTTPException, _json_error)


def _json_error(error: HTTPException) -> Response:
    # get_response() keeps what the exception adds, such as Allow on a 405.
    response = error.get_response()
    status = response.status_code
    message = error.description or response.status
    response.set_data(error_body(status, message))
    response.mimetype = "application/json"
    response.headers["Cache-Control"] = ERROR_CACHE_CONTROL
    return response
