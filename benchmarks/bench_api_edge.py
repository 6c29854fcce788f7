"""The local API edge against the local API without it, on the same GETs, in one run.

Run: .venv/bin/python -m benchmarks.bench_api_edge

Two local stacks run side by side on the real Lambda handler: one with the API edge on the API
port (`API_EDGE=on`, what `make dev` runs), one without (`API_EDGE=off`, the layout of a stage
with the edge off, where every request is an invocation). Both get the same 1,000 GETs, made as
the SPA's pages make them: the pipelines list, a pipeline page (the pipeline and its newest 20
runs) and run pages (the run and its pipeline), with popular pipelines and recent runs visited
most, as a day's visitors would. Each request goes to both stacks, in random order, so a burst
of load from another process slows both alike. No request carries If-None-Match: each stands
for a new visitor, whose browser has nothing cached.

Handler invocations are counted from each stack's function log (one line per request,
backend/app/origin.py); hits and misses are told apart by the edge's X-Cache header.
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.devserver import stack as devstack

ROOT = Path(__file__).resolve().parent.parent
BACKEND = ROOT / "backend"
SEED = 20_261_129
REQUESTS = 1_000
# What Chromium sends to a cross-origin API over plain HTTP.
ACCEPT_ENCODING = "gzip, deflate"
# The SPA's page size for a pipeline's runs (frontend/src/views/PipelineView.vue).
RUNS_PAGE = 20
# Popularity: pipelines by a Zipf law on their rank; a pipeline's runs newest first, each next
# one less likely (a geometric law): most visitors look at what just ran.
PIPELINE_ZIPF_S = 1.2
NEWER_RUN_P = 0.5
TARGET_INVOCATIONS = 0.05
TARGET_HIT_TO_MISS = 0.5
_LOG_LINE = re.compile(r" app\.origin: request method=")


@dataclass
class Sample:
    target: str
    seconds: float
    status: int
    cache: str | None


@dataclass
class Layout:
    name: str
    stack: devstack.Stack
    samples: list[Sample] = field(default_factory=list)
    invocations_before: int = 0

    def invocations(self) -> int:
        return sum(1 for line in self.stack.log().splitlines() if _LOG_LINE.search(line))


def get(
    stack: devstack.Stack, target: str, headers: dict[str, str]
) -> tuple[http.client.HTTPResponse, bytes]:
    """One GET to the stack's API port on a new connection, as a new visitor's browser makes it:
    the response and its body."""
    address = urlsplit(stack.api_url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    try:
        connection.request("GET", target, headers=headers)
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def fetch(stack: devstack.Stack, target: str) -> Sample:
    headers = {
        "Origin": stack.site_url,
        "Accept": "application/json",
        "Accept-Encoding": ACCEPT_ENCODING,
        "User-Agent": "skyline-bench",
    }
    started = time.perf_counter()
    response, _ = get(stack, target, headers)
    seconds = time.perf_counter() - started
    cache = response.getheader("X-Cache")
    return Sample(target, seconds, response.status, cache.split()[0] if cache else None)


def get_json(stack: devstack.Stack, target: str) -> Any:
    response, body = get(stack, target, {"Origin": stack.site_url})
    if response.status != 200:
        raise SystemExit(f"bench_api_edge: {target} answered {response.status}: {body[:200]!r}")
    return json.loads(body)


def workload(stack: devstack.Stack, rng: random.Random) -> tuple[list[str], int]:
    """The GETs of REQUESTS page loads' worth of visitors, and how many page views they are."""
    pipelines = [p["id"] for p in get_json(stack, "/pipelines")["pipelines"]]
    # Popularity follows no id order: a fixed shuffle ranks them.
    ranked = pipelines[:]
    rng.shuffle(ranked)
    weights = [1 / (rank + 1) ** PIPELINE_ZIPF_S for rank in range(len(ranked))]
    runs_of: dict[int, list[int]] = {}

    def runs(pipeline: int) -> list[int]:
        if pipeline not in runs_of:
            page = get_json(stack, f"/pipelines/{pipeline}/runs?limit={RUNS_PAGE}")
            runs_of[pipeline] = [r["id"] for r in page["runs"]]
        return runs_of[pipeline]

    def a_run(pipeline: int) -> int | None:
        ids = runs(pipeline)
        if not ids:
            return None
        index = 0
        while index < len(ids) - 1 and rng.random() > NEWER_RUN_P:
            index += 1
        return ids[index]

    targets: list[str] = []
    views = 0
    while len(targets) < REQUESTS:
        # A visitor: the list, one pipeline, then up to two of its runs (some arrive by a
        # shared link to a run or a pipeline instead of the list).
        pipeline = rng.choices(ranked, weights)[0]
        entry = rng.random()
        if entry < 0.7:
            targets.append("/pipelines")
            views += 1
        if entry < 0.9:
            targets += [f"/pipelines/{pipeline}", f"/pipelines/{pipeline}/runs?limit={RUNS_PAGE}"]
            views += 1
        for _ in range(rng.choice((0, 1, 1, 2))):
            run = a_run(pipeline)
            if run is not None:
                targets += [f"/runs/{run}", f"/pipelines/{pipeline}"]
                views += 1
    return targets[:REQUESTS], views


