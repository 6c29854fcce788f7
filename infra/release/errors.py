"""The one error type the CLI turns into a single `release: error: ...` line."""

from __future__ import annotations


class ReleaseError(Exception):
    """An expected failure (bad input, missing bucket, ...): reported without a traceback."""
