"""A stand-in Lambda handler for the devserver's tests: it answers with what it was given.

It is not the backend; it lets the tests see the exact event the local API builds and steer
the result it translates back.
"""

from __future__ import annotations

import base64
import json
import os
from typing import Any

# Read at import, as a real handler reads its configuration at cold start.
ENVIRONMENT = {
    name: os.environ.get(name) for name in ("STAGE", "RELEASE", "ALLOWED_ORIGIN", "ORIGIN_SECRET")
}
PNG_BYTES = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
BIG_ROWS = [f"row {i}" for i in range(300)]


def handler(event: dict[str, Any], context: Any) -> Any:
    path = event["rawPath"]
    if path == "/binary":
        return {
            "statusCode": 200,
            "headers": {"content-type": "image/png"},
            "body": base64.b64encode(PNG_BYTES).decode(),
            "isBase64Encoded": True,
        }
    if path == "/cookies":
        return {
            "statusCode": 201,
            "headers": {
                "content-type": "text/plain",
                "x-multi": "a,b",
                "date": "Thu, 01 Jan 1970 00:00:00 GMT",
            },
            "cookies": ["a=1; Path=/", "b=2; HttpOnly"],
            "body": "set",
        }
    if path == "/bare":
        return {"just": "a body"}
    if path == "/big":
        # Shaped like the API's answers: JSON over CloudFront's 1,000-byte floor, a strong ETag,
        # Vary: Origin; the status comes from ?status=.
        status = int((event.get("queryStringParameters") or {}).get("status", "200"))
        return {
            "statusCode": status,
            "headers": {"content-type": "application/json", "etag": '"big1"', "vary": "Origin"},
            "body": json.dumps({"rows": BIG_ROWS}),
        }
    if path == "/cacheable":
        return _cacheable(event)
    if path == "/broken":
        raise RuntimeError("the handler failed")
    if path == "/malformed":
        return {"statusCode": "two hundred"}
    return {
        "statusCode": 200,
        "headers": {"content-type": "application/json"},
        "body": json.dumps(
            {
                "event": event,
                "environment": ENVIRONMENT,
                "request_id": context.aws_request_id,
            }
        ),
    }


def _cacheable(event: dict[str, Any]) -> dict[str, Any]:
    """An answer shaped like the API's, for the API edge's tests: the query sets its
    Cache-Control (`max_age`, or all of it with `cc`, none with `cc=`), its status and its
    ETag, and a matching If-None-Match gets a 304, as the app answers one."""
    query = event.get("queryStringParameters") or {}
    cache_control = query.get("cc", f"public, max-age={query.get('max_age', '30')}")
    etag = f'"{query.get("etag", "v1")}"'
    headers = {"etag": etag, "vary": "Origin"}
    if cache_control:
        headers["cache-control"] = cache_control
    status = int(query.get("status", "200"))
    given = (event.get("headers") or {}).get("if-none-match", "")
    if status == 200 and etag in [tag.strip().removeprefix("W/") for tag in given.split(",")]:
        return {"statusCode": 304, "headers": headers}
    body = json.dumps({"rows": BIG_ROWS, "query": query})
    return {
        "statusCode": status,
        "headers": {**headers, "content-type": "application/json"},
        "body": body,
    }
