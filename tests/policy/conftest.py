"""Edited copies of the shared runs (tests/conftest.py), for the policy pack to judge."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from infra import offline

Edit = Callable[[offline.OfflineRun], None]


@pytest.fixture
def edited(runs: dict[str, offline.OfflineRun]) -> Callable[[str, Edit], offline.OfflineRun]:
    """A deep copy of a stack's run with one edit applied, so the cached runs stay pristine."""

    def make(stack: str, edit: Edit) -> offline.OfflineRun:
        run = copy.deepcopy(runs[stack])
        edit(run)
        return run

    return make
