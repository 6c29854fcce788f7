"""Builds in the shape Vite writes them: hashed assets, lazy chunks, index.html, .vite/manifest."""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from infra import edge


def _hashed(name: str, suffix: str, body: str) -> str:
    return f"assets/{name}-{hashlib.sha256(body.encode()).hexdigest()[:8]}{suffix}"


@dataclass
class Sources:
    """What a developer edits; `write_build` turns it into dist/ output."""

    app: str = "console.log('app v1')"
    about: str = "export default { name: 'About', v: 1 }"
    runs: str = "export default { name: 'Runs', v: 1 }"
    style: str = "body { color: #123 }"
    favicon: str = "<svg xmlns='http://www.w3.org/2000/svg'><circle r='4'/></svg>"
    extra_chunks: dict[str, str] = field(default_factory=dict)


def write_build(root: Path, sources: Sources) -> Path:
    """Writes a fresh build (every file rewritten, new mtimes) and returns its directory."""
    chunks = {"About": sources.about, "Runs": sources.runs, **sources.extra_chunks}
    chunk_files = {name: _hashed(name, ".js", body) for name, body in chunks.items()}
    imports = ";".join(f"import('/{key}')" for key in chunk_files.values())
    entry_body = f"{sources.app};{imports}"
    entry = _hashed("index", ".js", entry_body)
    css = _hashed("index", ".css", sources.style)
    index = (
        '<!doctype html>\n<html lang="en">\n<head>\n'
        '<link rel="icon" href="/favicon.svg">\n'
        f'<script type="module" crossorigin src="/{entry}"></script>\n'
        f'<link rel="stylesheet" crossorigin href="/{css}">\n'
        '</head>\n<body><div id="app"></div></body>\n</html>\n'
    )
    files = {
        "index.html": index,
        "favicon.svg": sources.favicon,
        entry: entry_body,
        css: sources.style,
        **{chunk_files[name]: body for name, body in chunks.items()},
        ".vite/manifest.json": json.dumps({"index.html": {"file": entry, "css": [css]}}),
    }
    root.mkdir(parents=True, exist_ok=True)
    stamp = time.time() + 10
    for key, body in files.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body)
        # A later build always has later mtimes, the signal `aws s3 sync` goes by.
        os.utime(path, (stamp, stamp))
    return root


def referenced(root: Path) -> list[str]:
    """Every asset the build's index.html loads, as bucket keys."""
    html = (root / "index.html").read_text()
    return sorted(
        part.split('"', 1)[0].lstrip("/")
        for part in html.split('="')[1:]
        if part.startswith("/assets/")
    )


def published_index(root: Path, api_url: str) -> bytes:
    """The index.html a stage serves for the build at `root`: the build's, with the hints for
    the stage's API (its literal form is asserted in test_deploy.py)."""
    return edge.stage_index((root / "index.html").read_bytes(), api_url)


def fresh_copy(root: Path, target: Path) -> Path:
    """The same bytes under new mtimes, as a rebuild of unchanged sources produces."""
    stamp = time.time() + 100
    for path in sorted(root.rglob("*")):
        if path.is_file():
            copy = target / path.relative_to(root)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_bytes(path.read_bytes())
            os.utime(copy, (stamp, stamp))
    return target
