"""A first `pulumi preview` of every stack: nothing exists yet, every computed output is unknown."""

from __future__ import annotations

import pytest
from pulumi.output import Unknown

from infra import offline


@pytest.mark.parametrize("stack", offline.stacks())
def test_preview_registers_what_up_registers(
    stack: str, runs: dict[str, offline.OfflineRun]
) -> None:
    preview = offline.run(stack, preview=True)
    assert preview.error is None, f"{stack}: {preview.error}"
    registered = sorted((r.type, r.name) for r in preview.resources)
    assert registered == sorted((r.type, r.name) for r in runs[stack].resources)
    # The mocks really answered with unknowns: a preview that saw ids would prove nothing.
    assert preview.outputs["bucketName"] is None
    assert preview.outputs["release"] is None
    command = preview.one("command:local:Command")
    assert isinstance(command.outputs["stdout"], Unknown)
    assert isinstance(preview.one("aws:s3/bucket:Bucket").outputs["arn"], Unknown)
    # Values known before anything exists stay known.
    assert preview.outputs["siteUrl"] == runs[stack].outputs["siteUrl"] or (
        "skyline:domain" not in preview.config and preview.outputs["siteUrl"] is None
    )
