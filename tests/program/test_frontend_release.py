"""The release Command under mocks, and the source hash that decides when it runs."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pulumi
import pytest

from infra import frontend, offline

COMMAND = "command:local:Command"


def test_command_builds_then_releases(run: offline.OfflineRun) -> None:
    inputs = run.one(COMMAND).inputs
    script = inputs["create"]
    assert inputs["update"] == script
    assert inputs["interpreter"] == ["bash", "-c"]
    build = script.index("npm ci")
    assert build < script.index("npm run build") < script.index("python -m infra.release deploy")
    assert "--source frontend/dist" in script
    assert "--json" in script
    # No machine-specific paths: the same program on another machine plans no change.
    assert str(Path.home()) not in script and "/work/" not in script


def test_build_output_goes_to_stderr(run: offline.OfflineRun) -> None:
    # pulumi-command keeps the script's whole stdout; only the tool's summary may be there.
    script = run.one(COMMAND).inputs["create"]
    assert "(cd frontend && npm ci --no-audit --no-fund && npm run build) >&2\n" in script


def test_command_environment_carries_the_deployed_values(run: offline.OfflineRun) -> None:
    environment = run.one(COMMAND).inputs["environment"]
    assert environment == {
        "BUCKET": run.outputs["bucketName"],
        "DISTRIBUTION_ID": run.outputs["distributionId"],
        "API_URL": run.outputs["apiUrl"],
        "STAGE": run.stack,
        "KEEP_RELEASES": run.config["skyline:keepReleases"],
        "AWS_REGION": run.config["aws:region"],
    }


def test_region_is_passed_to_the_tool_whatever_the_shell_holds(run: offline.OfflineRun) -> None:
    script = run.one(COMMAND).inputs["create"]
    assert '--region "$AWS_REGION"' in script
    assert '${AWS_PROFILE:+--profile "$AWS_PROFILE"}' in script


def test_provider_profile_reaches_the_release() -> None:
    config = {**offline.read_stack_config("dev"), "aws:profile": "skyline-dev"}
    result = offline.run("dev", config)
    assert result.error is None, result.error
    assert result.one(COMMAND).inputs["environment"]["AWS_PROFILE"] == "skyline-dev"


def test_command_waits_for_the_bucket_policy_and_distribution(run: offline.OfflineRun) -> None:
    command = run.one(COMMAND)
    policy = run.one("aws:s3/bucketPolicy:BucketPolicy")
    distribution = run.named(f"skyline-{run.stack}-site-cdn")
    assert policy.urn in command.dependencies
    assert distribution.urn in command.dependencies


def test_triggers_hold_the_source_hash_and_the_values(run: offline.OfflineRun) -> None:
    triggers = run.one(COMMAND).inputs["triggers"]
    assert triggers[0] == frontend.sources_hash()
    assert set(run.one(COMMAND).inputs["environment"].values()) <= set(triggers[1:])


def test_release_is_the_last_stdout_line() -> None:
    noisy = "\nadded 186 packages in 17s\n\n> vite build\n" + '{"release": "abc123", "uploaded": 3}'
    assert frontend.release_id("cmd", noisy) == "abc123"
    assert frontend.release_id("cmd", '{"release": "abc123"}\n\n') == "abc123"


@pytest.mark.parametrize(
    "stdout", ["", "added 186 packages in 17s", '{"uploaded": 3}', "[1, 2]", '{"release": "a"} x']
)
def test_a_bad_last_line_names_the_command_and_the_line(stdout: str) -> None:
    with pytest.raises(frontend.ReleaseOutputError) as raised:
        frontend.release_id("skyline-dev-release-command", stdout)
    message = str(raised.value)
    assert message.startswith("skyline-dev-release-command: the last line of stdout")
    assert repr(stdout.splitlines()[-1].strip() if stdout else "") in message


def test_a_command_that_printed_build_output_last_fails_the_program() -> None:
    printed = offline.CommandOutput(stdout="check-dist: ok, 15 files, 118.9 KiB in dist/")
    result = offline.run("dev", command=printed)
    assert isinstance(result.error, frontend.ReleaseOutputError)
    assert str(result.error).startswith("skyline-dev-release-command: ")


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    """A checkout with the frontend's usual ignore rules (the repository's .gitignore)."""
    root = tmp_path / "checkout"
    (root / "frontend" / "src").mkdir(parents=True)
    (root / "frontend" / "src" / "main.ts").write_text("console.log('hi')\n")
    (root / "frontend" / "package-lock.json").write_text("{}\n")
    (root / "frontend" / "index.html").write_text("<!doctype html>\n")
    shutil.copyfile(offline.ROOT / ".gitignore", root / ".gitignore")
    (root / "frontend" / ".gitignore").write_text("*.local\n")
    _git(root, "init", "-q")
    _git(root, "add", ".")
    return root / "frontend"


def _hash(frontend_dir: Path) -> str:
    return frontend.sources_hash(frontend_dir.parent, ("frontend",))


def test_hash_changes_with_a_source_file(sources: Path) -> None:
    before = _hash(sources)
    (sources / "src" / "main.ts").write_text("console.log('changed')\n")
    assert _hash(sources) != before


def test_hash_changes_with_the_lockfile_and_new_files(sources: Path) -> None:
    before = _hash(sources)
    (sources / "package-lock.json").write_text('{"lockfileVersion": 3}\n')
    after_lock = _hash(sources)
    assert after_lock != before
    (sources / "src" / "extra.ts").write_text("export {}\n")
    assert _hash(sources) != after_lock


def test_hash_ignores_build_output_packages_local_env_and_mtimes(sources: Path) -> None:
    before = _hash(sources)
    for ignored in ("dist/assets", "node_modules/vue"):
        (sources / ignored).mkdir(parents=True)
        (sources / ignored / "file.js").write_text("built\n")
    # A laptop's untracked, ignored .env.local never makes it disagree with CI.
    (sources / ".env.local").write_text("VITE_X=1\n")
    os.utime(sources / "src" / "main.ts", (1, 1))
    assert _hash(sources) == before
    moved = sources.parent.parent / "elsewhere"
    shutil.copytree(sources.parent, moved)
    assert _hash(moved / "frontend") == before


def test_hash_covers_the_release_tool_and_the_edge_rules() -> None:
    shipped = {path.relative_to(offline.ROOT).as_posix() for path in frontend.source_files()}
    assert "infra/edge.py" in shipped
    assert "infra/release/deploy.py" in shipped
    assert "frontend/package-lock.json" in shipped
    assert not any("node_modules" in name or name.startswith("frontend/dist/") for name in shipped)


def test_outside_a_git_checkout_the_program_says_so(tmp_path: Path) -> None:
    with pytest.raises(pulumi.RunError, match="deploy from a git checkout"):
        frontend.sources_hash(tmp_path, ("frontend",))
