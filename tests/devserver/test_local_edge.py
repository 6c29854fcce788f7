"""The local edge applies infra/edge.py's rules to a built frontend."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import brotli  # type: ignore[import-untyped]
import pytest
from werkzeug.test import Client

from devserver.local_edge import DistError, LocalEdge
from infra import edge as rules
from infra.release.build import read_build
from tests.devserver.conftest import API_ORIGIN, ASSET_JS, INDEX_HTML, PNG, SERVED_INDEX_HTML

ASSET = "/assets/index-3f2a9c1b.js"


def _rewrite_status() -> int:
    # What the CDN answers for a key the private bucket does not have.
    (rewrite,) = [r for r in rules.ERROR_REWRITES if r.origin_status == 403]
    return rewrite.response_status


def test_root_is_the_index_document_with_no_cache_and_security_headers(edge: Client) -> None:
    response = edge.get("/")
    assert response.status_code == 200
    assert response.data == SERVED_INDEX_HTML
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Type"] == rules.content_type("index.html")
    for name, value in rules.SecurityHeaders(api_origin=API_ORIGIN).as_http().items():
        assert response.headers[name] == value


@pytest.mark.parametrize("path", ["/pipelines/7", "/runs/42", "/no/such/page", "/assets/gone.js"])
def test_a_missing_path_answers_the_index_document_as_error_rewrites_say(
    edge: Client, path: str
) -> None:
    response = edge.get(path)
    assert response.status_code == _rewrite_status() == 200
    assert response.data == SERVED_INDEX_HTML
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = response.headers["Content-Security-Policy"]
    (connect_src,) = [d for d in csp.split("; ") if d.startswith("connect-src ")]
    assert API_ORIGIN in connect_src.split()


def test_a_hashed_asset_is_immutable_with_its_content_type(edge: Client) -> None:
    response = edge.get(ASSET)
    assert response.status_code == 200
    assert response.data == ASSET_JS
    # A year, immutable: literal, so a change to the rule itself fails here.
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    png = edge.get("/assets/logo-77aa01.png")
    assert png.data == PNG
    assert png.headers["Content-Type"] == "image/png"
    assert png.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    svg = edge.get("/favicon.svg")
    assert svg.headers["Content-Type"] == "image/svg+xml"
    assert svg.headers["Cache-Control"] == rules.NO_CACHE


@pytest.mark.parametrize(
    ("accept", "encoding", "decode"),
    [
        ("gzip", "gzip", gzip.decompress),
        ("br", "br", brotli.decompress),
        ("gzip, deflate, br", "br", brotli.decompress),
        ("gzip, br;q=0", "gzip", gzip.decompress),
    ],
)
def test_text_is_compressed_when_the_client_asks(
    edge: Client, accept: str, encoding: str, decode: object
) -> None:
    response = edge.get(ASSET, headers={"Accept-Encoding": accept})
    assert response.headers["Content-Encoding"] == encoding
    assert response.headers["Vary"] == "Accept-Encoding"
    assert len(response.data) < len(ASSET_JS)
    assert decode(response.data) == ASSET_JS  # type: ignore[operator]


def test_no_compression_unasked_for_images_or_below_the_size_floor(edge: Client) -> None:
    plain = edge.get(ASSET)
    assert "Content-Encoding" not in plain.headers
    assert plain.data == ASSET_JS
    image = edge.get("/assets/logo-77aa01.png", headers={"Accept-Encoding": "gzip, br"})
    assert not rules.is_compressible(image.headers["Content-Type"])
    assert "Content-Encoding" not in image.headers
    assert image.data == PNG
    small = edge.get("/", headers={"Accept-Encoding": "gzip, br"})
    assert "Content-Encoding" not in small.headers
    assert small.data == SERVED_INDEX_HTML


@pytest.mark.parametrize("accept", [None, "gzip", "br"])
def test_a_known_etag_gets_304_without_a_body(edge: Client, accept: str | None) -> None:
    headers = {"Accept-Encoding": accept} if accept else {}
    first = edge.get(ASSET, headers=headers)
    etag = first.headers["ETag"]
    again = edge.get(ASSET, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == rules.IMMUTABLE
    stale = edge.get(ASSET, headers={**headers, "If-None-Match": '"0000"'})
    assert stale.status_code == 200
    assert stale.data == first.data


def test_the_etag_is_the_objects_md5_as_s3_gives_it(edge: Client) -> None:
    response = edge.get("/")
    assert response.headers["ETag"] == f'"{hashlib.md5(SERVED_INDEX_HTML).hexdigest()}"'
    deep = edge.get("/runs/1", headers={"If-None-Match": response.headers["ETag"]})
    assert deep.status_code == 304


@pytest.mark.parametrize(
    "path",
    ["/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"],
)
def test_no_path_leads_outside_the_dist_folder(edge: Client, path: str) -> None:
    response = edge.get(path)
    assert b"outside the dist folder" not in response.data
    assert response.data == SERVED_INDEX_HTML


def test_a_symlink_out_of_dist_is_not_followed(dist: Path, edge: Client) -> None:
    (dist / "leak.txt").symlink_to(dist.parent / "secret.txt")
    assert edge.get("/leak.txt").data == SERVED_INDEX_HTML


def test_head_has_the_headers_and_no_body(edge: Client) -> None:
    response = edge.head(ASSET)
    assert response.status_code == 200
    assert response.data == b""
    assert response.headers["Content-Length"] == str(len(ASSET_JS))
    assert response.headers["Cache-Control"] == rules.IMMUTABLE


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_only_get_and_head_are_served(edge: Client, method: str) -> None:
    response = edge.open("/", method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD"}


def test_config_points_at_the_local_api_with_the_index_hash_as_release(
    dist: Path, edge: Client
) -> None:
    response = edge.get("/config.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == rules.content_type("config.json")
    assert response.headers["Cache-Control"] == "no-cache"
    config = json.loads(response.data)
    release = hashlib.sha256(INDEX_HTML).hexdigest()[:12]
    assert config == {"apiUrl": API_ORIGIN, "stage": "local", "release": release}

    # A rebuilt dist is a new release, noticed without a restart.
    (dist / "index.html").write_bytes(INDEX_HTML.replace(b"3f2a9c1b", b"0badcafe"))
    assert json.loads(edge.get("/config.json").data)["release"] != release


def test_config_takes_the_release_a_release_tool_wrote_and_keeps_local_endpoints(
    dist: Path, edge: Client
) -> None:
    written = {
        "apiUrl": "https://api.example.com",
        "stage": "prod",
        "release": "r-20260101",
        "releaseCheckSeconds": 5,
    }
    (dist / "config.json").write_text(json.dumps(written))
    config = json.loads(edge.get("/config.json").data)
    assert config == {
        "apiUrl": API_ORIGIN,
        "stage": "local",
        "release": "r-20260101",
        "releaseCheckSeconds": 5,
    }


def test_config_etag_changes_with_the_release(dist: Path, edge: Client) -> None:
    first = edge.get("/config.json")
    assert (
        edge.get("/config.json", headers={"If-None-Match": first.headers["ETag"]}).status_code
        == 304
    )
    (dist / "config.json").write_text('{"release": "next"}')
    second = edge.get("/config.json", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert json.loads(second.data)["release"] == "next"


def test_a_broken_config_in_dist_is_a_clear_error(dist: Path, edge_app: LocalEdge) -> None:
    (dist / "config.json").write_text("{not json")
    with pytest.raises(DistError, match=r"config\.json is not valid JSON"):
        edge_app.config()


def test_a_dist_without_index_is_refused_with_the_build_command(tmp_path: Path) -> None:
    with pytest.raises(DistError, match="npm run build"):
        LocalEdge(tmp_path, api_origin=API_ORIGIN)


def test_a_dist_being_rebuilt_answers_503_not_a_traceback(dist: Path, edge: Client) -> None:
    # Vite empties the output folder before it writes the new build.
    (dist / "index.html").unlink()
    response = edge.get("/pipelines/1")
    assert response.status_code == 503
    assert response.headers["Cache-Control"] == "no-store"
    assert b"npm run build" in response.data
    assert edge.get(ASSET).status_code == 200


def test_the_index_document_is_the_one_the_release_tool_publishes(dist: Path, edge: Client) -> None:
    # One function writes the hints for both, so `make dev` loads as a deployed stage does.
    published = read_build(dist).index(API_ORIGIN).read()
    assert published == SERVED_INDEX_HTML
    assert edge.get("/").data == published
    assert edge.get("/pipelines/7").data == published
    # A dist that already carries them (a copy of a published index.html) gets them once.
    (dist / "index.html").write_bytes(SERVED_INDEX_HTML)
    assert edge.get("/").data == SERVED_INDEX_HTML


def test_an_index_without_a_head_answers_503_naming_the_file(dist: Path, edge: Client) -> None:
    (dist / "index.html").write_bytes(b"<!doctype html><body><div id=app></div></body>\n")
    response = edge.get("/")
    assert response.status_code == 503
    assert b"index.html cannot be served" in response.data
    assert b"no <head>" in response.data


@pytest.mark.parametrize("head", [False, True])
def test_robots_txt_keeps_crawlers_off_the_local_stage(
    dist: Path, edge: Client, head: bool
) -> None:
    # What the release tool writes for any stage but prod; never the SPA's index.html, and
    # never a robots.txt that found its way into the build.
    (dist / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    response = edge.head("/robots.txt") if head else edge.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Content-Length"] == "26"
    if not head:
        assert response.data == b"User-agent: *\nDisallow: /\n"


def test_release_records_are_never_served(dist: Path, edge: Client) -> None:
    # CloudFront is denied _releases/ by the bucket policy: S3 answers it 403, which the
    # rewrites turn into the index document, as for any key it cannot read.
    (dist / "_releases").mkdir()
    (dist / "_releases" / "abc123.json").write_text('{"files": {}}')
    response = edge.get("/_releases/abc123.json")
    assert response.status_code == 200
    assert b'{"files"' not in response.data
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
