"""The Lambda function's zip: the API's code and its dependencies, built the same way every time.

Deterministic on purpose: Pulumi redeploys the function when `source_code_hash` changes, so a zip
that differed by a timestamp on every build would redeploy (and cold-start) every stage on every
`pulumi up`. Entries are sorted, dated 1980-01-01 and given fixed permissions, and a build is
kept under `.build/lambda/<hash of its inputs>.zip`, so unchanged inputs give the same bytes
without rebuilding.

Bytecode is shipped when an interpreter of the runtime's version compiles it: the building one,
or one that `uv python find` locates. Lambda's code directory is read-only, so without .pyc files
every cold start compiles Flask and Werkzeug again. The .pyc files use UNCHECKED_HASH
invalidation: they record no modification time (which would make the zip depend on the clock)
and imports do not even stat the source.

The zip is a function of its inputs only (sources, requirements, runtime, architecture): never of
the checkout's path, the venv or uv's cache, since Pulumi redeploys on any change of its hash.

    python -m infra.lambda_package [--runtime python3.13] [--architecture arm64]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pulumi

# Part of the cache key: change it when the zip's layout or build steps change.
BUILD_VERSION = "3"

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
REQUIREMENTS = BACKEND / "requirements.txt"
CACHE_DIR = ROOT / ".build" / "lambda"

# Where Lambda unpacks the zip; compiled code names its files under it, so tracebacks in the
# function's logs point at real paths rather than at the build machine's staging directory.
TASK_ROOT = "/var/task"
# The earliest date a zip entry can hold.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
DIR_MODE = 0o755
PLATFORMS = {"arm64": "aarch64-manylinux2014", "x86_64": "x86_64-manylinux2014"}
_RUNTIME = re.compile(r"python(3)\.(\d{1,2})")


class PackageError(pulumi.RunError):
    """The package cannot be built; the message says what to change.

    A `pulumi.RunError`, so `pulumi up` prints the message without a Python traceback.
    """


@dataclass(frozen=True)
class LambdaPackage:
    path: Path  # the zip
    sha256: str  # hex digest of the zip bytes
    size: int  # bytes
    bytecode: bool  # whether .pyc were shipped


def build(
    runtime: str = "python3.13", *, architecture: str = "arm64", out_dir: Path | None = None
) -> LambdaPackage:
    """Build (or reuse) the zip for a Lambda runtime such as "python3.13" and an architecture."""
    version = _runtime_version(runtime)
    if architecture not in PLATFORMS:
        raise PackageError(
            f"lambda package: architecture {architecture!r} is not one of {', '.join(PLATFORMS)}"
        )
    compiler = _runtime_interpreter(version)
    bytecode = compiler is not None
    if compiler is None:
        print(
            f"warning: lambda package: no Python {_dotted(version)} here (the building one is "
            f"{_dotted(sys.version_info[:2])} and `uv python find {_dotted(version)}` found none), "
            f"so the zip for {runtime} ships sources only and each cold start compiles them",
            file=sys.stderr,
        )
    sources = sorted(_app_sources())
    target = (out_dir or CACHE_DIR) / f"{_input_hash(runtime, architecture, sources, bytecode)}.zip"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        _build_zip(target, version, PLATFORMS[architecture], sources, compiler)
    data = target.read_bytes()
    return LambdaPackage(
        path=target, sha256=hashlib.sha256(data).hexdigest(), size=len(data), bytecode=bytecode
    )


def _runtime_version(runtime: str) -> tuple[int, int]:
    match = _RUNTIME.fullmatch(runtime)
    if match is None:
        raise PackageError(
            f"lambda package: runtime {runtime!r} is not a Lambda Python runtime like python3.13"
        )
    return int(match[1]), int(match[2])


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(str(part) for part in version)


def _runtime_interpreter(version: tuple[int, int]) -> str | None:
    """An interpreter of the runtime's version: this one, or one uv finds (never downloads)."""
    if sys.version_info[:2] == version:
        return sys.executable
    found = subprocess.run(
        [*_uv(), "python", "find", "--no-project", _dotted(version)],
        capture_output=True,
        text=True,
        env={**os.environ, "UV_PYTHON_DOWNLOADS": "never"},
        check=False,
    )
    path = found.stdout.strip()
    return path if found.returncode == 0 and path else None


def _app_sources() -> Iterator[tuple[str, Path]]:
    """(name in the zip, file) for the API's own code: backend/*.py and the app package."""
    for path in BACKEND.glob("*.py"):
        yield path.name, path
    for path in (BACKEND / "app").rglob("*.py"):
        if "__pycache__" not in path.parts:
            yield path.relative_to(BACKEND).as_posix(), path


def _input_hash(
    runtime: str, architecture: str, sources: list[tuple[str, Path]], bytecode: bool
) -> str:
    digest = hashlib.sha256()
    for part in (BUILD_VERSION, runtime, architecture, str(bytecode)):
        digest.update(part.encode() + b"\0")
    digest.update(REQUIREMENTS.read_bytes() + b"\0")
    for name, path in sources:
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:32]


