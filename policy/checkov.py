"""Checkov on every stack's offline plan, with the exceptions register applied.

    python -m policy.checkov [--stack dev ...] [--keep DIR] [--verbose]

Each stack's program runs under the mocks (`infra.offline`), becomes a Terraform plan
(`policy.tfplan`) and goes through Checkov's `terraform_plan` framework once. A failed check is
excepted when `policy/exceptions.yaml` has an entry for its id (`control: CKV_AWS_18`) and the
resource's logical name (or a glob of it); any other failure fails the run. So does an entry
for a Checkov id that excepted nothing on any stack (only checked when every stack runs): a
stale exception would quietly excuse the next resource that matches it.

Checkov pins many libraries of its own, so it never enters the project's lockfile: `uv tool
run` installs it in a throwaway environment, at CHECKOV_VERSION with every dependency pinned by
`policy/checkov-constraints.txt` (regenerate it with the command in its first line). Checkov is
told not to reach its platform or check for updates: it reads the plan and nothing else.

Exit status: 0 when every failure is excepted, 1 when one is not (or an exception is stale), 2
when a stack's config is bad or Checkov could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from infra import offline
from policy import tfplan
from policy.check import valid_run
from policy.skyline_policies import REGISTER
from policy.skyline_policies.register import Exemption, Register, is_checkov_id

CHECKOV_VERSION = "3.3.30"
CONSTRAINTS = Path(__file__).resolve().parent / "checkov-constraints.txt"
FRAMEWORK = "terraform_plan"
EXIT_FAILED = 1
EXIT_ERROR = 2
# Checkov without its platform: no API key, no policy or guideline downloads, no update check.
CHECKOV_ENVIRONMENT = {
    "BC_SKIP_MAPPING": "TRUE",
    "CKV_SKIP_PACKAGE_UPDATE_CHECK": "true",
    "UV_PYTHON_DOWNLOADS": "never",
}


class CheckovError(RuntimeError):
    """Checkov did not run, or said something other than a report."""


@dataclass(frozen=True)
class Finding:
    check_id: str
    check_name: str
    address: str
    guideline: str | None = None

    @property
    def resource(self) -> str:
        return tfplan.logical_name(self.address)

    def __str__(self) -> str:
        return f"{self.check_id} [{self.address}]: {self.check_name}"


@dataclass
class StackResult:
    stack: str
    resources: int
    passed: list[Finding] = field(default_factory=list)
    failed: list[Finding] = field(default_factory=list)
    excepted: list[tuple[Finding, Exemption]] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"checkov {CHECKOV_VERSION}: stack {self.stack}: {self.resources} resources, "
            f"{len(self.passed)} passed, {len(self.failed)} failed, "
            f"{len(self.excepted)} excepted"
        )


def default_uv() -> list[str]:
    """uv as the Makefile finds it: on PATH, else the one pip installed for python3."""
    found = shutil.which("uv")
    return [found] if found else ["python3", "-m", "uv"]


def command(plan_file: Path, uv: Sequence[str]) -> list[str]:
    return [
        *uv,
        "tool",
        "run",
        # A fresh environment from the pins, never a `uv tool install`ed checkov of another version.
        "--isolated",
        # The interpreter the project tests on (uv makes the tool's environment from its base).
        "--python",
        sys.executable,
        "--from",
        f"checkov=={CHECKOV_VERSION}",
        "--constraints",
        str(CONSTRAINTS),
        "checkov",
        "--file",
        str(plan_file),
        "--framework",
        FRAMEWORK,
        "--output",
        "json",
        "--skip-download",
    ]


def _findings(checks: Any) -> list[Finding]:
    return [
        Finding(
            check_id=str(check["check_id"]),
            check_name=str(check.get("check_name", "")),
            address=str(check["resource"]),
            guideline=check.get("guideline"),
        )
        for check in checks or []
    ]


def parse_report(text: str) -> tuple[list[Finding], list[Finding], int]:
    """(passed, failed, resource count) from Checkov's JSON output for one framework."""
    try:
        report = json.loads(text)
    except json.JSONDecodeError as error:
        raise CheckovError(f"Checkov's output is not JSON ({error.msg}): {text[:200]!r}") from error
    if isinstance(report, list):  # One report per framework; this runs one.
        report = next((r for r in report if r.get("check_type") == FRAMEWORK), {})
    if not isinstance(report, Mapping):
        raise CheckovError(f"unexpected Checkov output: {text[:200]!r}")
    if "results" not in report:
        # Checkov's empty report is a bare summary: it found no plan to scan.
        raise CheckovError(f"Checkov found no resources in the plan: {report}")
    results = report["results"]
    if results.get("parsing_errors"):
        raise CheckovError(f"Checkov could not parse the plan: {results['parsing_errors']}")
    summary = report.get("summary", {})
    return (
        _findings(results.get("passed_checks")),
        _findings(results.get("failed_checks")),
        int(summary.get("resource_count", 0)),
    )


