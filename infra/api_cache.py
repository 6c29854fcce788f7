"""The API edge's rules, declared once: read by the API's CloudFront distribution
(infra/api_edge.py) and by the local stack's API edge (devserver), like infra/edge.py for the site.

The app decides what may be kept and for how long (its Cache-Control: `public, max-age=N` on
reads, `no-store` on errors); the edge only bounds it and keys it. The methods are the app's own
cross-origin declaration (backend/app/cors_rules.py), loaded from its file because importing it
through the `app` package would load the whole Flask app.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType


def _app_cors_rules() -> ModuleType:
    path = Path(__file__).resolve().parent.parent / "backend" / "app" / "cors_rules.py"
    spec = importlib.util.spec_from_file_location("skyline_cors_rules", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


APP_CORS = _app_cors_rules()

# The edge keeps an answer as long as its Cache-Control says (min 0: `no-store` and
# `max-age=0` are kept for no time) and never longer than a day, the longest the app asks for
# (a finished run): a bad answer can outlive a fix by a day at most.
MIN_TTL_SECONDS = 0
# An answer without Cache-Control is not kept at all.
DEFAULT_TTL_SECONDS = 0
MAX_TTL_SECONDS = 86_400

# The cache key: the path, every query string, and the request headers an answer varies on.
# Origin, because CORS answers differ per origin and one cached for one origin must never answer
# another; the two preflight headers, because a preflight's answer depends on them.
KEY_HEADERS = ("origin", "access-control-request-method", "access-control-request-headers")
ALL_QUERY_STRINGS = True

# The error statuses CloudFront keeps for 10 s by default, whatever the origin says (it only
# honours `no-store` on 404, 410, 414 and 501): each gets an error-caching minimum TTL of 0, with
# no response page or code, so an error reaches the client as the app's JSON, never kept.
UNCACHED_ERROR_STATUSES = (400, 403, 404, 405, 410, 414, 500, 501, 502, 503, 504)

# What the edge keeps: exactly the methods the app serves across origins (GET, HEAD, OPTIONS).
# Any other method passes through to the API uncached.
CACHED_METHODS: tuple[str, ...] = tuple(APP_CORS.ALLOWED_METHODS)
ALL_METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")

# The header the edge adds to every request it forwards, with a per-stack secret. The app refuses
# requests without it, so the API Gateway endpoint, which stays public, answers nothing useful to
# anyone who calls it directly.
ORIGIN_SECRET_HEADER = "x-skyline-origin-verify"

# JSON is never a page: a browser that renders an answer anyway may load nothing and frame
# nothing. The site's other security headers (infra/edge.py) apply as they are.
CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
REFERRER_POLICY = "no-referrer"
