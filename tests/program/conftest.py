"""Each stack file in stacks/ run once through the real __main__.py under Pulumi's mocks."""

from __future__ import annotations

import pytest

from infra import offline

STACKS = offline.stacks()


@pytest.fixture(scope="session")
def runs() -> dict[str, offline.OfflineRun]:
    results = {stack: offline.run(stack) for stack in STACKS}
    for stack, result in results.items():
        assert result.error is None, f"{stack}: {result.error}"
        assert result.resources, f"{stack} registered nothing"
    return results


@pytest.fixture(params=STACKS)
def run(request: pytest.FixtureRequest, runs: dict[str, offline.OfflineRun]) -> offline.OfflineRun:
    return runs[request.param]


@pytest.fixture(params=[s for s in STACKS if "skyline:domain" in offline.read_stack_config(s)])
def domain_run(
    request: pytest.FixtureRequest, runs: dict[str, offline.OfflineRun]
) -> offline.OfflineRun:
    return runs[request.param]
