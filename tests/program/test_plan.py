"""The offline plan's command line: the tree, JSON, the policy pack, and its exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import policy.check
from infra import offline, plan, stage


def test_tree_lists_every_resource_and_the_outputs(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["--stack", "dev"]) == 0
    out = capsys.readouterr().out
    run = offline.run("dev")
    assert out.startswith(f"stack dev: {len(run.resources)} resources\n")
    for resource in run.resources:
        assert f"+ {resource.type}  {resource.name}" in out
    assert "outputs:\n" in out and "  alarmTopicArn: arn:aws:sns:" in out


def test_json_holds_inputs_and_dependencies(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["--stack", "prod", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["stack"] == "prod"
    by_name = {r["name"]: r for r in document["resources"]}
    release = by_name["skyline-prod-release-command"]
    assert "skyline-prod-site-cdn" in release["dependsOn"]
    assert by_name["skyline-prod-site-bucket"]["protect"] is True


@pytest.mark.parametrize("stack", offline.stacks())
def test_policy_flag_runs_the_pack(stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["--stack", stack, "--policy"]) == 0
    assert f"policy: stack {stack}: " in capsys.readouterr().out


def test_policy_flag_fails_on_a_mandatory_violation(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The config refuses unsupported runtimes, so the rule is broken in the recorded inputs.

    real = policy.check.policy_violations

    def with_a_broken_rule(run: offline.OfflineRun) -> list[policy.check.Violation]:
        function = run.one("aws:lambda/function:Function")
        function.inputs["runtime"] = "python3.8"
        return real(run)

    monkeypatch.setattr(policy.check, "policy_violations", with_a_broken_rule)
    assert plan.main(["--stack", "dev", "--policy"]) == 1
    out = capsys.readouterr().out
    assert "1 mandatory" in out and "python3.8" in out


def test_unknown_stack_and_bad_config_exit_2(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert plan.main(["--stack", "qa"]) == 2
    assert "no stack file stacks/Pulumi.qa.yaml" in capsys.readouterr().err

    bad = {"config": {"aws:region": "us-east-2", "skyline:priceClass": "PriceClass_50"}}
    (tmp_path / "Pulumi.broken.yaml").write_text(yaml.safe_dump(bad))
    monkeypatch.setattr(stage, "STACKS_DIR", tmp_path)
    assert plan.main(["--stack", "broken"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (
        "error: skyline:priceClass is 'PriceClass_50': one of PriceClass_100, PriceClass_200, "
        "PriceClass_All. Fix: pulumi config set skyline:priceClass PriceClass_100"
    )
