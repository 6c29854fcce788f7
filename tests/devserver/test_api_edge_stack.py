"""`python -m devserver` with the real Lambda handler: the API port is the local API edge.

Invocations are counted from the function's log, where the app writes one line per request
(backend/app/origin.py) and the local runtime stamps it with the invocation's request id.
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra import api_cache
from tests.devserver import stack as devstack
from tests.devserver.conftest import INDEX_HTML

BACKEND = devstack.REPO / "backend"
# Lists and pipelines are kept this long here, so that an entry expires within a test; every
# whole-second Date still leaves a 100-request burst over 3 s of freshness.
LIST_MAX_AGE = 4
_LINE = re.compile(
    r"^\[INFO\] (?P<invocation>\S+) app\.origin: request method=(?P<method>\S+) "
    r"target=(?P<target>\S+) status=(?P<status>\d+) edge_request_id=(?P<edge_id>\S+)$"
)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> Iterator[devstack.Stack]:
    root = tmp_path_factory.mktemp("api-edge-stack")
    (root / "dist").mkdir()
    (root / "dist" / "index.html").write_bytes(INDEX_HTML)
    with devstack.running(
        root / "dist",
        root / "devserver.log",
        backend=BACKEND,
        extra_env={"LIST_MAX_AGE": str(LIST_MAX_AGE)},
    ) as stack:
        yield stack


def _get(url: str, headers: dict[str, str] | None = None, method: str = "GET") -> Any:
    request = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read()


def _invocations(stack: devstack.Stack, target: str, method: str = "GET") -> list[dict[str, str]]:
    found = []
    for line in stack.log().splitlines():
        match = _LINE.match(line)
        if match and match["target"] == target and match["method"] == method:
            found.append(match.groupdict())
    return found


def test_100_identical_gets_of_pipelines_within_max_age_invoke_the_handler_once(
    real: devstack.Stack,
) -> None:
    caches = []
    for _ in range(100):
        status, headers, body = _get(f"{real.api_url}/pipelines", {"Origin": real.site_url})
        assert status == 200
        caches.append(headers["X-Cache"])
    assert json.loads(body)["pipelines"]
    assert caches == ["Miss from cloudfront"] + ["Hit from cloudfront"] * 99
    assert [line["status"] for line in _invocations(real, "/pipelines")] == ["200"]


def test_an_expired_entry_is_revalidated_and_the_app_answers_304(real: devstack.Stack) -> None:
    first = _get(f"{real.api_url}/pipelines/1")
    time.sleep(LIST_MAX_AGE + 0.1)
    again = _get(f"{real.api_url}/pipelines/1")
    assert first[1]["X-Cache"] == "Miss from cloudfront"
    assert again[1]["X-Cache"] == "RefreshHit from cloudfront"
    assert (again[0], again[2]) == (200, first[2])
    # The app saw the edge's If-None-Match and answered without a body.
    assert [line["status"] for line in _invocations(real, "/pipelines/1")] == ["200", "304"]


def test_a_request_straight_to_the_function_without_the_header_is_a_json_403(
    real: devstack.Stack,
) -> None:
    assert real.function_url is not None
    for headers in [{}, {api_cache.ORIGIN_SECRET_HEADER: "guessed"}]:
        status, answer_headers, body = _get(f"{real.function_url}/pipelines/2", headers)
        assert status == 403
        assert answer_headers["Content-Type"] == "application/json"
        assert answer_headers["Cache-Control"] == "no-store"
        assert json.loads(body)["error"]["status"] == 403
    # Through the edge, the same request is answered.
    assert _get(f"{real.api_url}/pipelines/2")[0] == 200


def test_one_request_can_be_followed_from_the_edge_to_the_function(real: devstack.Stack) -> None:
    _, headers, _ = _get(f"{real.api_url}/runs/3")
    [line] = _invocations(real, "/runs/3")
    # The edge's request id, as CloudFront's access log has it, is in the app's line, which the
    # runtime stamps with the invocation's (here also the gateway's) request id.
    assert line["edge_id"] == headers["X-Amz-Cf-Id"]
    assert line["invocation"] == headers["Apigw-Requestid"]


def test_errors_are_never_cached(real: devstack.Stack) -> None:
    for _ in range(3):
        status, headers, body = _get(f"{real.api_url}/runs/999999", {"Origin": real.site_url})
        assert status == 404
        assert headers["X-Cache"] == "Error from cloudfront"
        assert json.loads(body)["error"]["status"] == 404
        # The site can read the app's error.
        assert headers["Access-Control-Allow-Origin"] == real.site_url
    assert [line["status"] for line in _invocations(real, "/runs/999999")] == ["404"] * 3


def test_preflights_are_kept_per_origin(real: devstack.Stack) -> None:
    preflight = {
        "Origin": real.site_url,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "if-none-match",
    }
    answers = [_get(f"{real.api_url}/pipelines/4", preflight, "OPTIONS") for _ in range(3)]
    assert [a[0] for a in answers] == [204] * 3
    assert [a[1]["X-Cache"] for a in answers] == ["Miss from cloudfront"] + [
        "Hit from cloudfront"
    ] * 2
    assert answers[-1][1]["Access-Control-Allow-Origin"] == real.site_url
    other = _get(
        f"{real.api_url}/pipelines/4", {**preflight, "Origin": "http://evil.test"}, "OPTIONS"
    )
    assert other[0] == 403
    assert "Access-Control-Allow-Origin" not in other[1]
    assert [line["status"] for line in _invocations(real, "/pipelines/4", "OPTIONS")] == [
        "204",
        "403",
    ]


# ---------------------------------------------------------------------------------------------
# The stand-in handler: what the function is given


def test_the_edge_and_the_function_share_one_secret_per_run(dist: Path, tmp_path: Path) -> None:
    with devstack.running(dist, tmp_path / "devserver.log") as stack:
        _, _, body = _get(f"{stack.api_url}/echo")
    echo = json.loads(body)
    secret = echo["environment"]["ORIGIN_SECRET"]
    assert len(secret) >= 32
    assert echo["event"]["headers"][api_cache.ORIGIN_SECRET_HEADER] == secret


def test_with_the_edge_off_the_api_port_is_the_local_api_itself(dist: Path, tmp_path: Path) -> None:
    with devstack.running(dist, tmp_path / "devserver.log", api_edge=False) as stack:
        assert stack.function_url is None
        status, headers, body = _get(f"{stack.api_url}/cacheable?max_age=30")
        _, _, echo = _get(f"{stack.api_url}/echo")
        assert "X-Cache" not in headers
    assert status == 200
    assert json.loads(body)["rows"]
    # No secret for the function: nothing for it to check.
    assert not json.loads(echo)["environment"]["ORIGIN_SECRET"]
    assert api_cache.ORIGIN_SECRET_HEADER not in json.loads(echo)["event"]["headers"]
