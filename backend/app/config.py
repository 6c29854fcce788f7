"""Every setting the API reads from its environment, read and validated in this one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from app.cors_rules import MAX_AGE_SECONDS

# An origin is scheme, host and optional port: no path, no trailing slash. Browsers send
# exactly that in the Origin header, and CORS compares the two as strings.
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")


class ConfigError(ValueError):
    """A setting in the environment has a value the API cannot run with."""


@dataclass(frozen=True)
class Config:
    stage: str = "local"
    release: str = "dev"
    # The only origin whose pages may read the API's answers; None allows no cross-origin caller.
    allowed_origin: str | None = None
    # Lists and pipelines change whenever a run starts or ends, so caches keep them briefly.
    list_max_age: int = 30
    # A finished run never changes again.
    finished_run_max_age: int = 86_400
    # A queued or running run changes state within seconds to minutes.
    active_run_max_age: int = 5
    # How long a browser may reuse a preflight answer. Chromium caps it at 7200 s and Firefox at
    # 86400 s; asking for a day lets each browser keep it as long as it allows. The API edge keeps
    # a preflight as long (app/cors.py), so a day's preflights per origin cost one invocation.
    cors_max_age: int = MAX_AGE_SECONDS
    # The API edge's secret: when set, only requests carrying it are answered (app/origin.py).
    # None (no edge in front, and the tests) checks nothing. Kept out of repr, and so out of logs.
    origin_secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Config:
        env = os.environ if environ is None else environ
        return cls(
            stage=_text(env, "STAGE", cls.stage),
            release=_text(env, "RELEASE", cls.release),
            allowed_origin=_origin(env, "ALLOWED_ORIGIN"),
            list_max_age=_seconds(env, "LIST_MAX_AGE", cls.list_max_age),
            finished_run_max_age=_seconds(env, "FINISHED_RUN_MAX_AGE", cls.finished_run_max_age),
            active_run_max_age=_seconds(env, "ACTIVE_RUN_MAX_AGE", cls.active_run_max_age),
            cors_max_age=_seconds(env, "CORS_MAX_AGE", cls.cors_max_age),
            origin_secret=_secret(env, "ORIGIN_SECRET"),
        )


def _text(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip()
    return value or default


def _secret(env: Mapping[str, str], name: str) -> str | None:
    # Surrounding whitespace would never survive a header's trip anyway.
    return env.get(name, "").strip() or None


def _origin(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    if not value:
        return None
    if not _ORIGIN.match(value):
        raise ConfigError(
            f"{name}={value!r} is not an origin; expected scheme://host[:port] without a path, "
            "for example https://app.example.com"
        )
    return value


def _seconds(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number of seconds") from None
    if value < 0:
        raise ConfigError(f"{name}={raw!r} must not be negative")
    return value