def warm(stack: devstack.Stack) -> None:
    # Nothing the workload asks for, so that no entry is made before the measurement: /health is
    # never kept, and the 404s warm the routing and error paths.
    for target in ["/health"] * 20 + ["/runs/999999", "/pipelines/999999"] * 5:
        fetch(stack, target)


def median_ms(samples: list[Sample]) -> float:
    return statistics.median(s.seconds for s in samples) * 1000 if samples else float("nan")


def main() -> int:
    rng = random.Random(SEED)
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-api-edge-") as work, ExitStack() as stacks:
        root = Path(work)
        (root / "dist").mkdir()
        (root / "dist" / "index.html").write_bytes(b"<!doctype html><title>bench</title>\n")
        layouts = [
            Layout(
                name,
                stacks.enter_context(
                    devstack.running(
                        root / "dist", root / f"{name}.log", backend=BACKEND, api_edge=edge
                    )
                ),
            )
            for name, edge in (("no edge", False), ("API edge", True))
        ]
        baseline, with_edge = layouts
        # The workload is read from the stack without the edge, so the edge's cache starts empty.
        targets, views = workload(baseline.stack, rng)
        for layout in layouts:
            warm(layout.stack)
            layout.invocations_before = layout.invocations()
        started = time.perf_counter()
        for target in targets:
            for layout in rng.sample(layouts, k=len(layouts)):
                layout.samples.append(fetch(layout.stack, target))
        elapsed = time.perf_counter() - started
        # The function writes its line before it answers; the count is complete.
        invoked = {
            layout.name: layout.invocations() - layout.invocations_before for layout in layouts
        }
    report(targets, views, elapsed, baseline, with_edge, invoked)
    return 0


def report(
    targets: list[str],
    views: int,
    elapsed: float,
    baseline: Layout,
    with_edge: Layout,
    invoked: dict[str, int],
) -> None:
    kinds = Counter(re.sub(r"/\d+", "/<id>", t) for t in targets)
    distinct = len(set(targets))
    # A repeated read asks for a URL asked for before in the run (within every max-age but the
    # active runs' 5 s); a first read is an invocation whatever the edge does.
    seen: set[str] = set()
    repeats = []
    for sample in with_edge.samples:
        if sample.target in seen:
            repeats.append(sample)
        seen.add(sample.target)
    print(
        f"workload: {len(targets)} GETs from {views} page views, {distinct} distinct URLs, "
        f"{elapsed:.1f} s for both layouts"
    )
    for kind, count in kinds.most_common():
        print(f"  {count:5}  {kind}")
    statuses = Counter(s.status for layout in (baseline, with_edge) for s in layout.samples)
    print(f"statuses: {dict(sorted(statuses.items()))}")

    outcomes = Counter(s.cache for s in with_edge.samples)
    hits = [s for s in with_edge.samples if s.cache == "Hit"]
    misses = [s for s in with_edge.samples if s.cache != "Hit"]
    base_ms = median_ms(baseline.samples)
    edge_ms = median_ms(with_edge.samples)
    hit_ms, miss_ms = median_ms(hits), median_ms(misses)

    n_base, n_edge = invoked[baseline.name], invoked[with_edge.name]
    on_repeats = sum(1 for s in repeats if s.cache != "Hit")
    print()
    print(f"{'':34}{'no edge':>12}{'API edge':>12}{'ratio':>9}")
    print(f"{'handler invocations':34}{n_base:>12}{n_edge:>12}{n_edge / n_base:>9.3f}")
    print(f"{'  share of requests':34}{n_base / len(targets):>12.1%}{n_edge / len(targets):>12.1%}")
    print(f"{'  first reads (the floor)':34}{'':>12}{distinct:>12}")
    print(f"{'  on repeated reads':34}{'':>12}{on_repeats:>12}   of {len(repeats)}")
    print(
        f"{'median latency, all (ms)':34}{base_ms:>12.2f}{edge_ms:>12.2f}{edge_ms / base_ms:>9.2f}"
    )
    print(f"{'median latency, hits (ms)':34}{'':>12}{hit_ms:>12.2f}{hit_ms / base_ms:>9.2f}")
    print(f"{'median latency, misses (ms)':34}{'':>12}{miss_ms:>12.2f}{miss_ms / base_ms:>9.2f}")
    print(
        f"edge outcomes: {', '.join(f'{k} {v}' for k, v in sorted(outcomes.items()))} "
        "(misses: Miss, RefreshHit and Error: each an invocation)"
    )
    print()
    share = on_repeats / len(repeats)
    hit_to_miss = hit_ms / miss_ms
    print(
        f"target invocations <= {TARGET_INVOCATIONS:.0%} of repeated reads: {share:.1%} "
        f"({'met' if share <= TARGET_INVOCATIONS else 'MISSED'}); all requests: "
        f"{n_edge / len(targets):.1%}, of which first reads {distinct / len(targets):.1%}"
    )
    print(
        f"target median hit <= {TARGET_HIT_TO_MISS}x median miss: {hit_to_miss:.2f}x "
        f"({'met' if hit_to_miss <= TARGET_HIT_TO_MISS else 'MISSED'})"
    )
    if n_base != len(targets):
        print(f"note: without the edge, {n_base} invocations for {len(targets)} requests")


if __name__ == "__main__":
    sys.exit(main())
