"""The Lambda zip as `pulumi up` builds it: the same bytes from any checkout, venv and uv cache,
and bytecode for the runtime's own Python when one is at hand."""

from __future__ import annotations

import marshal
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from infra import lambda_package, offline

# What the builder reads: its own module, the backend's sources and requirements.
CHECKOUT_PARTS = ("infra/__init__.py", "infra/lambda_package.py", "backend")


def _checkout(root: Path) -> Path:
    for part in CHECKOUT_PARTS:
        source, target = offline.ROOT / part, root / part
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(source, target)
    return root


def _own_venv(root: Path) -> Path:
    """A venv of its own (its own interpreter path, which uv writes into console scripts) that
    borrows the project's installed packages for the builder's imports."""
    venv = root / ".venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "project.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def _build(root: Path) -> str:
    python = _own_venv(root)
    env = {**os.environ, "UV_CACHE_DIR": str(root / "uv-cache"), "UV_PYTHON_DOWNLOADS": "never"}
    result = subprocess.run(
        [python, "-m", "infra.lambda_package", "--out-dir", str(root / "out")],
        cwd=root, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    sha = result.stdout.split("sha256=")[1].strip()
    print(f"{root}: sha256={sha}")
    return sha


def test_two_checkouts_with_their_own_venvs_and_caches_build_the_same_zip(tmp_path: Path) -> None:
    first = _build(_checkout(tmp_path / "a" / "skyline"))
    second = _build(_checkout(tmp_path / "elsewhere" / "deeper" / "renamed-checkout"))
    assert first == second


def _pyc_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist() if n.endswith(".pyc")}


def test_a_stage_on_this_machines_python_ships_its_bytecode() -> None:
    # Only 3.11 is sure to be here: a stage on python3.11 shows the path a deploy on the
    # runtime's own version takes, end to end through the program.
    config = {**offline.read_stack_config("dev"), "skyline:lambdaRuntime": "python3.11"}
    run = offline.run("dev", config)
    assert run.error is None, run.error
    function = run.one("aws:lambda/function:Function").inputs
    assert function["runtime"] == "python3.11"
    archive = Path(function["code"].removeprefix("FileArchive(").removesuffix(")"))
    compiled = _pyc_files(archive)
    assert "__pycache__/handler.cpython-311.pyc" in compiled
    assert "flask/__pycache__/app.cpython-311.pyc" in compiled
    assert "werkzeug/sansio/__pycache__/http.cpython-311.pyc" in compiled
    code = marshal.loads(compiled["app/__pycache__/__init__.cpython-311.pyc"][16:])
    # Tracebacks name Lambda's paths; the .pyc is never checked against a source mtime.
    assert code.co_filename == "/var/task/app/__init__.py"
    flags = int.from_bytes(compiled["__pycache__/handler.cpython-311.pyc"][4:8], "little")
    assert flags == 0b01  # hash-based, unchecked


@pytest.mark.parametrize("runtime", ["python3.13"])
def test_another_runtime_ships_bytecode_only_when_uv_finds_its_python(
    runtime: str, capsys: pytest.CaptureFixture[str]
) -> None:
    interpreter = lambda_package._runtime_interpreter((3, 13))
    package = lambda_package.build(runtime)
    compiled = _pyc_files(package.path)
    if interpreter is None:
        assert not compiled and not package.bytecode
        assert "ships sources only" in capsys.readouterr().err
    else:
        assert "__pycache__/handler.cpython-313.pyc" in compiled
