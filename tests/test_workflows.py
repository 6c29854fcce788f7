"""The GitHub workflows agree with what they deploy: the stacks, the lock file, the stage chain.

actionlint (`make workflows-lint`) checks that the workflows are valid; these tests check that
they are right for this project: the Python that builds the Lambda zip, the Pulumi CLI version,
the tokens, the timeouts, the region, how often `make test` runs, and which stages deploy when.
"""

from __future__ import annotations

import ast
import fnmatch
import itertools
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from types import CodeType
from typing import Any

import pytest
import yaml

from infra import offline
from infra.stage import validate

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
# The workflows that run the program (and so build the Lambda zip).
PROGRAM_WORKFLOWS = ("preview.yml", "deploy-stage.yml")
CHAIN = ("dev", "staging", "prod")
# ACM's default create timeout for aws_acm_certificate_validation (terraform-provider-aws).
CERTIFICATE_VALIDATION_MINUTES = 75


def load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    assert isinstance(document, dict), name
    # YAML 1.1 reads the key `on` as the boolean true.
    if True in document:
        document["on"] = document.pop(True)
    return document


def workflows() -> list[str]:
    return sorted(p.name for p in WORKFLOWS.glob("*.yml"))


def steps(name: str) -> Iterator[dict[str, Any]]:
    for job in load(name)["jobs"].values():
        yield from job.get("steps", [])


def steps_using(name: str, action: str) -> list[dict[str, Any]]:
    return [s for s in steps(name) if str(s.get("uses", "")).split("@")[0] == action]


# --- the Python that builds the Lambda zip ------------------------------------------------------


def runtime_python_versions() -> dict[str, str]:
    """Each stack's effective `lambdaRuntime` (its own, or the default) as a Python version."""
    versions = {}
    for stack in offline.stacks():
        # The program's own reading of the stack file, default included.
        runtime = validate(stack, offline.read_stack_config(stack)).lambda_runtime
        match = re.fullmatch(r"python(\d+\.\d+)", runtime)
        assert match, f"{stack}: lambdaRuntime {runtime!r}"
        versions[stack] = match[1]
    return versions


def test_every_stack_runs_on_one_python_version() -> None:
    # The workflows build every stage's zip with one interpreter: stacks on different runtimes
    # would need a per-stage python-version in preview.yml and deploy-stage.yml.
    versions = runtime_python_versions()
    assert len(set(versions.values())) == 1, versions


@pytest.mark.parametrize("workflow", PROGRAM_WORKFLOWS)
def test_preview_and_deploy_run_on_the_lambda_runtimes_python(workflow: str) -> None:
    expected = set(runtime_python_versions().values())
    setups = steps_using(workflow, "actions/setup-python")
    assert setups, f"{workflow} does not set up Python"
    assert {str(s["with"]["python-version"]) for s in setups} == expected
    # uv builds .venv (where Pulumi runs the program) on exactly that interpreter.
    (setup,) = setups
    syncs = [s for s in steps(workflow) if str(s.get("run", "")).startswith("uv sync")]
    assert [s["run"] for s in syncs] == ['uv sync --locked --python "$PYTHON"']
    assert syncs[0]["env"]["PYTHON"] == f"${{{{ steps.{setup['id']}.outputs.python-path }}}}"


def test_ci_tests_on_the_machines_python() -> None:
    # `make test` runs where the project is developed (3.11), not on the runtime's version.
    (setup,) = steps_using("ci.yml", "actions/setup-python")
    assert str(setup["with"]["python-version"]) == "3.11"


# --- Pulumi: CLI version and tokens ------------------------------------------------------------


def locked_version(package: str) -> str:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    (version,) = [p["version"] for p in lock["package"] if p["name"] == package]
    return str(version)


def test_pulumi_cli_is_the_locked_sdks_version() -> None:
    sdk = locked_version("pulumi")
    used = {w: steps_using(w, "pulumi/actions") for w in workflows()}
    assert sum(len(s) for s in used.values()) >= 2, used
    for workflow, actions in used.items():
        for step in actions:
            assert str(step["with"].get("pulumi-version")) == sdk, workflow


def test_previews_hold_a_team_token_and_deploys_an_organization_token() -> None:
    (preview,) = steps_using("preview.yml", "pulumi/auth-actions")
    assert preview["with"]["requested-token-type"] == "urn:pulumi:token-type:access_token:team"
    assert preview["with"]["scope"] == "team:${{ vars.PULUMI_PREVIEW_TEAM }}"
    (deploy,) = steps_using("deploy-stage.yml", "pulumi/auth-actions")
    assert deploy["with"]["requested-token-type"] == (
        "urn:pulumi:token-type:access_token:organization"
    )
    # The organization token only exists behind the stage's environment (prod's approval).
    assert load("deploy-stage.yml")["jobs"]["up"]["environment"] == "${{ inputs.stage }}"


# --- the deploy job -------------------------------------------------------------------------


