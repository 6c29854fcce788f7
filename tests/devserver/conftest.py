"""A tiny built frontend and the stand-in handler, so the servers are tested on their own."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from werkzeug.test import Client

from devserver.local_edge import LocalEdge
from tests.devserver.stack import STANDIN_BACKEND

API_ORIGIN = "http://127.0.0.1:18081"
INDEX_HTML = (
    b'<!doctype html><html><head><script type="module" src="/assets/index-3f2a9c1b.js">'
    b"</script></head><body><div id=app></div></body></html>\n"
)


def served_index(api_url: str) -> bytes:
    """INDEX_HTML as a stage serves it: the release tool's hints for the API first in <head>."""
    hints = (
        f'\n    <link rel="preconnect" href="{api_url}" crossorigin>'
        '\n    <link rel="preload" href="/config.json" as="fetch" crossorigin>'
    )
    return INDEX_HTML.replace(b"<head>", b"<head>" + hints.encode(), 1)


SERVED_INDEX_HTML = served_index(API_ORIGIN)
# Over CloudFront's 1,000-byte floor, so the edge compresses it.
ASSET_JS = b"export const rows = [" + b"".join(b'"row %d",' % i for i in range(300)) + b"];\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
SECRET = b"outside the dist folder\n"


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_bytes(INDEX_HTML)
    (root / "assets" / "index-3f2a9c1b.js").write_bytes(ASSET_JS)
    (root / "assets" / "logo-77aa01.png").write_bytes(PNG)
    (root / "favicon.svg").write_bytes(b"<svg xmlns='http://www.w3.org/2000/svg'/>")
    (tmp_path / "secret.txt").write_bytes(SECRET)
    return root


@pytest.fixture
def edge_app(dist: Path) -> LocalEdge:
    return LocalEdge(dist, api_origin=API_ORIGIN)


@pytest.fixture
def edge(edge_app: LocalEdge) -> Client:
    return Client(edge_app, use_cookies=False)


@pytest.fixture(scope="session")
def standin() -> ModuleType:
    # Loaded under its own name so it never shadows a real `handler` module in this process.
    spec = importlib.util.spec_from_file_location("standin_handler", STANDIN_BACKEND / "handler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
