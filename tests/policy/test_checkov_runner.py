"""The Checkov runner's judgement, on reports shaped like Checkov's (Checkov itself runs in
`make checkov`, in its own pinned environment)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra import offline
from policy import checkov, tfplan
from policy.skyline_policies import CONTROL_NAMES, REGISTER
from policy.skyline_policies.register import Register, is_checkov_id, parse


def _check(check_id: str, address: str, name: str = "a check") -> dict[str, Any]:
    return {"check_id": check_id, "check_name": name, "resource": address, "guideline": None}


def _report(passed: list[dict[str, Any]], failed: list[dict[str, Any]]) -> str:
    return json.dumps(
        {
            "check_type": "terraform_plan",
            "results": {"passed_checks": passed, "failed_checks": failed, "parsing_errors": []},
            "summary": {"passed": len(passed), "failed": len(failed), "resource_count": 3},
        }
    )


BUCKET = "aws_s3_bucket.skyline-dev-site-bucket"
FUNCTION = "aws_lambda_function.skyline-dev-api-function"


def test_a_report_gives_passed_and_failed_findings() -> None:
    passed, failed, resources = checkov.parse_report(
        _report([_check("CKV_AWS_21", BUCKET)], [_check("CKV_AWS_18", BUCKET, "access logs")])
    )
    assert [(f.check_id, f.resource) for f in passed] == [("CKV_AWS_21", "skyline-dev-site-bucket")]
    assert [str(f) for f in failed] == [f"CKV_AWS_18 [{BUCKET}]: access logs"]
    assert resources == 3
    # Several frameworks give a list of reports; the plan's is the one read.
    listed = json.dumps([{"check_type": "secrets", "results": {}}, json.loads(_report([], []))])
    assert checkov.parse_report(listed) == ([], [], 3)


@pytest.mark.parametrize(
    ("output", "complaint"),
    [
        ("Traceback (most recent call last):", "not JSON"),
        # What Checkov prints when it did not recognise the file as a plan.
        (json.dumps({"passed": 0, "failed": 0, "resource_count": 0}), "no resources"),
        (
            json.dumps({"results": {"parsing_errors": ["/tmp/dev.tfplan.json"]}, "summary": {}}),
            "could not parse",
        ),
    ],
)
def test_a_report_that_is_not_one_is_an_error(output: str, complaint: str) -> None:
    with pytest.raises(checkov.CheckovError, match=complaint):
        checkov.parse_report(output)


def _register(*entries: tuple[str, str]) -> Register:
    raw = [{"control": c, "resource": r, "reason": "test"} for c, r in entries]
    return parse({"exceptions": raw}, CONTROL_NAMES)


def test_a_failure_is_excepted_only_by_its_check_id_and_resource() -> None:
    failed = [
        checkov.Finding("CKV_AWS_18", "access logs", BUCKET),
        checkov.Finding("CKV_AWS_18", "access logs", "aws_s3_bucket.skyline-dev-other-bucket"),
        checkov.Finding("CKV_AWS_50", "X-Ray", FUNCTION),
    ]
    register = _register(("CKV_AWS_18", "skyline-*-site-bucket"), ("CKV_AWS_115", "skyline-*"))
    result = checkov.judge("dev", 3, [], failed, register)
    assert [f.address for f, _ in result.excepted] == [BUCKET]
    assert [(f.check_id, f.resource) for f in result.failed] == [
        ("CKV_AWS_18", "skyline-dev-other-bucket"),
        ("CKV_AWS_50", "skyline-dev-api-function"),
    ]
    assert result.summary() == (
        f"checkov {checkov.CHECKOV_VERSION}: stack dev: 3 resources, 0 passed, 2 failed, 1 excepted"
    )
    # CKV_AWS_115 excepted nothing: stale. The pack's own entries are not Checkov's to judge.
    assert [e.control for e in checkov.stale(register, [result])] == ["CKV_AWS_115"]


def _scan(
    monkeypatch: pytest.MonkeyPatch,
    runs: dict[str, offline.OfflineRun],
    failed: dict[str, list[dict[str, Any]]],
    register: Register = REGISTER,
) -> list[str]:
    """main() over every stack with Checkov answering `failed` per stack; what it was given."""
    plans: list[str] = []

    def fake(plan: dict[str, Any], _directory: Path, stack: str, _uv: list[str]) -> str:
        plans.append(stack)
        assert plan["planned_values"]["root_module"]["resources"]
        return _report([_check("CKV_AWS_21", BUCKET)], failed.get(stack, []))

    monkeypatch.setattr(offline, "run", lambda stack: runs[stack])
    monkeypatch.setattr(checkov, "run_checkov", fake)
    monkeypatch.setattr(checkov, "REGISTER", register)
    return plans


def _everything_the_register_excepts(
    runs: dict[str, offline.OfflineRun],
) -> dict[str, list[dict[str, Any]]]:
    """Per stack, a failure of each Checkov entry's check on every resource the entry names."""
    return {
        stack: [
            _check(entry.control, f"{tfplan.terraform_type(r.type)}.{r.name}")
            for r in run.resources
            if r.custom and r.type.startswith("aws:")
            for entry in REGISTER.entries
            if is_checkov_id(entry.control) and entry.covers(entry.control, r.name)
        ]
        for stack, run in runs.items()
    }


