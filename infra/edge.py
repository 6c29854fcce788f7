"""The edge rules, declared once.

CloudFront (`infra/site.py`), the release tool (`infra/release`) and the local edge server all
read this module, so a rule changed here changes everywhere. It imports nothing from Pulumi so
that the release tool and the local server stay light.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import urlsplit

INDEX_DOCUMENT = "index.html"
CONFIG_DOCUMENT = "config.json"
ROBOTS_DOCUMENT = "robots.txt"
# Written per stage by the release tool (and answered by the local edge for the local stage),
# never taken from the build: one build goes to every stage.
STAGE_DOCUMENTS = (CONFIG_DOCUMENT, ROBOTS_DOCUMENT)
ASSETS_PREFIX = "assets/"
# The release tool's --stage value (the stack's name) of the one stage search engines may index.
PRODUCTION_STAGE = "prod"
# The release tool's records and old copies (infra/release/records.py). The bucket policy keeps
# CloudFront out of it: a viewer asking gets what any unreadable key gets (the SPA rewrite).
RELEASES_PREFIX = "_releases/"

# Vite puts a content hash in every file name under assets/, so a name never changes meaning:
# browsers and the CDN may keep it for a year without asking again.
IMMUTABLE = "public, max-age=31536000, immutable"
# Everything else (index.html, config.json, public/ files) keeps its name across releases, so
# every use revalidates; with ETags that costs a 304, not a download.
NO_CACHE = "no-cache"


def is_hashed_asset(key: str) -> bool:
    return key.startswith(ASSETS_PREFIX)


def cache_control(key: str) -> str:
    """The Cache-Control header for an object key (a path relative to the site root)."""
    return IMMUTABLE if is_hashed_asset(key) else NO_CACHE


@dataclass(frozen=True)
class ErrorRewrite:
    """An origin error that the edge answers with the SPA's entry document instead."""

    origin_status: int
    response_status: int
    response_page: str
    # How long the edge may keep the rewritten answer for that path. Zero: an invalidation of
    # /index.html cannot reach answers cached under deep-link paths (/pipelines/7), so any
    # cached rewrite would serve the previous release's index.html after a deploy. With zero,
    # each deep link costs one cheap origin miss and then reads /index.html through the cache,
    # which the release invalidates.
    caching_min_ttl: int = 0


# A private bucket answers 403 for a missing key (the CDN's principal may not list it) and
# 404 where listing is allowed, so both must fall back to the client-side router.
ERROR_REWRITES: tuple[ErrorRewrite, ...] = (
    ErrorRewrite(origin_status=403, response_status=200, response_page=f"/{INDEX_DOCUMENT}"),
    ErrorRewrite(origin_status=404, response_status=200, response_page=f"/{INDEX_DOCUMENT}"),
)

# An explicit table rather than the `mimetypes` module: its answers depend on the machine's
# /etc/mime.types, and the same build must get the same headers from every deployer.
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
    ".xml": "application/xml",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".wasm": "application/wasm",
}
DEFAULT_CONTENT_TYPE = "application/octet-stream"


def content_type(key: str) -> str:
    return _CONTENT_TYPES.get(PurePosixPath(key).suffix.lower(), DEFAULT_CONTENT_TYPE)


def robots_txt(stage: str) -> bytes:
    """The stage's /robots.txt: crawl everything on prod, nothing anywhere else.

    Staging and dev copies of the site must not show up in search results next to prod's.
    """
    rule = "Allow: /" if stage == PRODUCTION_STAGE else "Disallow: /"
    return f"User-agent: *\n{rule}\n".encode()


