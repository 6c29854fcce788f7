"""The local API edge: the local API behind infra/api_cache.py's rules, as CloudFront applies them.

What the API's distribution (infra/api_edge.py) does, on `make dev`'s API port:

- keeps answers to the cached methods under a key of the path, the query string and the
  declared request headers, for as long as their Cache-Control says, never longer than the
  maximum TTL; an answer without Cache-Control, or one the app marks `no-store` (every error),
  is not kept;
- revalidates an expired entry with the origin's validators (`If-None-Match`), and a 304 from
  the function refreshes it;
- answers a viewer's `If-None-Match` with a 304 from a fresh entry;
- sends every other method through uncached;
- forwards only what the cache policy forwards (the key headers), plus the per-run origin
  secret and its own request id (`X-Amz-Cf-Id`);
- compresses JSON as CloudFront does (devserver/compression.py) and adds the API's security
  headers (its response headers policy).

HTTP caching (RFC 9111) is hishel's (2.0.0, pinned in pyproject.toml): its sans-I/O core decides
whether an answer may be stored, whether an entry is fresh, how to revalidate it and what a 304
changes, as a shared cache (so `private` answers are not kept and `s-maxage` wins over
`max-age`, as at CloudFront). It is the maintained RFC 9111 implementation for Python, typed,
and its core needs no HTTP client (only msgpack), so this module drives its state machine with
the standard library's http.client; its httpx transport would only add httpx, httpcore and
anyio. The storage is hishel's own SqliteStorage, in memory: like a new distribution's cache, it
starts empty with every run. What stays here is what is CloudFront's and not the RFC's: the
cache key, the TTL bounds, the methods, what is forwarded, and the viewer's conditional request.

Simpler than CloudFront in two ways that change no answer: an entry past the maximum TTL is
dropped and fetched again rather than revalidated, and HEAD keeps entries of its own rather
than reading GET's.
"""

from __future__ import annotations

import http.client
import json
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import hishel
from werkzeug.datastructures import Headers
from werkzeug.http import http_date, unquote_etag
from werkzeug.wrappers import Request, Response

from devserver import apigw
from devserver.compression import CompressedCache, compress_answer
from devserver.local_api import raw_target
from infra import api_cache, edge

# How the edge reaches the function's API: an HTTP request in, its response out.
Forward = Callable[[apigw.HttpRequest], apigw.HttpResponse]

EDGE_REQUEST_ID_HEADER = "X-Amz-Cf-Id"
# What CloudFront calls itself towards the origin, when the viewer's User-Agent is not forwarded.
EDGE_USER_AGENT = "Amazon CloudFront"
# Never passed on from one connection to the next (RFC 9110 section 7.6.1), and Server, which is
# the function server's own.
_NOT_PASSED_ON = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "server",
    }
)
# The one header sent with a body when a method passes through.
_BODY_HEADERS = ("content-type",)
# The API's response headers policy (infra/api_edge.py), as headers on the wire.
SECURITY_HEADERS = {
    "Strict-Transport-Security": f"max-age={edge.HSTS_MAX_AGE_SECONDS}; includeSubDomains",
    "Content-Security-Policy": api_cache.CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": edge.FRAME_OPTIONS,
    "Referrer-Policy": api_cache.REFERRER_POLICY,
}
NOT_ALLOWED_BODY = (
    b"403 ERROR\nThis distribution is not configured to allow the HTTP request method that was "
    b"used for this request.\n"
)


class UnsupportedRule(Exception):
    """infra/api_cache.py declares a rule that the local API edge cannot apply."""


def check_rules() -> None:
    # hishel keeps an answer exactly as its Cache-Control says; a minimum TTL above 0 would
    # override `no-store`, and a default TTL above 0 would keep answers without Cache-Control.
    # Neither is a shared cache's RFC 9111 behaviour, so neither is modelled here.
    if api_cache.MIN_TTL_SECONDS != 0 or api_cache.DEFAULT_TTL_SECONDS != 0:
        raise UnsupportedRule(
            "the local API edge applies a minimum and default TTL of 0 only; infra/api_cache.py "
            f"declares {api_cache.MIN_TTL_SECONDS} and {api_cache.DEFAULT_TTL_SECONDS}: "
            "teach devserver/api_edge.py the new rule"
        )


def cache_key(raw_path: str, query: str, headers: Mapping[str, str]) -> str:
    """The cache policy's key: the path, the query string it keys on, and each key header's
    value (absent and empty are two different values, as at CloudFront)."""
    return json.dumps([raw_path, query, [headers.get(name) for name in api_cache.KEY_HEADERS]])


def new_request_id() -> str:
    # CloudFront's ids are 56 characters of base64url.
    return secrets.token_urlsafe(42)


