"""Shared by every test folder: each stack file run once through the real program under mocks."""

from __future__ import annotations

import pytest

from infra import offline


@pytest.fixture(scope="session")
def runs() -> dict[str, offline.OfflineRun]:
    results = {stack: offline.run(stack) for stack in offline.stacks()}
    for stack, result in results.items():
        assert result.error is None, f"{stack}: {result.error}"
        assert result.resources, f"{stack} registered nothing"
    return results


@pytest.fixture(scope="session")
def gateway_runs() -> dict[str, offline.OfflineRun]:
    """Every stack with the API edge off: the API served by API Gateway itself."""
    results = {}
    for stack in offline.stacks():
        config = {**offline.read_stack_config(stack), "skyline:apiEdge": "false"}
        results[stack] = offline.run(stack, config)
        assert results[stack].error is None, f"{stack}: {results[stack].error}"
    return results