def api_origin(api_url: str) -> str:
    """The origin of the API's URL (`https://api.example.com/prod` gives `https://api.example.com`)."""
    parts = urlsplit(api_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"the API URL must be an absolute http(s) URL, not {api_url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def stage_hints(api_url: str) -> str:
    """The resource hints a stage's index.html carries, one per line.

    The SPA reads config.json to learn the API's address, then asks the API: without hints the
    browser learns of both only once the entry script has run. With them the HTML's preload
    scanner opens the API's connection and fetches config.json while the entry script downloads.
    `crossorigin` (anonymous) on both matches the app's requests: fetch() defaults to credentials
    mode "same-origin" and the API's CORS requests carry no credentials, so the preloaded answer
    and the warm connection are the ones those requests can use (without it the preload is a
    second download and Chromium warns in the console).

    Why the release tool writes them, rather than a static preload in frontend/index.html and a
    preconnect added by the app once it has read config.json: measured in Chromium (4x CPU
    slowdown, 150 ms RTT, 1.6 Mbit/s, a new connection costing DNS + TCP + TLS), both cut the
    largest paint by about 0.5 s on every page, nearly all of it from the preload; the API's
    answer then took 160-220 ms with these hints and 180-270 ms with the app's preconnect, which
    starts only after the entry script has downloaded and run, so its head start shrinks as that
    script grows or the phone slows. Lighthouse's simulation cannot tell them apart (it does not
    model preconnects). The cost is an index.html per stage, as config.json already is.
    """
    origin = html.escape(api_origin(api_url), quote=True)
    return _HINT_INDENT.join(
        (
            f'<link rel="preconnect" href="{origin}" crossorigin>',
            f'<link rel="preload" href="/{CONFIG_DOCUMENT}" as="fetch" crossorigin>',
        )
    )


def stage_index(build_index: bytes, api_url: str) -> bytes:
    """The build's index.html as a stage serves it: with `stage_hints` first in its <head>.

    The release tool publishes this (so index.html differs per stage, like config.json) and the
    local edge serves it for its local API; one function, so both write the same bytes. The
    release id stays a hash of the build's own bytes. Applying it twice changes nothing more.
    """
    text = build_index.decode("utf-8")
    hints = stage_hints(api_url)
    if hints in text:
        return build_index
    head = _HEAD_START.search(text)
    if head is None:
        raise ValueError(f"{INDEX_DOCUMENT} has no <head> to put the stage's hints in")
    # Right after <meta charset>, when it opens the head (it must stay in the first 1,024 bytes).
    charset = _CHARSET_META.match(text, head.end())
    at = charset.end() if charset else head.end()
    return (text[:at] + _HINT_INDENT + hints + text[at:]).encode("utf-8")


_HINT_INDENT = "\n    "
_HEAD_START = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_CHARSET_META = re.compile(r"\s*<meta\s+charset=[^>]*>", re.IGNORECASE)


# CloudFront compresses only objects between 1,000 bytes and 10,000,000 bytes; smaller bodies
# gain nothing and larger ones go out as they are.
COMPRESS_MIN_BYTES = 1_000
COMPRESS_MAX_BYTES = 10_000_000


def is_compressible(content_type_value: str) -> bool:
    """Whether the edge compresses a body of this type (text formats; images are compressed)."""
    kind = content_type_value.split(";", 1)[0].strip()
    return kind.startswith("text/") or kind in {
        "application/json",
        "application/manifest+json",
        "application/xml",
        "application/wasm",
        "image/svg+xml",
        "image/x-icon",
    }


# Two years, the value browsers' preload lists ask for.
HSTS_MAX_AGE_SECONDS = 63_072_000
FRAME_OPTIONS = "DENY"
REFERRER_POLICY = "strict-origin-when-cross-origin"
PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
CROSS_ORIGIN_OPENER_POLICY = "same-origin"


@dataclass(frozen=True)
class SecurityHeaders:
    """The response headers every site response carries; only the API origin varies by stage."""

    api_origin: str

    def content_security_policy(self) -> str:
        # Vite emits every script as a file under assets/, so scripts never need
        # 'unsafe-inline' or 'unsafe-eval'; data: images are Vite's inlined small assets.
        directives = (
            ("default-src", "'none'"),
            ("script-src", "'self'"),
            ("style-src", "'self'"),
            ("img-src", "'self' data:"),
            ("font-src", "'self'"),
            ("manifest-src", "'self'"),
            ("connect-src", f"'self' {self.api_origin}"),
            ("base-uri", "'self'"),
            ("form-action", "'self'"),
            ("frame-ancestors", "'none'"),
            ("object-src", "'none'"),
        )
        return "; ".join(f"{name} {value}" for name, value in directives)

    def custom(self) -> dict[str, str]:
        """Headers CloudFront has no dedicated setting for."""
        return {
            "Permissions-Policy": PERMISSIONS_POLICY,
            "Cross-Origin-Resource-Policy": CROSS_ORIGIN_RESOURCE_POLICY,
            "Cross-Origin-Opener-Policy": CROSS_ORIGIN_OPENER_POLICY,
        }

    def as_http(self) -> dict[str, str]:
        """Every header as it goes on the wire (what the local edge server sends)."""
        return {
            "Strict-Transport-Security": f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains",
            "Content-Security-Policy": self.content_security_policy(),
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": FRAME_OPTIONS,
            "Referrer-Policy": REFERRER_POLICY,
            **self.custom(),
        }