def run_checkov(plan: Mapping[str, Any], directory: Path, stack: str, uv: Sequence[str]) -> str:
    """Checkov's JSON report on one plan, written to `directory`/<stack>.tfplan.json."""
    plan_file = directory / f"{stack}.tfplan.json"
    plan_file.write_text(json.dumps(plan, indent=1, sort_keys=True, default=str))
    try:
        done = subprocess.run(
            command(plan_file, uv),
            capture_output=True,
            text=True,
            env={**os.environ, **CHECKOV_ENVIRONMENT},
            check=False,
        )
    except OSError as error:
        raise CheckovError(f"cannot run uv ({shlex.join(uv)}): {error}") from error
    # Checkov exits 1 when a check fails; that is a report like any other.
    if done.returncode not in (0, 1):
        raise CheckovError(
            f"Checkov exited {done.returncode}: {(done.stderr or done.stdout).strip()[-2000:]}"
        )
    (directory / f"{stack}.checkov.json").write_text(done.stdout)
    return done.stdout


def judge(
    stack: str, resources: int, passed: list[Finding], failed: list[Finding], register: Register
) -> StackResult:
    result = StackResult(stack, resources, passed=passed)
    for finding in failed:
        exemption = register.exempts(finding.check_id, finding.resource)
        if exemption is None:
            result.failed.append(finding)
        else:
            result.excepted.append((finding, exemption))
    return result


def scan(
    run: offline.OfflineRun, directory: Path, uv: Sequence[str], register: Register
) -> StackResult:
    plan = tfplan.plan(run)
    passed, failed, resources = parse_report(run_checkov(plan, directory, run.stack, uv))
    return judge(run.stack, resources, passed, failed, register)


def stale(register: Register, results: Sequence[StackResult]) -> list[Exemption]:
    """Entries for Checkov ids that excepted no failure on any of `results`' stacks."""
    used = {id(exemption) for result in results for _, exemption in result.excepted}
    return [
        entry
        for entry in register.entries
        if is_checkov_id(entry.control) and id(entry) not in used
    ]


def report(result: StackResult, verbose: bool = False) -> None:
    print(result.summary())
    for finding in result.failed:
        guide = f" ({finding.guideline})" if finding.guideline else ""
        print(f"  FAILED {finding}{guide}")
    if verbose:
        for finding, _exemption in result.excepted:
            print(f"  excepted {finding}")


def main(argv: list[str] | None = None) -> int:
    stacks = offline.stacks()
    parser = argparse.ArgumentParser(prog="python -m policy.checkov", description=__doc__)
    parser.add_argument(
        "--stack", action="append", choices=stacks, help="a stack to scan (repeatable)"
    )
    parser.add_argument("--keep", type=Path, help="write the plans and reports to this directory")
    parser.add_argument("--uv", help="how to run uv (default: uv on PATH, else python3 -m uv)")
    parser.add_argument("--verbose", "-v", action="store_true", help="list excepted findings")
    args = parser.parse_args(argv)
    uv = shlex.split(args.uv) if args.uv else default_uv()

    status = 0
    results: list[StackResult] = []
    with tempfile.TemporaryDirectory(prefix="skyline-checkov-") as scratch:
        directory = args.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        for stack in args.stack or stacks:
            run = valid_run(stack, "checkov")
            if run is None:
                status = max(status, EXIT_ERROR)
                continue
            try:
                result = scan(run, directory, uv, REGISTER)
            except (CheckovError, tfplan.UnmappedType) as error:
                print(f"checkov: stack {stack}: error: {error}", file=sys.stderr)
                status = max(status, EXIT_ERROR)
                continue
            results.append(result)
            report(result, args.verbose)
            if result.failed:
                status = max(status, EXIT_FAILED)

    if not args.stack and status != EXIT_ERROR:
        for entry in stale(REGISTER, results):
            print(
                f"checkov: stale exception: {entry.control} on {entry.resource} excepted nothing "
                "on any stack; remove it from policy/exceptions.yaml"
            )
            status = max(status, EXIT_FAILED)
    return status


if __name__ == "__main__":
    sys.exit(main())
