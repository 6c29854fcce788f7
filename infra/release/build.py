"""The local build as the release sees it: files keyed like the bucket, with their hashes."""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from infra import edge
from infra.release.errors import ReleaseError

# Vite's build metadata (manifest.json): useful to tools, never requested by the site.
SKIPPED_DIRECTORIES = frozenset({".vite"})
RELEASE_ID_LENGTH = 12


@dataclass(frozen=True)
class SiteFile:
    """One object of the site: its key, its bytes' hashes, and where the bytes come from."""

    key: str
    size: int
    md5: str
    sha256: str
    path: Path | None = None
    # Generated objects (config.json, robots.txt, the stage's index.html) carry their bytes
    # instead of a path.
    body: bytes | None = None

    @classmethod
    def from_bytes(cls, key: str, body: bytes, path: Path | None = None) -> SiteFile:
        return cls(
            key=key,
            size=len(body),
            md5=hashlib.md5(body, usedforsecurity=False).hexdigest(),
            sha256=hashlib.sha256(body).hexdigest(),
            path=path,
            body=None if path else body,
        )

    def read(self) -> bytes:
        if self.body is not None:
            return self.body
        assert self.path is not None
        return self.path.read_bytes()

    @property
    def content_md5(self) -> str:
        """The Content-MD5 header: S3 rejects the upload if the bytes arrive changed."""
        return base64.b64encode(bytes.fromhex(self.md5)).decode()

    @property
    def content_type(self) -> str:
        return edge.content_type(self.key)

    @property
    def cache_control(self) -> str:
        return edge.cache_control(self.key)

    @property
    def hashed(self) -> bool:
        return edge.is_hashed_asset(self.key)


@dataclass(frozen=True)
class Build:
    source: Path
    files: tuple[SiteFile, ...]
    release: str

    def config_document(self, api_url: str, stage: str) -> dict[str, str]:
        """The stage's runtime config, which names this release (the SPA shows it)."""
        return {"apiUrl": api_url, "stage": stage, "release": self.release}

    def config(self, api_url: str, stage: str) -> SiteFile:
        body = (json.dumps(self.config_document(api_url, stage), indent=2) + "\n").encode()
        return SiteFile.from_bytes(edge.CONFIG_DOCUMENT, body)

    def robots(self, stage: str) -> SiteFile:
        """The stage's robots.txt: indexable on prod only (`edge.robots_txt`)."""
        return SiteFile.from_bytes(edge.ROBOTS_DOCUMENT, edge.robots_txt(stage))

    def index(self, api_url: str) -> SiteFile:
        """The build's index.html with the stage's hints (preconnect to the API, preload of
        config.json); the local edge serves the same bytes through the same function."""
        built = next(f for f in self.files if f.key == edge.INDEX_DOCUMENT)
        try:
            body = edge.stage_index(built.read(), api_url)
        except (ValueError, UnicodeDecodeError) as error:
            raise ReleaseError(
                f"{edge.INDEX_DOCUMENT} cannot take the stage's hints: {error}"
            ) from error
        return SiteFile.from_bytes(edge.INDEX_DOCUMENT, body)

    def stage_site(self, api_url: str, stage: str) -> list[SiteFile]:
        """Every object one stage serves: the build, its index.html as the stage serves it, and
        the stage's own robots.txt and config.json.

        Only these differ between stages. The release id stays a hash of the build as built
        (`release_id`), so one build is one release in every stage; the release record lists
        the bytes actually published, so a rollback restores the stage's own index.html.
        """
        index = self.index(api_url)
        files = [index if f.key == edge.INDEX_DOCUMENT else f for f in self.files]
        return [*files, self.robots(stage), self.config(api_url, stage)]


def read_build(source: Path) -> Build:
    """Hash every file of a Vite build; refuse a build that cannot be served."""
    if not source.exists():
        raise ReleaseError(f"source directory {source} does not exist (run the frontend build)")
    if not source.is_dir():
        raise ReleaseError(f"source {source} is not a directory")
    files: list[SiteFile] = []
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if relative.parts[0] in SKIPPED_DIRECTORIES or not path.is_file():
            continue
        key = relative.as_posix()
        # The release writes the stage's own config.json and robots.txt; a copy in the build is
        # a dev stand-in (scripts/check-dist.mjs refuses both in a real build).
        if key in edge.STAGE_DOCUMENTS:
            continue
        files.append(SiteFile.from_bytes(key, path.read_bytes(), path))
    by_key = {f.key: f for f in files}
    index = by_key.get(edge.INDEX_DOCUMENT)
    if index is None:
        raise ReleaseError(f"{source} has no {edge.INDEX_DOCUMENT}: an empty or failed build")
    missing = sorted(referenced_assets(index.read().decode("utf-8", "replace")) - by_key.keys())
    if missing:
        raise ReleaseError(f"{edge.INDEX_DOCUMENT} names files the build lacks: {missing[:5]}")
    return Build(source=source, files=tuple(files), release=release_id(files))


def release_id(files: list[SiteFile]) -> str:
    """The same bytes under the same names give the same id, whatever the mtimes."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda f: f.key):
        digest.update(f"{f.key}\0{f.sha256}\n".encode())
    return digest.hexdigest()[:RELEASE_ID_LENGTH]


class _AssetLinks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in {"src", "href"} and value:
                key = value.split("?", 1)[0].split("#", 1)[0].removeprefix("/")
                if edge.is_hashed_asset(key):
                    self.keys.add(key)


def referenced_assets(html: str) -> set[str]:
    """The hashed assets an index.html loads by itself (scripts, styles, preloads)."""
    parser = _AssetLinks()
    parser.feed(html)
    return parser.keys
