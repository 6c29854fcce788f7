"""The release Command under mocks, and the source hash that decides when it runs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

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


def test_command_waits_for_the_bucket_policy_and_distribution(run: offline.OfflineRun) -> None:
    command = run.one(COMMAND)
    policy = run.one("aws:s3/bucketPolicy:BucketPolicy")
    distribution = run.one("aws:cloudfront/distribution:Distribution")
    assert policy.urn in command.dependencies
    assert distribution.urn in command.dependencies


def test_triggers_hold_the_source_hash_and_the_values(run: offline.OfflineRun) -> None:
    triggers = run.one(COMMAND).inputs["triggers"]
    assert triggers[0] == frontend.sources_hash()
    assert set(run.one(COMMAND).inputs["environment"].values()) <= set(triggers[1:])
    assert run.outputs["release"]


@pytest.fixture
def sources(tmp_path: Path) -> Path:
    root = tmp_path / "frontend"
    (root / "src").mkdir(parents=True)
    (root / "src" / "main.ts").write_text("console.log('hi')\n")
    (root / "package-lock.json").write_text("{}\n")
    (root / "index.html").write_text("<!doctype html>\n")
    return root


def _hash(root: Path) -> str:
    return frontend.sources_hash(root, extra=())


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


def test_hash_ignores_build_output_packages_and_mtimes(sources: Path) -> None:
    before = _hash(sources)
    for ignored in ("dist/assets", "node_modules/vue", "coverage", ".vite"):
        (sources / ignored).mkdir(parents=True)
        (sources / ignored / "file.js").write_text("built\n")
    main = sources / "src" / "main.ts"
    os.utime(main, (1, 1))
    copy = sources.parent / "copy"
    shutil.copytree(sources, copy)
    assert _hash(sources) == before
    renamed = sources.parent / "frontend-renamed"
    shutil.copytree(sources, renamed)
    assert _hash(renamed) == before
