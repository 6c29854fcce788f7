"""The Lambda zip: it runs in a bare interpreter, it is byte-identical across builds, and it
ships bytecode exactly when the building interpreter matches the runtime."""

from __future__ import annotations

import json
import platform
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from infra import lambda_package
from infra.lambda_package import LambdaPackage, PackageError

from .conftest import EVENTS, SITE

LOCAL_RUNTIME = f"python{sys.version_info.major}.{sys.version_info.minor}"
LOCAL_ARCHITECTURE = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}[
    platform.machine().lower()
]
# A runtime this interpreter is not, so its bytecode cannot be shipped.
OTHER_RUNTIME = "python3.13" if sys.version_info[:2] != (3, 13) else "python3.12"

# Runs inside the unpacked zip with nothing else importable: stdlib plus the zip's folder.
INVOKE = """
import json, sys
sys.path.insert(0, sys.argv[1])
import handler, flask
assert flask.__file__.startswith(sys.argv[1]), flask.__file__
print(json.dumps(handler.handler(json.load(sys.stdin), None)))
"""


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> LambdaPackage:
    return lambda_package.build(
        LOCAL_RUNTIME,
        architecture=LOCAL_ARCHITECTURE,
        out_dir=tmp_path_factory.mktemp("first"),
    )


def _names(package: LambdaPackage) -> list[str]:
    with zipfile.ZipFile(package.path) as archive:
        return archive.namelist()


def _unpack(package: LambdaPackage, into: Path) -> Path:
    task = into / "task"
    task.mkdir()
    with zipfile.ZipFile(package.path) as archive:
        archive.extractall(task)
    return task


def _invoke(task: Path) -> dict[str, object]:
    event = (EVENTS / "http_api_v2_get_runs.json").read_text()
    # -I: no user site or PYTHON* variables; -S: not even the venv's site-packages;
    # -B: no .pyc written, as Lambda's read-only code directory allows none.
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", INVOKE, str(task)],
        input=event,
        capture_output=True,
        text=True,
        env={"STAGE": "zip", "RELEASE": "r1", "ALLOWED_ORIGIN": SITE},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    answer: dict[str, object] = json.loads(result.stdout)
    return answer


def test_the_zip_serves_a_request_in_a_bare_interpreter(
    package: LambdaPackage, tmp_path: Path
) -> None:
    answer = _invoke(_unpack(package, tmp_path))
    assert answer["statusCode"] == 200
    assert json.loads(str(answer["body"]))["runs"]


def test_the_shipped_bytecode_is_what_runs(package: LambdaPackage, tmp_path: Path) -> None:
    task = _unpack(package, tmp_path)
    # Unchecked-hash .pyc files are used without reading the source: a broken source proves it.
    with (task / "handler.py").open("a") as source:
        source.write("\nraise SystemExit('the source ran instead of the bytecode')\n")
    assert _invoke(task)["statusCode"] == 200


def test_bytecode_is_shipped_for_every_module(package: LambdaPackage) -> None:
    assert package.bytecode
    names = set(_names(package))
    tag = sys.implementation.cache_tag
    sources = [n for n in names if n.endswith(".py")]
    assert len(sources) > 50
    for name in sources:
        folder, _, file = name.rpartition("/")
        compiled = f"{folder}/__pycache__/{file[:-3]}.{tag}.pyc".lstrip("/")
        assert compiled in names, name
    with zipfile.ZipFile(package.path) as archive:
        flags = int.from_bytes(archive.read(f"__pycache__/handler.{tag}.pyc")[4:8], "little")
    assert flags == 0b01  # hash-based, source not checked


def test_contents_are_the_app_and_its_dependencies_only(package: LambdaPackage) -> None:
    names = _names(package)
    for required in ["handler.py", "lambda_adapter.py", "wsgi_bridge.py", "app/__init__.py"]:
        assert required in names
    assert any(n.startswith("flask/") for n in names)
    assert any(n.startswith("mangum/") for n in names)
    assert not any(n.startswith(("tests/", "bin/", "pulumi", "boto3")) for n in names)
    assert not any(n.endswith("requirements.in") for n in names)


def test_entries_are_sorted_dated_and_have_fixed_modes(package: LambdaPackage) -> None:
    with zipfile.ZipFile(package.path) as archive:
        infos = archive.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    for info in infos:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        mode = (info.external_attr >> 16) & 0o777
        assert mode == (0o755 if info.is_dir() else 0o644), info.filename


def test_two_builds_are_byte_identical(package: LambdaPackage, tmp_path: Path) -> None:
    again = lambda_package.build(LOCAL_RUNTIME, architecture=LOCAL_ARCHITECTURE, out_dir=tmp_path)
    assert again.path != package.path
    assert again.path.read_bytes() == package.path.read_bytes()
    assert (again.sha256, again.size) == (package.sha256, package.size)


def test_an_unchanged_build_comes_from_the_cache(package: LambdaPackage) -> None:
    before = package.path.stat().st_mtime_ns
    again = lambda_package.build(
        LOCAL_RUNTIME, architecture=LOCAL_ARCHITECTURE, out_dir=package.path.parent
    )
    assert again == package
    assert package.path.stat().st_mtime_ns == before


def test_another_runtime_ships_sources_only_with_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    package = lambda_package.build(OTHER_RUNTIME, architecture=LOCAL_ARCHITECTURE, out_dir=tmp_path)
    assert not package.bytecode
    names = _names(package)
    assert "handler.py" in names
    assert not any(n.endswith(".pyc") or "__pycache__" in n for n in names)
    warnings = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(warnings) == 1
    assert "sources only" in warnings[0] and OTHER_RUNTIME in warnings[0]


@pytest.mark.parametrize(
    ("runtime", "architecture", "named"),
    [
        ("python2.7x", "arm64", "python2.7x"),
        ("nodejs20.x", "arm64", "nodejs20.x"),
        ("python3.13", "sparc", "sparc"),
    ],
)
def test_bad_arguments_are_named(runtime: str, architecture: str, named: str) -> None:
    with pytest.raises(PackageError, match=named):
        lambda_package.build(runtime, architecture=architecture)


def test_command_line_prints_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "infra.lambda_package",
            "--runtime",
            LOCAL_RUNTIME,
            "--architecture",
            LOCAL_ARCHITECTURE,
            "--out-dir",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        cwd=lambda_package.ROOT,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert "with bytecode" in lines[0] and ".zip" in lines[0] and "bytes" in lines[0]
