"""The frontend release: build the SPA and publish it with the release tool, from `pulumi up`."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pulumi
from pulumi_command import local

ROOT = Path(__file__).resolve().parent.parent
FRONTEND = ROOT / "frontend"
# Build output, caches and installed packages: none of it is a source of what ships.
IGNORED_DIRECTORIES = frozenset(
    {"node_modules", "dist", "coverage", ".vite", ".cache", "test-results", "playwright-report"}
)
IGNORED_SUFFIXES = (".log", ".tsbuildinfo")
IGNORED_NAMES = frozenset({".DS_Store"})
# What ships also depends on the edge rules: the headers each object is uploaded with.
SHIPPED_RULES = (ROOT / "infra" / "edge.py",)

RELEASE_SCRIPT = (
    "set -euo pipefail\n"
    "(cd frontend && npm ci --no-audit --no-fund && npm run build)\n"
    'uv run --frozen python -m infra.release deploy --source frontend/dist --bucket "$BUCKET" '
    '--distribution-id "$DISTRIBUTION_ID" --api-url "$API_URL" --stage "$STAGE" '
    '--keep "$KEEP_RELEASES" --json\n'
)


def source_files(directory: Path = FRONTEND) -> list[Path]:
    """The frontend's sources (and lockfile), sorted, without build output or packages."""
    found = []
    for path in directory.rglob("*"):
        relative = path.relative_to(directory)
        if any(part in IGNORED_DIRECTORIES for part in relative.parts):
            continue
        ignored = path.name in IGNORED_NAMES or path.name.endswith(IGNORED_SUFFIXES)
        if path.is_file() and not ignored:
            found.append(path)
    return sorted(found)


def sources_hash(directory: Path = FRONTEND, extra: tuple[Path, ...] = SHIPPED_RULES) -> str:
    """A hash of the content (never the mtimes) of every source file, with its path."""
    digest = hashlib.sha256()
    for path in [*source_files(directory), *extra]:
        name = path.relative_to(ROOT if path.is_relative_to(ROOT) else directory).as_posix()
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dataclass
class FrontendReleaseArgs:
    stage: str
    region: str
    bucket: pulumi.Input[str]
    distribution_id: pulumi.Input[str]
    api_url: pulumi.Input[str]
    keep_releases: int
    # Resources that must exist before anything is uploaded (bucket policy, distribution).
    after: list[pulumi.Resource]


class FrontendRelease(pulumi.ComponentResource):
    release: pulumi.Output[str]

    def __init__(
        self, name: str, args: FrontendReleaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("skyline:index:FrontendRelease", name, None, opts)
        environment: dict[str, pulumi.Input[str]] = {
            "BUCKET": args.bucket,
            "DISTRIBUTION_ID": args.distribution_id,
            "API_URL": args.api_url,
            "STAGE": args.stage,
            "KEEP_RELEASES": str(args.keep_releases),
            "AWS_REGION": args.region,
        }
        command = local.Command(
            f"{name}-command",
            create=RELEASE_SCRIPT,
            update=RELEASE_SCRIPT,
            interpreter=["bash", "-c"],
            add_previous_output_in_env=False,
            environment=environment,
            # Content hashes, not mtimes: a fresh checkout or a rebuild alone changes nothing,
            # while any source or deployed value that changes does run the release again.
            triggers=[sources_hash(), *environment.values()],
            opts=pulumi.ResourceOptions(parent=self, depends_on=args.after),
        )
        # The release tool's --json summary is the only thing it prints on stdout.
        self.release = command.stdout.apply(lambda out: str(json.loads(out)["release"]))
        self.register_outputs({"release": self.release})
