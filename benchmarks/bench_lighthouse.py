"""Lighthouse on the local stack: what a phone would score the site, page by page.

Run: .venv/bin/python -m benchmarks.bench_lighthouse [--runs 3] [--dist DIR]

The frontend is built by its own Vite config into benchmarks/.work (never frontend/dist, which
others build into), served by `python -m devserver` (the local edge with CloudFront's rules and
the local API with the real Lambda handler) on free ports, and audited by Lighthouse, the npm
package pinned in tools/lighthouse, on Debian's chromium. Mobile preset (Lighthouse's default:
a mid-range phone, simulated slow 4G, 4x CPU slowdown). Each page is audited `--runs` times,
the pages interleaved so that a burst of load from another process hits them alike, and the
median of each score and metric is printed. Lighthouse's timings depend on the machine's load,
so this reports and never fails: the load average is printed beside the table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.devserver import stack as devstack

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "benchmarks" / ".work" / "lighthouse"
FRONTEND = ROOT / "frontend"
BACKEND = ROOT / "backend"
LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / "lighthouse" / "cli" / "index.js"
CHROMIUM = Path("/usr/bin/chromium")
# As root on this kind of machine chromium needs --no-sandbox; without the background-networking
# flags it keeps trying to reach Google's hosts, which a closed network refuses.
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# The pipeline the deep link and the run page come from (the built-in dataset has it).
PIPELINE = 3
TARGETS = {"performance": 0.95, "accessibility": 1.0, "best-practices": 1.0, "seo": 1.0}
RUN_TIMEOUT_SECONDS = 180
# "Page isn't blocked from indexing" fails on every stage but prod, on purpose: their robots.txt
# is `Disallow: /` (infra/edge.py), the local stack's too. The SEO score printed is the one prod
# gets, where robots.txt allows crawling; the robots-txt audit (a valid file) still counts.
SKIPPED_AUDITS = ("is-crawlable",)


@dataclass
class Audit:
    """One Lighthouse run of one page: the scores, the metrics, the audits that did not pass."""

    scores: dict[str, float]
    lcp_ms: float
    tbt_ms: float
    cls: float
    failing: list[str]

    @classmethod
    def of(cls, report: dict[str, Any]) -> Audit:
        runtime_error = report.get("runtimeError")
        if runtime_error:
            raise SystemExit(
                f"lighthouse: {runtime_error.get('code')}: {runtime_error.get('message')}"
            )
        audits = report["audits"]
        failing = sorted(
            f"{key} ({audit.get('displayValue') or audit['score']})"
            for key, audit in audits.items()
            if audit.get("score") is not None
            and audit["score"] < 1
            and audit.get("scoreDisplayMode") in {"binary", "numeric", "metricSavings"}
        )
        return cls(
            scores={name: float(report["categories"][name]["score"]) for name in CATEGORIES},
            lcp_ms=float(audits["largest-contentful-paint"]["numericValue"]),
            tbt_ms=float(audits["total-blocking-time"]["numericValue"]),
            cls=float(audits["cumulative-layout-shift"]["numericValue"]),
            failing=failing,
        )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} (1, 5, 15 min; {os.cpu_count()} cores)"


def check_tools() -> None:
    if not LIGHTHOUSE.is_file():
        raise SystemExit(
            f"{LIGHTHOUSE.relative_to(ROOT)} is missing: run `make bench`, or "
            "`cd tools/lighthouse && npm ci`"
        )
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} is missing: run scripts/ensure-chromium")
    if shutil.which("node") is None:
        raise SystemExit("node is not on PATH")


def build_frontend(out: Path) -> Path:
    """The frontend as `npm run build` makes it, into a private folder (Vite alone: the type
    check and dist checks change nothing in the output)."""
    if not (FRONTEND / "node_modules" / ".bin" / "vite").exists():
        raise SystemExit("frontend/node_modules is missing: run `make setup`")
    done = subprocess.run(
        ["npx", "--no-install", "vite", "build", "--outDir", str(out), "--emptyOutDir"],
        cwd=FRONTEND,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode:
        raise SystemExit(
            f"the frontend build failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
        )
    return out


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def lighthouse(url: str, report_path: Path, throttling: str) -> Audit:
    command = [
        "node",
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report_path}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        "--disable-full-page-screenshot",
        "--no-enable-error-reporting",
        f"--throttling-method={throttling}",
        f"--skip-audits={','.join(SKIPPED_AUDITS)}",
    ]
    env = {**os.environ, "CHROME_PATH": str(CHROMIUM)}
    done = subprocess.run(
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode or not report_path.is_file():
        raise SystemExit(f"lighthouse failed on {url} ({done.returncode}):\n{done.stderr[-3000:]}")
    return Audit.of(json.loads(report_path.read_text()))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_lighthouse")
    parser.add_argument("--runs", type=int, default=3, help="audits of each page (median)")
    parser.add_argument(
        "--dist", type=Path, default=None, help="serve this finished build instead of building"
    )
    parser.add_argument(
        "--throttling",
        choices=("simulate", "devtools"),
        default="simulate",
        help="simulate (Lighthouse's default: an unthrottled load, then a model of the phone's "
        "network and CPU) or devtools (the load itself throttled: slower, noisier, but real "
        "connections)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    check_tools()
    WORK.mkdir(parents=True, exist_ok=True)
    dist = args.dist.resolve() if args.dist else build_frontend(WORK / "dist")
    version = json.loads((LIGHTHOUSE.parents[1] / "package.json").read_text())["version"]
    chromium = subprocess.run(
        [str(CHROMIUM), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    print(
        f"lighthouse {version}, {chromium}, mobile preset ({args.throttling} throttling), "
        f"median of {args.runs} runs"
    )
    print(f"load average before: {load_average()}", flush=True)
    reports = WORK / "reports"
    shutil.rmtree(reports, ignore_errors=True)
    reports.mkdir(parents=True)

    started = time.monotonic()
    with devstack.running(dist, WORK / "devserver.log", backend=BACKEND) as stack:
        runs = get_json(f"{stack.api_url}/pipelines/{PIPELINE}/runs?limit=1")["runs"]
        if not runs:
            raise SystemExit(f"pipeline {PIPELINE} has no runs to open")
        pages = {
            "/": "/",
            "deep link": f"/pipelines/{PIPELINE}",
            "run page": f"/runs/{runs[0]['id']}",
        }
        # Warm the handler (its cold start is not what a page load on a live stage pays).
        for path in ("/pipelines", f"/pipelines/{PIPELINE}", f"/runs/{runs[0]['id']}"):
            get_json(f"{stack.api_url}{path}")
        audits: dict[str, list[Audit]] = {name: [] for name in pages}
        for number in range(args.runs):
            for name, path in pages.items():
                slug = path.strip("/").replace("/", "-") or "root"
                report_path = reports / f"{slug}-{number}.json"
                audits[name].append(
                    lighthouse(f"{stack.site_url}{path}", report_path, args.throttling)
                )
    print(f"load average after:  {load_average()} ({time.monotonic() - started:.0f} s)")
    report(pages, audits)


def report(pages: dict[str, str], audits: dict[str, list[Audit]]) -> None:
    header = f"{'page':24}" + "".join(f"{name:>16}" for name in CATEGORIES)
    print(header + f"{'LCP':>9}{'TBT':>9}{'CLS':>7}")
    for name, path in pages.items():
        runs = audits[name]
        scores = {c: statistics.median(a.scores[c] for a in runs) for c in CATEGORIES}
        cells = "".join(
            f"{scores[c]:>14.2f}{'' if scores[c] >= TARGETS[c] else ' !':2}" for c in CATEGORIES
        )
        lcp = statistics.median(a.lcp_ms for a in runs) / 1000
        tbt = statistics.median(a.tbt_ms for a in runs)
        cls = statistics.median(a.cls for a in runs)
        print(f"{name + ' ' + path:24}{cells}{lcp:>7.2f} s{tbt:>6.0f} ms{cls:>7.3f}")
    print(
        "targets: performance >= 0.95, the others 1.00 (! marks a miss); "
        "LCP, TBT and CLS are medians too"
    )
    print(
        f"skipped: {', '.join(SKIPPED_AUDITS)} (the local stage's robots.txt keeps crawlers "
        "out, as every stage's but prod's does)"
    )
    for name, path in pages.items():
        # The audits that did not pass in the run whose performance score was the median.
        runs = sorted(audits[name], key=lambda a: a.scores["performance"])
        failing = runs[len(runs) // 2].failing
        print(f"not passed on {path}: {', '.join(failing) if failing else 'none'}")


if __name__ == "__main__":
    sys.exit(main())