@dataclass(frozen=True)
class _Viewer:
    """A viewer's request as the edge reads it, once: what both the cache and the origin use."""

    request: Request
    # The edge's own id for it (X-Amz-Cf-Id), sent to the origin and back to the viewer.
    request_id: str
    raw_path: str
    # The query string as the cache policy keys on it and forwards it.
    query: str
    # By lower-case name, as sent: Werkzeug's own view also reports an empty Content-Type.
    headers: Mapping[str, str]

    @classmethod
    def of(cls, request: Request) -> _Viewer:
        raw_path, raw_query = raw_target(request)
        return cls(
            request=request,
            request_id=new_request_id(),
            raw_path=raw_path,
            query=raw_query if api_cache.ALL_QUERY_STRINGS else "",
            headers={name.lower(): value for name, value in request.headers.items()},
        )

    def pick(self, names: Iterable[str]) -> list[tuple[str, str]]:
        return [(name, self.headers[name]) for name in names if name in self.headers]


class LocalApiEdge:
    """A WSGI app: the API's CloudFront distribution in front of the local API (`forward`)."""

    def __init__(
        self,
        forward: Forward,
        origin_secret: str,
        *,
        max_ttl_seconds: int = api_cache.MAX_TTL_SECONDS,
    ) -> None:
        check_rules()
        self._forward = forward
        self._origin_secret = origin_secret
        self._options = hishel.CacheOptions(
            shared=True, supported_methods=list(api_cache.CACHED_METHODS), allow_stale=False
        )
        # One in-memory database for the server's life; hishel serialises its use across the
        # server's threads.
        connection = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        # The TTL is the storage's: no entry outlives the maximum TTL, whatever it says.
        self._storage = hishel.SqliteStorage(connection=connection, default_ttl=max_ttl_seconds)
        self._compressed = CompressedCache()

    def close(self) -> None:
        self._storage.close()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        viewer = _Viewer.of(request)
        # X-Cache's word: Hit, RefreshHit (a 304 from the origin refreshed the entry), Miss, or
        # Error for an error status that did not come from the cache.
        outcome = "Miss"
        if request.method not in api_cache.ALL_METHODS:
            answer = apigw.HttpResponse(403, [("Content-Type", "text/plain")], NOT_ALLOWED_BODY)
        elif request.method in api_cache.CACHED_METHODS:
            answer, outcome = self._cached(viewer)
        else:
            # Uncached: the key headers and the body's type go with the body.
            headers = viewer.pick((*api_cache.KEY_HEADERS, *_BODY_HEADERS))
            answer = self._send(viewer, headers, request.get_data(cache=False))
        if outcome == "Miss" and answer.status >= 400:
            outcome = "Error"
        return self._to_viewer(viewer, answer, outcome)

    # -----------------------------------------------------------------------------------------
    # The cache

    def _cached(self, viewer: _Viewer) -> tuple[apigw.HttpResponse, str]:
        # Only the key headers reach the origin, so only they are the request the cache sees:
        # the viewer's own If-None-Match is answered here (_to_viewer), never forwarded.
        target = f"{viewer.raw_path}?{viewer.query}" if viewer.query else viewer.raw_path
        cached_request = hishel.Request(
            method=viewer.request.method,
            url=target,
            headers=hishel.Headers(dict(viewer.pick(api_cache.KEY_HEADERS))),
        )
        key = cache_key(viewer.raw_path, viewer.query, viewer.headers)

        def send(outgoing: hishel.Request) -> hishel.Response:
            return _to_cache(self._send(viewer, _pairs(outgoing), b""))

        response, outcome = self._through_cache(cached_request, key, send)
        body = b"".join(_chunks(response))
        return apigw.HttpResponse(response.status_code, _pairs(response), body), outcome

    def _through_cache(
        self,
        request: hishel.Request,
        key: str,
        send: Callable[[hishel.Request], hishel.Response],
    ) -> tuple[hishel.Response, str]:
        """hishel's RFC 9111 state machine, with the storage and the origin it needs."""
        state: hishel.AnyState = hishel.IdleClient(options=self._options).next(
            request, self._storage.get_entries(key)
        )
        refreshed = False
        while True:
            if isinstance(state, hishel.CacheMiss | hishel.NeedRevalidation):
                revalidating = isinstance(state, hishel.NeedRevalidation)
                state = state.next(send(state.request))
                # A 304 leads to NeedToBeUpdated; a full answer to storing it, as a miss would.
                refreshed = revalidating and isinstance(state, hishel.NeedToBeUpdated)
            elif isinstance(state, hishel.NeedToBeUpdated):
                for entry in state.updating_entries:
                    self._storage.update_headers(entry.id, entry.response.headers)
                state = state.next()
            elif isinstance(state, hishel.InvalidateEntries):
                for entry_id in state.entry_ids:
                    self._storage.remove_entry(entry_id)
                state = state.next()
            elif isinstance(state, hishel.FromCache):
                return state.entry.response, "RefreshHit" if refreshed else "Hit"
            elif isinstance(state, hishel.StoreAndUse):
                if not _has_freshness_rules(state.response):
                    # The default TTL (0): an answer without Cache-Control is not kept.
                    return state.response, "Miss"
                entry = self._storage.create_entry(request, state.response, key)
                # The entry is only stored once its body has been read; read it now.
                body = b"".join(_chunks(entry.response))
                return _with_body(entry.response, body), "Miss"
            elif isinstance(state, hishel.CouldNotBeStored):
                return state.response, "Miss"
            else:
                raise AssertionError(f"hishel state {type(state).__name__} not handled")

    # -----------------------------------------------------------------------------------------
    # Both ways

    def _send(
        self, viewer: _Viewer, headers: list[tuple[str, str]], body: bytes
    ) -> apigw.HttpResponse:
        source_ip = viewer.request.remote_addr or "127.0.0.1"
        forwarded = apigw.HttpRequest(
            method=viewer.request.method,
            raw_path=viewer.raw_path,
            raw_query=viewer.query,
            headers=[
                *headers,
                (api_cache.ORIGIN_SECRET_HEADER, self._origin_secret),
                (EDGE_REQUEST_ID_HEADER.lower(), viewer.request_id),
                ("user-agent", EDGE_USER_AGENT),
                ("x-forwarded-for", source_ip),
            ],
            body=body,
            source_ip=source_ip,
        )
        answer = self._forward(forwarded)
        headers = [(k, v) for k, v in answer.headers if k.lower() not in _NOT_PASSED_ON]
        # RFC 9110 section 6.6.1: a recipient with a clock adds the Date an answer lacks before
        # it caches or forwards it; the entry's age is counted from it.
        if not any(name.lower() == "date" for name, _ in headers):
            headers.append(("Date", http_date()))
        return apigw.HttpResponse(answer.status, headers, answer.body)

    def _to_viewer(self, viewer: _Viewer, answer: apigw.HttpResponse, outcome: str) -> Response:
        request = viewer.request
        headers = Headers(answer.headers)
        # The server writes a Date of its own on every answer; Age says how old a kept one is.
        headers.remove("Date")
        for name, value in SECURITY_HEADERS.items():
            headers[name] = value
        headers["X-Cache"] = f"{outcome} from cloudfront"
        headers[EDGE_REQUEST_ID_HEADER] = viewer.request_id
        body = compress_answer(
            answer.status, headers, answer.body, request.accept_encodings, self._compressed
        )
        if _matches(request, answer.status, headers):
            # Werkzeug drops the body and the headers that describe it from a 304.
            return Response(status=304, headers=headers)
        return Response(body, status=answer.status, headers=headers)