def test_every_stack_is_scanned_once_and_excepted_failures_pass(
    monkeypatch: pytest.MonkeyPatch,
    runs: dict[str, offline.OfflineRun],
    capsys: pytest.CaptureFixture[str],
) -> None:
    scanned = _scan(monkeypatch, runs, _everything_the_register_excepts(runs))
    assert checkov.main([]) == 0
    assert sorted(scanned) == sorted(offline.stacks())
    out = capsys.readouterr().out
    for stack in offline.stacks():
        assert re.search(rf"stack {stack}: 3 resources, 1 passed, 0 failed, \d+ excepted", out)
    assert "FAILED" not in out and "stale" not in out


def test_a_failure_nobody_excepted_fails_the_run(
    monkeypatch: pytest.MonkeyPatch,
    runs: dict[str, offline.OfflineRun],
    capsys: pytest.CaptureFixture[str],
) -> None:
    failed = _everything_the_register_excepts(runs)
    failed["prod"].append(_check("CKV_AWS_21", "aws_s3_bucket.skyline-prod-site-bucket"))
    _scan(monkeypatch, runs, failed)
    assert checkov.main([]) == checkov.EXIT_FAILED
    out = capsys.readouterr().out
    assert "stack prod: 3 resources, 1 passed, 1 failed" in out
    assert "FAILED CKV_AWS_21 [aws_s3_bucket.skyline-prod-site-bucket]" in out


def test_a_stale_exception_fails_the_run_only_when_every_stack_ran(
    monkeypatch: pytest.MonkeyPatch,
    runs: dict[str, offline.OfflineRun],
    capsys: pytest.CaptureFixture[str],
) -> None:
    _scan(monkeypatch, runs, {})
    assert checkov.main([]) == checkov.EXIT_FAILED
    assert "stale exception: CKV_AWS_18 on skyline-*-site-bucket" in capsys.readouterr().out
    # One stack cannot tell: another stack's resources may need the entry.
    assert checkov.main(["--stack", "dev"]) == 0


def test_checkov_is_pinned_and_isolated() -> None:
    command = checkov.command(Path("dev.tfplan.json"), ["uv"])
    assert command[:3] == ["uv", "tool", "run"]
    assert "--isolated" in command
    assert f"checkov=={checkov.CHECKOV_VERSION}" in command
    assert command[command.index("--constraints") + 1] == str(checkov.CONSTRAINTS)
    assert command[command.index("--framework") + 1] == "terraform_plan"
    # The constraints pin the same Checkov, and every other package, to one version.
    pins = [
        line.split(";")[0].strip()
        for line in checkov.CONSTRAINTS.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert f"checkov=={checkov.CHECKOV_VERSION}" in pins
    assert all(re.fullmatch(r"[A-Za-z0-9._-]+==[A-Za-z0-9.+!-]+", pin) for pin in pins), pins
