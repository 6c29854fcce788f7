"""Fixtures over the shared runs (tests/conftest.py): one stack's, or each domain stack's."""

from __future__ import annotations

import pytest

from infra import offline

STACKS = offline.stacks()


@pytest.fixture(params=STACKS)
def run(request: pytest.FixtureRequest, runs: dict[str, offline.OfflineRun]) -> offline.OfflineRun:
    return runs[request.param]


@pytest.fixture(params=[s for s in STACKS if "skyline:domain" in offline.read_stack_config(s)])
def domain_run(
    request: pytest.FixtureRequest, runs: dict[str, offline.OfflineRun]
) -> offline.OfflineRun:
    return runs[request.param]
