"""The release tool against `aws s3 sync`, on one local S3 server, in one run.

Run: .venv/bin/python -m benchmarks.bench_release

A generated Vite-shaped build of 600+ files (mostly small hashed chunks) is published twice by
each tool, to its own bucket: a first deploy, then a redeploy of a fresh build of the same
sources (same bytes, new mtimes). Both run as processes, as a deployer runs them. The baseline
is the plain one-command sync (`--exclude '.vite/*'`); setting the right Cache-Control per path
would take it two syncs, so it is, if anything, flattered.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import boto3

from tests.release.conftest import make_bucket, make_distribution
from tests.release.moto_server import MotoServer, running_moto_server

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "release"
REGION = "eu-west-1"
SEED = 20_240_611
CHUNKS = 560
CSS = 40
IMAGES = 30
FONTS = 8
# Each measured step runs this many times on fresh buckets; the median is reported.
ROUNDS = 3


def generate_build(root: Path) -> Path:
    """A build shaped like a large Vite app's: many small lazy chunks, a few big vendors."""
    rng = random.Random(SEED)
    shutil.rmtree(root, ignore_errors=True)
    files: dict[str, bytes] = {}

    def text(size: int) -> bytes:
        words = ("const", "export", "function", "return", "import", "=>", "{", "}", ";")
        return " ".join(rng.choice(words) + str(rng.randrange(999)) for _ in range(size // 6))[
            :size
        ].encode()

    for i in range(CHUNKS):
        # Log-normal around 3 kB, a long tail of vendor bundles up to ~300 kB.
        size = min(int(rng.lognormvariate(8.0, 1.1)), 300_000)
        files[f"assets/chunk{i}-{rng.getrandbits(32):08x}.js"] = text(max(size, 200))
    for i in range(CSS):
        files[f"assets/style{i}-{rng.getrandbits(32):08x}.css"] = text(rng.randrange(500, 20_000))
    for i in range(IMAGES):
        files[f"assets/image{i}-{rng.getrandbits(32):08x}.png"] = rng.randbytes(
            rng.randrange(2_000, 80_000)
        )
    for i in range(FONTS):
        files[f"assets/font{i}-{rng.getrandbits(32):08x}.woff2"] = rng.randbytes(
            rng.randrange(15_000, 60_000)
        )
    entry = next(key for key in files if key.endswith(".js"))
    style = next(key for key in files if key.endswith(".css"))
    files["index.html"] = (
        '<!doctype html><html><head><link rel="icon" href="/favicon.svg">'
        f'<script type="module" src="/{entry}"></script>'
        f'<link rel="stylesheet" href="/{style}"></head><body><div id="app"></div></body></html>'
    ).encode()
    files["favicon.svg"] = b"<svg xmlns='http://www.w3.org/2000/svg'/>"
    files["robots.txt"] = b"User-agent: *\nAllow: /\n"
    files[".vite/manifest.json"] = json.dumps({"index.html": {"file": entry}}).encode()
    for key, body in files.items():
        path = root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return root


def touch_all(root: Path) -> None:
    """A fresh build of the same sources: every file rewritten, same bytes, new mtimes."""
    stamp = time.time() + 60
    for path in root.rglob("*"):
        if path.is_file():
            path.write_bytes(path.read_bytes())
            os.utime(path, (stamp, stamp))


@dataclass
class Timed:
    seconds: float
    uploads: int
    # CPU the server spent answering: no client can finish sooner than this.
    server_seconds: float = 0.0


def measured(server: MotoServer, step: Callable[[], Timed]) -> Timed:
    before = server.cpu_seconds()
    timed = step()
    timed.server_seconds = server.cpu_seconds() - before
    return timed


def run_timed(command: list[str], tool: str) -> tuple[float, str]:
    """Wall time and stdout of one tool's process; a failure ends the benchmark."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SystemExit(f"{tool} failed: {done.stderr.strip()}")
    return seconds, done.stdout


def ours(build: Path, bucket: str, distribution: str) -> Timed:
    command = [sys.executable, "-m", "infra.release", "deploy", "--source", str(build)]
    command += ["--bucket", bucket, "--distribution-id", distribution, "--stage", "bench"]
    command += ["--api-url", "https://api.bench.test", "--json"]
    seconds, out = run_timed(command, "release tool")
    return Timed(seconds, int(json.loads(out)["uploaded"]))


def aws_sync(build: Path, bucket: str, endpoint: str) -> Timed:
    aws = Path(sys.executable).with_name("aws")
    command = [str(aws), "s3", "sync", str(build), f"s3://{bucket}", "--endpoint-url", endpoint]
    command += ["--exclude", ".vite/*", "--no-progress"]
    seconds, out = run_timed(command, "aws s3 sync")
    return Timed(seconds, sum(1 for line in out.splitlines() if line.startswith("upload:")))


def median(runs: list[Timed]) -> Timed:
    return Timed(
        statistics.median(r.seconds for r in runs),
        runs[0].uploads,
        statistics.median(r.server_seconds for r in runs),
    )


def main() -> None:
    if not Path(sys.executable).with_name("aws").exists():
        raise SystemExit("aws CLI not found next to the Python interpreter (uv sync installs it)")
    build = generate_build(WORK / "dist")
    files = [p for p in build.rglob("*") if p.is_file() and ".vite" not in p.parts]
    size = sum(p.stat().st_size for p in files)
    print(f"build: {len(files)} files to publish, {size / 1e6:.1f} MB (+ .vite/manifest.json)")

    with running_moto_server() as server:
        endpoint = server.endpoint
        os.environ.update(
            AWS_ENDPOINT_URL=endpoint,
            AWS_ACCESS_KEY_ID="bench",
            AWS_SECRET_ACCESS_KEY="bench",
            AWS_REGION=REGION,
            AWS_DEFAULT_REGION=REGION,
            AWS_EC2_METADATA_DISABLED="true",
        )
        first: dict[str, list[Timed]] = {"ours": [], "sync": []}
        again: dict[str, list[Timed]] = {"ours": [], "sync": []}
        records = 0
        for round_number in range(ROUNDS):
            ours_bucket = f"bench-ours-{uuid.uuid4().hex[:8]}"
            sync_bucket = f"bench-sync-{uuid.uuid4().hex[:8]}"
            make_bucket(ours_bucket)
            make_bucket(sync_bucket)
            distribution = make_distribution(ours_bucket)
            steps: list[tuple[str, Callable[[], Timed]]] = [
                ("ours", partial(ours, build, ours_bucket, distribution)),
                ("sync", partial(aws_sync, build, sync_bucket, endpoint)),
            ]
            # Alternate who goes first, so neither always meets the server warmer.
            if round_number % 2:
                steps.reverse()
            for name, step in steps:
                first[name].append(measured(server, step))
            touch_all(build)
            for name, step in steps:
                again[name].append(measured(server, step))
            listing = boto3.client("s3").list_objects_v2(Bucket=ours_bucket, Prefix="_releases/")
            records = listing.get("KeyCount", 0)

    report(first, again, records)


def report(first: dict[str, list[Timed]], again: dict[str, list[Timed]], records: int) -> None:
    rows = [
        ("first deploy", median(first["ours"]), median(first["sync"])),
        ("redeploy, fresh build", median(again["ours"]), median(again["sync"])),
    ]
    print(f"median of {ROUNDS} rounds, each tool in its own process against one moto server")
    print(f"{'':24}{'release tool':>22}{'aws s3 sync':>22}{'time ratio':>12}")
    for name, mine, theirs in rows:
        print(
            f"{name:24}{mine.seconds:>9.2f} s {mine.uploads:>5} up"
            f"{theirs.seconds:>11.2f} s {theirs.uploads:>5} up"
            f"{mine.seconds / theirs.seconds:>11.2f}x"
        )
    print(f"(release tool also writes {records} objects under _releases/ on a new release)")
    print(
        "moto server CPU per step (a single-process server: a floor under any client's time): "
        + ", ".join(
            f"{name} {mine.server_seconds:.2f} s vs {theirs.server_seconds:.2f} s"
            for name, mine, theirs in rows
        )
    )
    target_first = rows[0][1].seconds <= rows[0][2].seconds / 2
    target_again = rows[1][1].uploads == 0
    print(f"target first deploy <= half of aws s3 sync: {'met' if target_first else 'MISSED'}")
    print(f"target redeploy uploads 0 objects: {'met' if target_again else 'MISSED'}")


if __name__ == "__main__":
    main()
