"""The local API edge applies infra/api_cache.py's rules in front of the local API.

In process, without sockets: the edge forwards to LocalApi(stand-in handler).respond, and every
invocation of the stand-in is counted. The stand-in's /cacheable answers as the app does (a
Cache-Control, an ETag, Vary: Origin, a 304 for a matching If-None-Match), shaped by its query.
"""

from __future__ import annotations

import gzip
import json
import time
from types import ModuleType
from typing import Any
from urllib.parse import quote

import brotli  # type: ignore[import-untyped]
import pytest
from werkzeug.test import Client, TestResponse

from devserver import api_edge
from devserver.api_edge import HttpOrigin, LocalApiEdge, UnsupportedRule
from devserver.apigw import HttpRequest
from devserver.local_api import LambdaContext, LocalApi
from infra import api_cache
from tests.release.moto_server import free_port

SECRET = "local-secret-for-the-tests"
SITE = "http://127.0.0.1:18080"
OTHER_SITE = "http://127.0.0.1:28080"


class Function:
    """The stand-in handler, with every invocation's event and result kept."""

    def __init__(self, standin: ModuleType) -> None:
        self.standin = standin
        self.events: list[dict[str, Any]] = []
        self.results: list[Any] = []

    def __call__(self, event: dict[str, Any], context: LambdaContext) -> Any:
        self.events.append(event)
        result = self.standin.handler(event, context)
        self.results.append(result)
        return result

    @property
    def invocations(self) -> int:
        return len(self.events)


@pytest.fixture
def function(standin: ModuleType) -> Function:
    return Function(standin)


def _edge(function: Function, **kwargs: Any) -> Client:
    return Client(LocalApiEdge(LocalApi(function).respond, SECRET, **kwargs), use_cookies=False)


@pytest.fixture
def api(function: Function) -> Client:
    return _edge(function)


def _cache(response: TestResponse) -> str:
    return response.headers["X-Cache"].removesuffix(" from cloudfront")


# ---------------------------------------------------------------------------------------------
# Kept as long as Cache-Control says, under the declared key


def test_100_identical_gets_within_max_age_invoke_the_function_once(
    api: Client, function: Function
) -> None:
    answers = [api.get("/cacheable?max_age=30", headers={"Origin": SITE}) for _ in range(100)]
    assert function.invocations == 1
    assert [_cache(a) for a in answers] == ["Miss"] + ["Hit"] * 99
    assert {a.status_code for a in answers} == {200}
    assert len({a.data for a in answers}) == 1
    # A hit says how old it is, as a shared cache must (RFC 9111 section 4).
    assert int(answers[-1].headers["Age"]) >= 0
    assert "Age" not in answers[0].headers


def test_an_answer_for_one_origin_never_answers_another(api: Client, function: Function) -> None:
    first = api.get("/cacheable", headers={"Origin": SITE})
    other = api.get("/cacheable", headers={"Origin": OTHER_SITE})
    none = api.get("/cacheable")
    assert [_cache(first), _cache(other), _cache(none)] == ["Miss", "Miss", "Miss"]
    assert [e["headers"].get("origin") for e in function.events] == [SITE, OTHER_SITE, None]
    assert _cache(api.get("/cacheable", headers={"Origin": SITE})) == "Hit"
    assert _cache(api.get("/cacheable", headers={"Origin": OTHER_SITE})) == "Hit"
    assert function.invocations == 3


def test_the_key_holds_the_path_and_every_query_string(api: Client, function: Function) -> None:
    for target in ["/cacheable?a=1", "/cacheable?a=2", "/cacheable?a=1&b=1", "/cacheable?b=1&a=1"]:
        assert _cache(api.get(target)) == "Miss", target
        assert _cache(api.get(target)) == "Hit", target
    assert function.invocations == 4


def test_a_preflight_is_kept_per_requested_method_and_headers(
    api: Client, function: Function
) -> None:
    asks = [
        {"Access-Control-Request-Method": "GET"},
        {"Access-Control-Request-Method": "HEAD"},
        {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "content-type"},
    ]
    for ask in asks:
        assert _cache(api.options("/cacheable", headers={"Origin": SITE, **ask})) == "Miss"
    for ask in asks:
        assert _cache(api.options("/cacheable", headers={"Origin": SITE, **ask})) == "Hit"
    assert function.invocations == 3
    assert [e["requestContext"]["http"]["method"] for e in function.events] == ["OPTIONS"] * 3


def test_headers_outside_the_key_neither_split_entries_nor_reach_the_function(
    api: Client, function: Function
) -> None:
    api.get("/cacheable", headers={"Accept-Language": "fr", "Cookie": "a=1", "X-Trace": "t1"})
    again = api.get("/cacheable", headers={"Accept-Language": "de", "Cookie": "b=2"})
    assert _cache(again) == "Hit"
    event = function.events[0]
    assert "cookies" not in event
    assert not {"accept-language", "x-trace"} & set(event["headers"])