def _build_zip(
    target: Path,
    version: tuple[int, int],
    platform: str,
    sources: list[tuple[str, Path]],
    compiler: str | None,
) -> None:
    with tempfile.TemporaryDirectory(prefix="skyline-lambda-") as tmp:
        stage = Path(tmp) / "stage"
        _install_requirements(stage, version, platform)
        for name, path in sources:
            destination = stage / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
        if compiler is not None:
            _compile(stage, compiler)
        # Written whole next to the target, then renamed over it in one step: a build stopped
        # halfway, or two builds at once, never leave a partial zip the cache would take.
        handle, partial = tempfile.mkstemp(dir=target.parent, suffix=".partial")
        os.close(handle)
        try:
            _write_zip(stage, Path(partial))
            os.chmod(partial, FILE_MODE)  # mkstemp makes it private to this user
            os.replace(partial, target)
        finally:
            Path(partial).unlink(missing_ok=True)


def _uv() -> list[str]:
    found = shutil.which("uv")
    if found:
        return [found]
    probe = subprocess.run(
        [sys.executable, "-m", "uv", "--version"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", "uv"]
    raise PackageError(
        "lambda package: uv is needed to install the function's dependencies for Lambda's "
        "platform; install it (`python3 -m pip install uv`) and build again"
    )


def _install_requirements(stage: Path, version: tuple[int, int], platform: str) -> None:
    command = [
        *_uv(),
        "pip",
        "install",
        "--quiet",
        "--python",
        sys.executable,
        "--target",
        str(stage),
        "--python-platform",
        platform,
        "--python-version",
        _dotted(version),
        # Wheels only: an sdist would be built for this machine, not for Lambda's platform.
        "--only-binary",
        ":all:",
        # requirements.txt pins every transitive dependency, so nothing else may be resolved.
        "--no-deps",
        "--requirement",
        str(REQUIREMENTS),
    ]
    env = {**os.environ, "UV_PYTHON_DOWNLOADS": "never"}
    # uv's own bytecode would be timestamped and for this interpreter; compiling is ours.
    env.pop("UV_COMPILE_BYTECODE", None)
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if result.returncode != 0:
        raise PackageError(
            f"lambda package: installing {REQUIREMENTS.relative_to(ROOT)} for {platform} failed:\n"
            f"{result.stderr.strip()}"
        )
    # Console scripts (bin/flask) carry this venv's interpreter path and are never run; each
    # RECORD lists them with their hash, so it too depends on the venv's path. RECORD only serves
    # an installer's uninstall, which never happens inside a Lambda zip. .lock is uv's guard for
    # concurrent installs into the target.
    shutil.rmtree(stage / "bin", ignore_errors=True)
    for record in stage.glob("*.dist-info/RECORD"):
        record.unlink()
    (stage / ".lock").unlink(missing_ok=True)
    for cache in list(stage.rglob("__pycache__")):
        shutil.rmtree(cache)


def _compile(stage: Path, interpreter: str) -> None:
    # Run by the runtime's own interpreter: .pyc files only load on the version that wrote them.
    # -d names the files under Lambda's task root, not this build's temporary folder.
    command = [interpreter, "-I", "-m", "compileall", "-q", "-d", TASK_ROOT]
    command += ["--invalidation-mode", "unchecked-hash", str(stage)]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise PackageError(
            f"lambda package: compiling the sources with {interpreter} failed:\n"
            f"{(result.stdout + result.stderr).strip()}"
        )


def _write_zip(stage: Path, target: Path) -> None:
    entries = {}
    for path in stage.rglob("*"):
        name = path.relative_to(stage).as_posix()
        entries[f"{name}/" if path.is_dir() else name] = path
    with zipfile.ZipFile(target, "w") as archive:
        # Sorted by the name stored in the zip, so the order never depends on the filesystem.
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            if name.endswith("/"):
                info.external_attr = (0o040000 | DIR_MODE) << 16 | 0x10  # MS-DOS directory bit
                archive.writestr(info, b"")
            else:
                info.external_attr = (0o100000 | FILE_MODE) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, entries[name].read_bytes(), compresslevel=9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the Lambda function's zip.")
    parser.add_argument("--runtime", default="python3.13", help="Lambda runtime, e.g. python3.13")
    parser.add_argument("--architecture", default="arm64", choices=sorted(PLATFORMS))
    parser.add_argument("--out-dir", type=Path, default=None, help="default: .build/lambda")
    args = parser.parse_args(argv)
    try:
        package = build(args.runtime, architecture=args.architecture, out_dir=args.out_dir)
    except PackageError as error:
        print(error, file=sys.stderr)
        return 1
    shipped = "with bytecode" if package.bytecode else "sources only"
    print(f"{package.path} {package.size} bytes {shipped} sha256={package.sha256}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
