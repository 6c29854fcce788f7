"""What the Lambda handler costs per request, against the Flask app called directly.

One run measures, on the same app and the same API Gateway HTTP API (2.0) events:

* warm invocations, interleaved in small batches so that machine noise hits every variant
  alike: the bare WSGI call (the floor), apig-wsgi, stock Mangum over asgiref's WsgiToAsgi and
  over a2wsgi, and Skyline's handler (Mangum over the inline bridge), whose target is at most
  1.3x the floor on every endpoint;
* cold start in fresh `python -I -S -B` processes on the unpacked zip: import and first
  invocation of the handler, with and without shipped bytecode, against a process that only
  imports Flask and creates the app;
* the zip's size with and without bytecode.

    .venv/bin/python -m benchmarks.bench_handler
"""

from __future__ import annotations

import copy
import io
import json
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
for folder in (ROOT, BACKEND):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

from a2wsgi import WSGIMiddleware  # noqa: E402
from apig_wsgi import make_lambda_handler  # noqa: E402
from asgiref.wsgi import WsgiToAsgi  # noqa: E402
from lambda_adapter import LambdaAdapter  # noqa: E402
from mangum import Mangum  # noqa: E402

from app import create_app  # noqa: E402
from app.config import Config  # noqa: E402
from infra import lambda_package  # noqa: E402

SITE = "https://app.example.com"
PATHS = ["/health", "/runs/5", "/pipelines/3/runs?limit=20"]
ROUNDS = 40
BATCH = 50
COLD_RUNS = 9
# The handler's goal: at most this many times the floor's time, on every endpoint.
TARGET_RATIO = 1.3

Call = Callable[[], Any]


def http_api_event(target: str) -> dict[str, Any]:
    path, _, query = target.partition("?")
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": path,
        "rawQueryString": query,
        "headers": {
            "accept": "application/json",
            "accept-encoding": "gzip, deflate, br",
            "host": "api.example.com",
            "origin": SITE,
            "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36",
            "x-amzn-trace-id": "Root=1-67891233-abcdef012345678912345678",
            "x-forwarded-for": "203.0.113.7",
            "x-forwarded-port": "443",
            "x-forwarded-proto": "https",
        },
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "r3pmxmplak",
            "domainName": "api.example.com",
            "domainPrefix": "api",
            "http": {
                "method": "GET",
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": "Mozilla/5.0",
            },
            "requestId": "JKJaXmPLvHcESHA=",
            "routeKey": "$default",
            "stage": "$default",
            "time": "01/Jun/2025:12:00:00 +0000",
            "timeEpoch": 1748779200000,
        },
        "isBase64Encoded": False,
    }


def wsgi_call(app: Any, event: dict[str, Any]) -> Call:
    """The floor: the environ a server would build, handed straight to the app."""
    base = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": event["rawPath"],
        "QUERY_STRING": event["rawQueryString"],
        "SERVER_NAME": "api.example.com",
        "SERVER_PORT": "443",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.7",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "https",
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in event["headers"].items()},
    }

    def call() -> tuple[str, bytes]:
        environ = dict(base, **{"wsgi.input": io.BytesIO(b"")})
        status: list[str] = []
        body = app(environ, lambda s, h, e=None: status.append(s))
        return status[0], b"".join(body)

    return call


def variants(app: Any, event: dict[str, Any]) -> dict[str, Call]:
    ours = LambdaAdapter(app)
    apig = make_lambda_handler(app)
    asgiref = Mangum(WsgiToAsgi(app), lifespan="off")
    a2wsgi = Mangum(WSGIMiddleware(app), lifespan="off")
    return {
        "wsgi direct (floor)": wsgi_call(app, event),
        "apig-wsgi": lambda: apig(copy.copy(event), None),
        "mangum + asgiref WsgiToAsgi": lambda: asgiref(copy.copy(event), None),
        "mangum + a2wsgi": lambda: a2wsgi(copy.copy(event), None),
        "skyline handler": lambda: ours(copy.copy(event), None),
    }


def check_same_answer(calls: dict[str, Call]) -> None:
    bodies = {}
    for name, call in calls.items():
        result = call()
        if isinstance(result, tuple):
            status, body = result
            bodies[name] = (int(status[:3]), body.decode())
        else:
            bodies[name] = (result["statusCode"], result["body"])
    if len(set(bodies.values())) != 1:
        raise SystemExit(f"the variants disagree: {json.dumps(bodies, indent=1)[:2000]}")
    if next(iter(bodies.values()))[0] != 200:
        raise SystemExit(f"the benchmark request failed: {bodies}")