def test_every_forwarded_request_carries_the_origin_secret_and_the_edge_request_id(
    api: Client, function: Function
) -> None:
    # The stand-in's echo has no Cache-Control, so each request reaches it.
    got = api.get("/echo", headers={"Origin": SITE})
    posted = api.post("/echo", data=b'{"a": 1}', headers={"Content-Type": "application/json"})
    assert function.invocations == 2
    for answer, event in zip([got, posted], function.events, strict=True):
        headers = event["headers"]
        assert headers[api_cache.ORIGIN_SECRET_HEADER] == SECRET
        assert headers["x-amz-cf-id"] == answer.headers["X-Amz-Cf-Id"]
        assert len(answer.headers["X-Amz-Cf-Id"]) == 56
        assert headers["user-agent"] == api_edge.EDGE_USER_AGENT
    assert got.headers["X-Amz-Cf-Id"] != posted.headers["X-Amz-Cf-Id"]
    assert function.events[1]["body"] == '{"a": 1}'


# ---------------------------------------------------------------------------------------------
# Revalidation and 304s


def test_an_expired_entry_is_revalidated_with_if_none_match_and_the_304_refreshes_it(
    api: Client, function: Function
) -> None:
    # The Date the entry's age counts from has whole seconds: max-age=2 is at least 1 s fresh.
    first = api.get("/cacheable?max_age=2")
    time.sleep(2.1)
    refreshed = api.get("/cacheable?max_age=2")
    assert (_cache(first), _cache(refreshed)) == ("Miss", "RefreshHit")
    assert function.events[1]["headers"]["if-none-match"] == '"v1"'
    assert function.results[1]["statusCode"] == 304
    # The viewer gets the whole answer from the refreshed entry.
    assert (refreshed.status_code, refreshed.data) == (200, first.data)
    # Fresh again: the next request is a hit.
    assert _cache(api.get("/cacheable?max_age=2")) == "Hit"
    assert function.invocations == 2