def _matches(request: Request, status: int, headers: Headers) -> bool:
    """Whether the viewer's If-None-Match names the answer it would get (weakly, RFC 9110)."""
    etag = headers.get("ETag")
    if status != 200 or request.method not in ("GET", "HEAD") or not etag:
        return False
    opaque, _ = unquote_etag(etag)
    return opaque is not None and request.if_none_match.contains_weak(opaque)


def _has_freshness_rules(response: hishel.Response) -> bool:
    return "cache-control" in response.headers or "expires" in response.headers


def _pairs(message: hishel.Request | hishel.Response) -> list[tuple[str, str]]:
    headers = message.headers
    return [(name, value) for name in headers for value in headers.get_list(name) or []]


def _chunks(response: hishel.Response) -> Iterable[bytes]:
    stream = response.stream
    if stream is None:
        return ()
    assert isinstance(stream, Iterable), "the local API edge reads synchronous streams only"
    return stream


def _with_body(response: hishel.Response, body: bytes) -> hishel.Response:
    return hishel.Response(
        status_code=response.status_code, headers=response.headers, stream=iter([body])
    )


def _to_cache(answer: apigw.HttpResponse) -> hishel.Response:
    grouped: dict[str, list[str]] = {}
    for name, value in answer.headers:
        grouped.setdefault(name.lower(), []).append(value)
    return hishel.Response(
        status_code=answer.status, headers=hishel.Headers(grouped), stream=iter([answer.body])
    )


class HttpOrigin:
    """`forward` for a function server on another port: one HTTP request per forwarded one."""

    def __init__(self, url: str, timeout_seconds: float = 30) -> None:
        parts = urlsplit(url)
        if parts.scheme != "http" or parts.hostname is None:
            raise ValueError(f"the local API's URL must be http://host:port, not {url!r}")
        self._host = parts.hostname
        self._port = parts.port or 80
        self._timeout = timeout_seconds

    def __call__(self, request: apigw.HttpRequest) -> apigw.HttpResponse:
        target = request.raw_path + (f"?{request.raw_query}" if request.raw_query else "")
        connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
        try:
            connection.putrequest(request.method, target, skip_accept_encoding=True)
            for name, value in request.headers:
                connection.putheader(name, value)
            if request.body or request.method not in ("GET", "HEAD", "OPTIONS"):
                connection.putheader("content-length", str(len(request.body)))
            connection.endheaders(request.body or None)
            response = connection.getresponse()
            body = response.read()
            return apigw.HttpResponse(response.status, response.getheaders(), body)
        except (OSError, http.client.HTTPException) as error:
            # What CloudFront answers when it cannot reach its origin.
            return apigw.HttpResponse(
                502,
                [("Content-Type", "text/plain"), ("Cache-Control", "no-store")],
                f"502 ERROR\nThe local API could not be reached: {error}\n".encode(),
            )
        finally:
            connection.close()


def origin_secret() -> str:
    """A secret for one run of the local stack, as the program makes one per stack."""
    return secrets.token_urlsafe(32)
