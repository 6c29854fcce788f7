"""The frontend release: build the SPA and publish it with the release tool, from `pulumi up`."""

from __future__ import annotations

import hashlib
import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pulumi
from pulumi_command import local

from infra.config import ReleaseSettings
from infra.site import StaticSite

ROOT = Path(__file__).resolve().parent.parent
# What ships: the frontend's sources, the edge rules each object is uploaded with, and the
# release tool that uploads them. A change to any of them runs the release again.
SHIPPED = ("frontend", "infra/edge.py", "infra/release")

# pulumi-command keeps everything the script prints on stdout as the Command's `stdout`
# (pulumi-command 1.2.1, local/commandOutputs.go: the interpreter's whole stdout). The build's
# output goes to stderr, which `pulumi up` still shows, so stdout ends with the tool's summary.
# Region and profile are passed as flags: boto3 would otherwise prefer AWS_DEFAULT_REGION and
# environment keys over what the provider uses.
RELEASE_SCRIPT = (
    "set -euo pipefail\n"
    "(cd frontend && npm ci --no-audit --no-fund && npm run build) >&2\n"
    'uv run --frozen python -m infra.release deploy --source frontend/dist --bucket "$BUCKET" '
    '--distribution-id "$DISTRIBUTION_ID" --api-url "$API_URL" --stage "$STAGE" '
    '--keep "$KEEP_RELEASES" --region "$AWS_REGION" ${AWS_PROFILE:+--profile "$AWS_PROFILE"} '
    "--json\n"
)


class ReleaseOutputError(pulumi.RunError):
    """The release Command's stdout does not end with the tool's JSON summary."""


def release_id(command: str, stdout: str) -> str:
    """The release id from the last line of the Command's stdout: the tool's `--json` summary."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    last = lines[-1].strip() if lines else ""
    try:
        summary = json.loads(last)
        return str(summary["release"])
    except (ValueError, KeyError, TypeError):
        raise ReleaseOutputError(
            f"{command}: the last line of stdout should be the release tool's JSON summary with "
            f'a "release" key, but it is {last[:200]!r}'
        ) from None


def source_files(root: Path = ROOT, shipped: tuple[str, ...] = SHIPPED) -> list[Path]:
    """What git would commit under `shipped`: tracked and new files, never ignored ones.

    Git decides rather than a list of build folders, so a laptop and CI hash the same files:
    an ignored `.env.local`, `node_modules` or `dist` never changes the trigger.
    """
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", *shipped],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise pulumi.RunError(
            f"frontend release: cannot list the shipped sources with git in {root} ({error}); "
            "deploy from a git checkout"
        ) from None
    # --cached still lists a tracked file deleted from the work tree.
    paths = {root / name for name in listed.decode().split("\0") if name}
    return sorted(path for path in paths if path.is_file())


def sources_hash(root: Path = ROOT, shipped: tuple[str, ...] = SHIPPED) -> str:
    """A hash of the content (never the mtimes) of every shipped file, with its path."""
    digest = hashlib.sha256()
    for path in source_files(root, shipped):
        name = path.relative_to(root).as_posix()
        digest.update(name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


@dataclass
class FrontendReleaseArgs:
    # The stage, its region and the provider's `aws:profile` (so the upload runs as the identity
    # that manages AWS), and how many releases to keep.
    settings: ReleaseSettings
    # Where the build goes: the site's bucket and distribution, once the site is ready.
    site: StaticSite
    api_url: pulumi.Input[str]


class FrontendRelease(pulumi.ComponentResource):
    release: pulumi.Output[str]

    def __init__(
        self, name: str, args: FrontendReleaseArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("skyline:index:FrontendRelease", name, None, opts)
        settings = args.settings
        environment: dict[str, pulumi.Input[str]] = {
            "BUCKET": args.site.bucket.bucket,
            "DISTRIBUTION_ID": args.site.distribution.id,
            "API_URL": args.api_url,
            "STAGE": settings.stage,
            "KEEP_RELEASES": str(settings.keep_releases),
            "AWS_REGION": settings.region,
        }
        if settings.profile:
            environment["AWS_PROFILE"] = settings.profile
        command_name = f"{name}-command"
        command = local.Command(
            command_name,
            create=RELEASE_SCRIPT,
            update=RELEASE_SCRIPT,
            interpreter=["bash", "-c"],
            add_previous_output_in_env=False,
            environment=environment,
            # Content hashes, not mtimes: a fresh checkout or a rebuild alone changes nothing,
            # while any shipped source or deployed value that changes does run the release again.
            triggers=[sources_hash(), *environment.values()],
            opts=pulumi.ResourceOptions(parent=self, depends_on=args.site.ready),
        )
        # Unknown in a preview that creates or replaces the Command, so this stays quiet there.
        self.release = command.stdout.apply(lambda out: release_id(command_name, out))
        self.register_outputs({"release": self.release})