def test_a_viewers_if_none_match_is_answered_304_from_a_fresh_entry(
    api: Client, function: Function
) -> None:
    api.get("/cacheable")
    matched = api.get("/cacheable", headers={"If-None-Match": '"v1"'})
    assert (matched.status_code, matched.data, _cache(matched)) == (304, b"", "Hit")
    assert matched.headers["ETag"] == '"v1"'
    assert "Content-Type" not in matched.headers
    assert api.get("/cacheable", headers={"If-None-Match": '"v0"'}).status_code == 200
    # Compressed, the ETag the viewer holds is the weak one the edge sent.
    zipped = api.get("/cacheable", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["ETag"] == 'W/"v1"'
    again = api.get(
        "/cacheable", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304
    assert function.invocations == 1


def test_a_viewers_if_none_match_is_never_forwarded(api: Client, function: Function) -> None:
    answer = api.get("/cacheable?max_age=30", headers={"If-None-Match": '"v1"'})
    # The edge fetched the whole answer to keep it, then answered the viewer's condition.
    assert (answer.status_code, _cache(answer)) == (304, "Miss")
    assert "if-none-match" not in function.events[0]["headers"]
    assert function.results[0]["statusCode"] == 200
    assert api.get("/cacheable?max_age=30").data


def test_no_cache_is_revalidated_every_time(api: Client, function: Function) -> None:
    # /version's Cache-Control: kept, but used only once the function says it is unchanged.
    answers = [api.get("/cacheable?cc=no-cache") for _ in range(3)]
    assert [_cache(a) for a in answers] == ["Miss", "RefreshHit", "RefreshHit"]
    assert [r["statusCode"] for r in function.results] == [200, 304, 304]


# ---------------------------------------------------------------------------------------------
# What is never kept


@pytest.mark.parametrize(
    "target",
    [
        # The app's errors: no-store.
        "/cacheable?status=404&cc=no-store",
        "/cacheable?status=500&cc=no-store",
        # API Gateway's own 500 for a failing function: no Cache-Control at all.
        "/broken",
    ],
)
def test_errors_are_never_kept(api: Client, function: Function, target: str) -> None:
    answers = [api.get(target) for _ in range(3)]
    assert function.invocations == 3
    assert {a.status_code for a in answers} in ({404}, {500})
    assert {_cache(a) for a in answers} == {"Error"}


@pytest.mark.parametrize(
    "cache_control",
    [
        "",  # no Cache-Control: the default TTL is 0
        "no-store",
        "private, max-age=60",  # a shared cache never keeps a private answer
    ],
)
def test_answers_the_edge_may_not_keep_reach_the_function_each_time(
    api: Client, function: Function, cache_control: str
) -> None:
    for _ in range(3):
        assert _cache(api.get(f"/cacheable?cc={quote(cache_control)}")) == "Miss"
    assert function.invocations == 3


def test_s_maxage_is_the_edges_max_age(api: Client, function: Function) -> None:
    for _ in range(3):
        api.get(f"/cacheable?cc={quote('max-age=0, s-maxage=60')}")
    assert function.invocations == 1


def test_only_the_cached_methods_are_kept(api: Client, function: Function) -> None:
    assert api_cache.CACHED_METHODS == ("GET", "HEAD", "OPTIONS")
    for method in ["POST", "PUT", "PATCH", "DELETE"]:
        first = api.open("/cacheable", method=method)
        second = api.open("/cacheable", method=method)
        assert (_cache(first), _cache(second)) == ("Miss", "Miss"), method
    assert function.invocations == 8
    heads = [api.head("/cacheable") for _ in range(3)]
    assert [_cache(h) for h in heads] == ["Miss", "Hit", "Hit"]
    assert heads[-1].data == b""
    assert function.invocations == 9


def test_a_method_the_edge_does_not_allow_is_refused_at_the_edge(
    api: Client, function: Function
) -> None:
    answer = api.open("/cacheable", method="PROPFIND")
    assert answer.status_code == 403
    assert _cache(answer) == "Error"
    assert function.invocations == 0


def test_no_entry_outlives_the_maximum_ttl(function: Function) -> None:
    api = _edge(function, max_ttl_seconds=1)
    api.get("/cacheable?max_age=3600")
    assert _cache(api.get("/cacheable?max_age=3600")) == "Hit"
    time.sleep(1.1)
    assert _cache(api.get("/cacheable?max_age=3600")) == "Miss"
    assert function.invocations == 2


def test_rules_the_local_edge_cannot_apply_stop_it(
    function: Function, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(api_cache, "MIN_TTL_SECONDS", 60)
    with pytest.raises(UnsupportedRule, match="minimum and default TTL"):
        LocalApiEdge(LocalApi(function).respond, SECRET)


# ---------------------------------------------------------------------------------------------
# What the viewer gets


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("gzip", "gzip", gzip.decompress),
        ("br", "br", brotli.decompress),
        # What Chromium sends over plain HTTP (it asks for brotli over HTTPS only).
        ("gzip, deflate", "gzip", gzip.decompress),
        ("gzip, deflate, br, zstd", "br", brotli.decompress),
    ],
)
def test_json_is_compressed_as_the_edge_compresses_it(
    api: Client, standin: ModuleType, accept: str, encoding: str, decode: Any
) -> None:
    for _ in range(2):  # a miss, then a hit: both compressed alike
        response = api.get("/big", headers={"Accept-Encoding": accept})
        assert response.status_code == 200
        assert response.headers["Content-Encoding"] == encoding
        assert json.loads(decode(response.data)) == {"rows": standin.BIG_ROWS}
        assert int(response.headers["Content-Length"]) == len(response.data)
        assert response.headers["Vary"] == "Origin, Accept-Encoding"
        # Another representation of the same answer: the edge weakens the origin's strong ETag.
        assert response.headers["ETag"] == 'W/"big1"'


def test_json_goes_as_it_is_unasked_small_or_not_a_success(api: Client) -> None:
    plain = api.get("/big")
    assert "Content-Encoding" not in plain.headers
    assert plain.headers["ETag"] == '"big1"'
    # The answer still varies by encoding, for the caches between.
    assert plain.headers["Vary"] == "Origin, Accept-Encoding"
    small = api.get("/bare", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in small.headers
    assert json.loads(small.data) == {"just": "a body"}
    image = api.get("/binary", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in image.headers
    failed = api.get("/big?status=500", headers={"Accept-Encoding": "gzip, br"})
    assert failed.status_code == 500
    assert "Content-Encoding" not in failed.headers
    assert json.loads(failed.data)["rows"]


def test_the_api_edges_security_headers_are_on_every_answer(api: Client) -> None:
    for answer in [api.get("/cacheable"), api.get("/cacheable"), api.get("/broken")]:
        assert answer.headers["Content-Security-Policy"] == api_cache.CONTENT_SECURITY_POLICY
        assert answer.headers["Referrer-Policy"] == api_cache.REFERRER_POLICY
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "Server" not in answer.headers or "Werkzeug" not in answer.headers["Server"]


def test_an_unreachable_local_api_is_the_edges_502() -> None:
    # A port just found free: nothing listens there.
    answer = HttpOrigin(f"http://127.0.0.1:{free_port()}")(
        HttpRequest(method="GET", raw_path="/pipelines", raw_query="", headers=[])
    )
    assert answer.status == 502
    assert ("Cache-Control", "no-store") in answer.headers