def warm(calls: dict[str, Call]) -> dict[str, float]:
    """Median per-call time in microseconds, batches of every variant interleaved."""
    for call in calls.values():
        for _ in range(BATCH):
            call()
    samples: dict[str, list[float]] = {name: [] for name in calls}
    order = list(calls)
    shuffle = random.Random(7)
    for _ in range(ROUNDS):
        shuffle.shuffle(order)
        for name in order:
            call = calls[name]
            start = time.perf_counter()
            for _ in range(BATCH):
                call()
            samples[name].append((time.perf_counter() - start) / BATCH * 1e6)
    return {name: statistics.median(values) for name, values in samples.items()}


COLD_HANDLER = """
import json, sys, time
start = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import handler
answer = handler.handler(json.loads(sys.argv[2]), None)
assert answer["statusCode"] == 200, answer
print((time.perf_counter() - start) * 1000)
"""
COLD_BASELINE = """
import sys, time
start = time.perf_counter()
sys.path.insert(0, sys.argv[1])
import flask
from app import create_app
create_app()
print((time.perf_counter() - start) * 1000)
"""


def cold(
    scripts: dict[str, tuple[str, Path]], event: dict[str, Any]
) -> dict[str, tuple[float, float]]:
    """Median (in-process ms, whole-process ms) over fresh interpreters, runs interleaved."""
    inner: dict[str, list[float]] = {name: [] for name in scripts}
    outer: dict[str, list[float]] = {name: [] for name in scripts}
    env = {"STAGE": "bench", "RELEASE": "cold", "ALLOWED_ORIGIN": SITE}
    for _ in range(COLD_RUNS):
        for name, (script, task) in scripts.items():
            start = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-I", "-S", "-B", "-c", script, str(task), json.dumps(event)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            elapsed = (time.perf_counter() - start) * 1000
            if result.returncode != 0:
                raise SystemExit(f"cold start of {name} failed:\n{result.stderr}")
            inner[name].append(float(result.stdout))
            outer[name].append(elapsed)
    return {n: (statistics.median(inner[n]), statistics.median(outer[n])) for n in scripts}


def without_bytecode(package: Path, target: Path) -> Path:
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(target, "w") as stripped:
        for info in source.infolist():
            if "__pycache__" not in info.filename:
                stripped.writestr(info, source.read(info))
    return target


def main() -> None:
    began = time.perf_counter()
    print(f"Python {platform.python_version()} on {platform.machine()}; {ROUNDS}x{BATCH} calls")
    app = create_app(Config(stage="bench", release="warm", allowed_origin=SITE))
    floor_name, ours_name = "wsgi direct (floor)", "skyline handler"
    worst = 0.0
    for target in PATHS:
        calls = variants(app, http_api_event(target))
        check_same_answer(calls)
        medians = warm(calls)
        floor = medians[floor_name]
        print(f"\nwarm GET {target}")
        for name, value in medians.items():
            print(f"  {name:30s} {value:8.1f} us  {value / floor:5.2f}x floor")
        worst = max(worst, medians[ours_name] / floor)

    runtime = f"python{sys.version_info.major}.{sys.version_info.minor}"
    machine = platform.machine().lower()
    architecture = "arm64" if machine in ("aarch64", "arm64") else "x86_64"
    package = lambda_package.build(runtime, architecture=architecture)
    with tempfile.TemporaryDirectory(prefix="skyline-bench-") as tmp:
        sources_zip = without_bytecode(package.path, Path(tmp) / "sources.zip")
        folders = {}
        for label, archive in (("bytecode", package.path), ("sources", sources_zip)):
            folders[label] = Path(tmp) / label
            with zipfile.ZipFile(archive) as unpacking:
                unpacking.extractall(folders[label])
        results = cold(
            {
                "import flask + create_app (baseline)": (COLD_BASELINE, folders["bytecode"]),
                "handler, zip with bytecode": (COLD_HANDLER, folders["bytecode"]),
                "handler, zip of sources only": (COLD_HANDLER, folders["sources"]),
            },
            http_api_event("/runs/5"),
        )
        print(
            f"\ncold start ({COLD_RUNS} fresh processes each; import + first call / whole process)"
        )
        baseline = results["import flask + create_app (baseline)"][0]
        for name, (inner, outer) in results.items():
            print(f"  {name:38s} {inner:7.1f} ms  {inner / baseline:5.2f}x   {outer:7.1f} ms")
        print(f"\nzip ({runtime}, {architecture})")
        print(f"  with bytecode   {package.size / 1e6:6.2f} MB")
        print(f"  sources only    {sources_zip.stat().st_size / 1e6:6.2f} MB")

    print(
        f"\nhandler vs floor, worst endpoint: {worst:.3f}x "
        f"(target at most {TARGET_RATIO}x: {'met' if worst <= TARGET_RATIO else 'NOT met'})"
    )
    print(f"finished in {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
