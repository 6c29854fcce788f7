"""API Gateway HTTP API (payload format 2.0) translation, both ways, without sockets.

Only what a Lambda proxy integration does: an HTTP request becomes the event a `$default`
route hands to the function, and the function's result becomes the HTTP response. Written by
hand because no maintained library goes in this direction (Mangum, apig-wsgi and a2wsgi all
consume these events; none produce them).
"""

from __future__ import annotations

import base64
import binascii
import json
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

# Content types whose bodies API Gateway passes as text; any other body reaches the function
# base64-encoded, as does a body that is not valid UTF-8.
_TEXT_TYPES = (
    "text/",
    "application/json",
    "application/xml",
    "application/javascript",
    "application/x-www-form-urlencoded",
    "+json",
    "+xml",
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# What API Gateway answers when the integration fails or returns something it cannot read.
INTERNAL_ERROR_STATUS = 500
INTERNAL_ERROR_BODY = b'{"message":"Internal Server Error"}'


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as it reached the gateway."""

    method: str
    # The path and query exactly as sent, still percent-encoded.
    raw_path: str
    raw_query: str
    headers: Iterable[tuple[str, str]]
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time_epoch_ms: int = field(default_factory=lambda: int(time.time() * 1000))


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


class IntegrationError(Exception):
    """The function's result is not one API Gateway can turn into a response."""


def to_event(
    request: HttpRequest, *, api_id: str = "local", domain_name: str = "127.0.0.1"
) -> dict[str, Any]:
    headers = _join_headers(request.headers)
    # API Gateway moves cookies out of the headers into their own list, one entry per cookie.
    cookie_header = headers.pop("cookie", "")
    cookies = [part.strip() for part in cookie_header.replace(",", ";").split(";") if part.strip()]
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": api_id,
            "domainName": domain_name,
            "domainPrefix": domain_name.split(".", 1)[0],
            "http": {
                "method": request.method,
                "path": request.raw_path,
                "protocol": request.protocol,
                "sourceIp": request.source_ip,
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": request.request_id,
            "routeKey": "$default",
            "stage": "$default",
            "time": _gateway_time(request.time_epoch_ms),
            "timeEpoch": request.time_epoch_ms,
        },
        "isBase64Encoded": False,
    }
    # Absent keys, not empty ones, when there is nothing to carry: that is what the gateway sends.
    if cookies:
        event["cookies"] = cookies
    if request.raw_query:
        event["queryStringParameters"] = _query_parameters(request.raw_query)
    if request.body:
        content_type = headers.get("content-type", "")
        text = _as_text(request.body) if _is_text_type(content_type) else None
        if text is None:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
        else:
            event["body"] = text
    return event


def from_result(result: Any) -> HttpResponse:
    """The HTTP response API Gateway makes of a function's return value."""
    if not (isinstance(result, Mapping) and "statusCode" in result):
        # Payload 2.0 lets a function return just a body: anything without statusCode is
        # sent as JSON with 200.
        body = result.encode() if isinstance(result, str) else json.dumps(result).encode()
        return HttpResponse(200, [("Content-Type", "application/json")], body)

    status = result["statusCode"]
    if not isinstance(status, int) or not 100 <= status <= 599:
        raise IntegrationError(f"statusCode must be an HTTP status code, not {status!r}")
    headers: list[tuple[str, str]] = []
    for name, value in (result.get("headers") or {}).items():
        if not isinstance(value, str | int | float | bool):
            raise IntegrationError(f"header {name!r} must be a string, not {value!r}")
        headers.append((str(name), _header_text(value)))
    for cookie in result.get("cookies") or []:
        headers.append(("Set-Cookie", str(cookie)))
    body = _result_body(result)
    if body and not any(name.lower() == "content-type" for name, _ in headers):
        headers.append(("Content-Type", "application/json"))
    return HttpResponse(status, headers, body)


def _result_body(result: Mapping[str, Any]) -> bytes:
    body = result.get("body")
    if body is None:
        return b""
    if not isinstance(body, str):
        raise IntegrationError(f"body must be a string, not {type(body).__name__}")
    if result.get("isBase64Encoded"):
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error as error:
            raise IntegrationError(
                f"isBase64Encoded is set but body is not base64: {error}"
            ) from error
    return body.encode()


def _header_text(value: str | int | float | bool) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _join_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    # HTTP APIs lower-case header names and join repeated headers with commas.
    joined: dict[str, str] = {}
    for name, value in headers:
        key = name.lower()
        joined[key] = f"{joined[key]},{value}" if key in joined else value
    return joined


def _query_parameters(raw_query: str) -> dict[str, str]:
    # Decoded values; a repeated key's values joined with commas, in order.
    parameters: dict[str, str] = {}
    for key, value in parse_qsl(raw_query, keep_blank_values=True):
        parameters[key] = f"{parameters[key]},{value}" if key in parameters else value
    return parameters


def _is_text_type(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return not kind or any(
        kind.endswith(marker) if marker.startswith("+") else kind.startswith(marker)
        for marker in _TEXT_TYPES
    )


def _as_text(body: bytes) -> str | None:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _gateway_time(epoch_ms: int) -> str:
    # The gateway's CLF-style timestamp: 12/Mar/2020:19:03:58 +0000
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    # Month names spelled out here: strftime's %b follows the process locale.
    month = _MONTHS[moment.month - 1]
    return f"{moment:%d}/{month}/{moment:%Y:%H:%M:%S} +0000"
