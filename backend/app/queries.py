"""Query-string values checked before use: a bad value is a 400 that names the parameter."""

from __future__ import annotations

import base64
import binascii
import re

from flask import abort, request

from app.catalog import STATUSES

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
_DIGITS = re.compile(r"[0-9]{1,4}")
_CURSOR_BODY = re.compile(r"([0-9]{1,9})\.([0-9]{1,9})")


def single(name: str) -> str | None:
    """The parameter's one value; a parameter given twice is ambiguous and refused."""
    values = request.args.getlist(name)
    if len(values) > 1:
        abort(400, description=f"query parameter '{name}' is given {len(values)} times")
    return values[0] if values else None


def status() -> str | None:
    value = single("status")
    if value is None:
        return None
    if value not in STATUSES:
        abort(400, description=f"query parameter 'status' must be one of {', '.join(STATUSES)}")
    return value


def limit() -> int:
    value = single("limit")
    if value is None:
        return DEFAULT_LIMIT
    number = int(value) if _DIGITS.fullmatch(value) else 0
    if not 1 <= number <= MAX_LIMIT:
        abort(
            400, description=f"query parameter 'limit' must be a whole number from 1 to {MAX_LIMIT}"
        )
    return number


def encode_cursor(pipeline_id: int, last_run_id: int) -> str:
    # Opaque to clients; it names the pipeline so a cursor cannot be replayed on another one.
    raw = f"{pipeline_id}.{last_run_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor(pipeline_id: int) -> int | None:
    """The id of the last run the previous page showed; the next page starts below it."""
    value = single("cursor")
    if value is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode("ascii")
    except (binascii.Error, ValueError):
        raw = ""
    match = _CURSOR_BODY.fullmatch(raw)
    if match is None or int(match[1]) != pipeline_id:
        abort(400, description="query parameter 'cursor' is not a cursor this endpoint gave out")
    return int(match[2])