def test_deploy_outlasts_certificate_validation() -> None:
    (job,) = load("deploy-stage.yml")["jobs"].values()
    assert job["timeout-minutes"] > CERTIFICATE_VALIDATION_MINUTES


@pytest.mark.parametrize("workflow", PROGRAM_WORKFLOWS)
def test_aws_region_is_the_stacks(workflow: str) -> None:
    (credentials,) = steps_using(workflow, "aws-actions/configure-aws-credentials")
    assert credentials["with"]["aws-region"] == "${{ steps.stack.outputs.region }}"
    (stack,) = [s for s in steps(workflow) if s.get("id") == "stack"]
    assert 'python -m infra.stage region "$STAGE"' in stack["run"]


def test_no_workflow_hard_codes_a_region() -> None:
    region = re.compile(r"\b[a-z]{2}-[a-z]+-\d\b")
    for workflow in workflows():
        assert not region.search((WORKFLOWS / workflow).read_text()), workflow


# --- how often `make test` runs --------------------------------------------------------------


def _triggered(on: Any, event: str, branch: str) -> bool:
    if isinstance(on, str):
        return on == event
    if isinstance(on, list):
        return event in on
    if event not in on:
        return False
    filters = on[event] or {}
    if "branches" in filters:
        return any(fnmatch.fnmatchcase(branch, p) for p in filters["branches"])
    if "branches-ignore" in filters:
        return not any(fnmatch.fnmatchcase(branch, p) for p in filters["branches-ignore"])
    return True


def _make_test_runs(workflow: str) -> int:
    count = 0
    for job in load(workflow)["jobs"].values():
        if str(job.get("uses", "")).startswith("./.github/workflows/"):
            count += _make_test_runs(job["uses"].rsplit("/", 1)[1])
        count += sum("make test" in str(step.get("run", "")) for step in job.get("steps", []))
    return count


@pytest.mark.parametrize(
    ("event", "branch"), [("push", "main"), ("push", "feature/x"), ("pull_request", "main")]
)
def test_make_test_runs_once_per_event(event: str, branch: str) -> None:
    runs = {w: _make_test_runs(w) for w in workflows() if _triggered(load(w)["on"], event, branch)}
    assert sum(runs.values()) == 1, runs


# --- which stages run --------------------------------------------------------------------------


@pytest.mark.parametrize("workflow", ["preview.yml", "deploy.yml"])
def test_stages_come_from_the_repository_variable(workflow: str) -> None:
    jobs = load(workflow)["jobs"]
    (select,) = [s for s in jobs["stages"]["steps"] if s.get("id") == "select"]
    assert select["run"].startswith("python3 -m infra.stage configured ")
    assert select["env"] == {
        "SKYLINE_STAGES": "${{ vars.SKYLINE_STAGES }}",
        "PULUMI_ORG": "${{ vars.PULUMI_ORG }}",
    }
    assert jobs["stages"]["outputs"]["stages"] == "${{ steps.select.outputs.stages }}"


def test_preview_matrix_is_the_selected_stages() -> None:
    preview = load("preview.yml")["jobs"]["preview"]
    assert preview["needs"] == "stages"
    assert preview["strategy"]["matrix"]["stage"] == "${{ fromJSON(needs.stages.outputs.stages) }}"
    assert preview["if"] == "needs.stages.outputs.stages != '[]'"


