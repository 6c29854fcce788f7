"""Every control passes on what the real program registers, for every stack, and none passes
only because it found nothing to look at."""

from __future__ import annotations

import pytest
from pulumi_policy import EnforcementLevel

from infra import offline
from policy import check
from policy.skyline_policies import ALL, CONTROL_NAMES, CONTROLS, REGISTER
from policy.skyline_policies.controls import ResourceControl


@pytest.mark.parametrize("stack", offline.stacks())
def test_every_policy_passes_on_the_program(
    stack: str, runs: dict[str, offline.OfflineRun]
) -> None:
    assert check.policy_violations(runs[stack]) == []


def test_one_policy_per_control_named_after_it() -> None:
    assert [policy.name for policy in ALL] == list(CONTROL_NAMES)
    assert all(name.replace("-", "").isalnum() and name.islower() for name in CONTROL_NAMES)


def test_only_the_waf_control_is_advisory() -> None:
    levels = {policy.name: policy.enforcement_level for policy in ALL}
    assert {n for n, lvl in levels.items() if lvl == EnforcementLevel.ADVISORY} == {
        "cloudfront-waf"
    }
    assert all(
        lvl in (EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY) for lvl in levels.values()
    )


@pytest.mark.parametrize(
    "control", [c for c in CONTROLS if isinstance(c, ResourceControl)], ids=lambda c: c.name
)
def test_every_resource_control_sees_the_resources_it_governs(
    control: ResourceControl, runs: dict[str, offline.OfflineRun]
) -> None:
    """A control whose types the program never registers would pass vacuously."""
    seen = {r.type for run in runs.values() for r in run.resources if r.type in control.types}
    # Each control lists the S3/IAM types it governs generally; the program must use at least
    # one of them, and the types the program registers are the ones the tests break.
    assert seen, f"{control.name}: the program registers none of {sorted(control.types)}"


def test_the_exceptions_are_what_keep_their_controls_quiet(
    runs: dict[str, offline.OfflineRun],
) -> None:
    """Without the register, exactly the excepted resources fail: each entry is needed."""
    from policy.skyline_policies import Register, build

    for stack, run in runs.items():
        found = check.policy_violations(run, build(Register()))
        # prod turns the WAF on (`waf: true`); the others rely on the exceptions.
        no_waf = (
            []
            if stack == "prod"
            else [
                ("cloudfront-waf", f"skyline-{stack}-api-edge-cdn", "advisory"),
                ("cloudfront-waf", f"skyline-{stack}-site-cdn", "advisory"),
            ]
        )
        assert sorted((v.policy, v.name, v.level) for v in found) == [
            *no_waf,
            # S3.9: only CloudFront reads the bucket, and CloudFront logs every request.
            ("s3-access-logging", f"skyline-{stack}-site-bucket", "mandatory"),
            # SNS.1: CloudWatch alarms cannot publish to a topic under the AWS managed key.
            ("sns-encryption", f"skyline-{stack}-observability-alarms", "mandatory"),
            ("sns-encryption", f"skyline-{stack}-observability-edge-alarms", "mandatory"),
        ]


def test_every_registered_exception_matches_a_resource(
    runs: dict[str, offline.OfflineRun],
) -> None:
    names = {r.name for run in runs.values() for r in run.resources}
    for entry in REGISTER.entries:
        assert any(entry.covers(entry.control, name) for name in names), (
            f"stale exception: {entry.control} on {entry.resource} matches no resource"
        )


def test_the_command_line_passes_for_every_stack(
    runs: dict[str, offline.OfflineRun],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(offline, "run", lambda stack: runs[stack])
    assert check.main([]) == 0
    out = capsys.readouterr().out
    for stack in offline.stacks():
        assert f"policy: stack {stack}: {len(ALL)} policies" in out
    assert "0 mandatory and 0 advisory violation(s)" in out