def test_stage_selection_runs_without_the_projects_dependencies() -> None:
    # `python3 -S`: no site-packages, as on a runner before `uv sync`.
    env = {**os.environ, "SKYLINE_STAGES": "", "PULUMI_ORG": "acme"}
    answer = subprocess.run(
        [sys.executable, "-S", "-m", "infra.stage", "configured", "--chain", ",".join(CHAIN)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.splitlines()[-1] == 'stages=["dev"]'


def test_deploy_chain_is_dev_staging_prod() -> None:
    jobs = load("deploy.yml")["jobs"]
    (select,) = [s for s in jobs["stages"]["steps"] if s.get("id") == "select"]
    assert f"--chain {','.join(CHAIN)} " in select["run"]
    for stage in CHAIN:
        assert jobs[stage]["uses"] == "./.github/workflows/deploy-stage.yml"
        assert jobs[stage]["with"] == {"stage": stage}


# A job condition's tokens: operators, parentheses, commas, 'strings' ('' is a quote inside one)
# and names (functions, literals, `needs.<job>.<field>` paths).
TOKEN = re.compile(r"\s*(\|\||&&|==|!=|!|\(|\)|,|'(?:[^']|'')*'|[A-Za-z_][\w.-]*)")
OPERATORS = {"||": "or", "&&": "and", "!": "not"}
STATUS_FUNCTIONS = frozenset({"success", "failure", "always", "cancelled"})
# What a condition may be once it is Python; anything else fails the test loudly.
PYTHON_NODES = (
    ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Compare, ast.Eq,
    ast.NotEq, ast.Call, ast.Name, ast.Load, ast.Subscript, ast.Constant,
)  # fmt: skip


def condition(text: str) -> tuple[list[str], CodeType]:
    """A job's `if:` as its tokens and as Python, for the subset the job conditions use.

    `&&`, `||` and `!` become `and`, `or` and `not`, which short-circuit as GitHub's do, so a
    call in a dead branch (`fromJSON('')` of a failed job's outputs) is never made; Python's
    parser then does the rest. `needs.a.b` reads the `needs` mapping. Where Python would read a
    condition otherwise than GitHub, it is refused: a `!` before a comparison (`not` binds
    looser than `==`, `!` tighter) and a literal that is not lowercase (GitHub ignores case when
    it compares; job results are lowercase).
    """
    text = text.strip().removeprefix("${{").removesuffix("}}").strip()
    tokens: list[str] = []
    position = 0
    while position < len(text):
        match = TOKEN.match(text, position)
        assert match, f"cannot read {text[position:]!r}"
        tokens.append(match[1])
        position = match.end()
    python: list[str] = []
    for token in tokens:
        if token.startswith("'"):
            literal = token[1:-1].replace("''", "'")
            assert literal == literal.lower(), f"{literal!r}: GitHub would ignore its case"
            python.append(repr(literal))
        elif token.startswith("needs."):
            head, *path = token.split(".")
            python.append(head + "".join(f"[{part!r}]" for part in path))
        else:
            python.append(OPERATORS.get(token, token))
    tree = ast.parse(" ".join(python), mode="eval")
    unknown = [type(node).__name__ for node in ast.walk(tree) if not isinstance(node, PYTHON_NODES)]
    assert not unknown, f"{text!r}: {unknown}"
    negated = [n for n in ast.walk(tree) if isinstance(n, ast.UnaryOp)]
    assert not any(isinstance(n.operand, ast.Compare) for n in negated), f"{text!r}: use !="
    return tokens, compile(tree, "<job condition>", "eval")


def job_runs(job: dict[str, Any], needs: dict[str, dict[str, Any]]) -> bool:
    """Whether GitHub starts `job`, given the results and outputs of the jobs it needs."""
    names = [job["needs"]] if isinstance(job["needs"], str) else job["needs"]
    visible = {name: needs[name] for name in names}
    in_scope: dict[str, Any] = {
        "success": lambda: all(n["result"] == "success" for n in visible.values()),
        "failure": lambda: any(n["result"] == "failure" for n in visible.values()),
        "always": lambda: True,
        "cancelled": lambda: False,
        "contains": lambda haystack, needle: needle in haystack,
        "fromJSON": json.loads,
        "true": True,
        "false": False,
        "needs": visible,
    }
    tokens, python = condition(str(job.get("if", "true")))
    # Without a status function GitHub evaluates `success() && (...)`, short-circuited.
    if STATUS_FUNCTIONS.isdisjoint(tokens) and not in_scope["success"]():
        return False
    # Nothing but these names is in scope, and `condition` let through nothing but names,
    # calls, literals, comparisons and boolean operators.
    return bool(eval(python, {"__builtins__": {}}, in_scope))


def chain_cases() -> Iterator[tuple[str, tuple[str, ...], dict[str, str]]]:
    for test in ("success", "failure"):
        for size in range(len(CHAIN) + 1):
            for listed in itertools.combinations(CHAIN, size):
                for outcomes in itertools.product(("success", "failure"), repeat=len(CHAIN)):
                    yield test, listed, dict(zip(CHAIN, outcomes, strict=True))


def test_deploy_chain_runs_each_listed_stage_after_every_earlier_listed_one_succeeded() -> None:
    jobs = load("deploy.yml")["jobs"]
    checked = 0
    for test, listed, outcomes in chain_cases():
        results: dict[str, dict[str, Any]] = {
            "test": {"result": test, "outputs": {}},
            "stages": {"result": "success", "outputs": {"stages": json.dumps(list(listed))}},
        }
        for stage in CHAIN:
            runs = job_runs(jobs[stage], results)
            earlier = CHAIN[: CHAIN.index(stage)]
            expected = (
                test == "success"
                and stage in listed
                and all(outcomes[e] == "success" for e in earlier if e in listed)
            )
            assert runs == expected, (stage, test, listed, outcomes)
            results[stage] = {"result": outcomes[stage] if runs else "skipped", "outputs": {}}
            checked += 1
    assert checked == 2 * 8 * 8 * len(CHAIN)


def test_no_stage_deploys_when_the_selection_failed() -> None:
    jobs = load("deploy.yml")["jobs"]
    results: dict[str, dict[str, Any]] = {
        "test": {"result": "success", "outputs": {}},
        # A failed job's outputs are empty: `fromJSON('')` must never be reached.
        "stages": {"result": "failure", "outputs": {"stages": ""}},
    }
    for stage in CHAIN:
        assert not job_runs(jobs[stage], results), stage
        results[stage] = {"result": "skipped", "outputs": {}}
