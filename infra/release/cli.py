"""`python -m infra.release`: argument parsing, AWS clients, and one-line errors."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlparse

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from infra.release.bucket import Bucket
from infra.release.cdn import Distribution
from infra.release.deploy import DeployOptions, deploy
from infra.release.errors import ReleaseError
from infra.release.listing import list_releases
from infra.release.lock import STALE_AFTER
from infra.release.rollback import rollback
from infra.release.uploads import human_bytes

PROG = "release"
DEFAULT_KEEP = 3
# Uploads are small requests bound by round trips, not bandwidth: many in flight at once.
DEFAULT_WORKERS = 16
CLOUDFRONT_REGION = "us-east-1"
_BREAK_HELP = f"take over a lock older than {STALE_AFTER}, left by a run that was killed"
EXIT_FAILURE = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line, like every other error of the tool; `--help` still shows the usage.
        self.exit(EXIT_USAGE, f"{PROG}: error: {message}\n")


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _http_url(text: str) -> str:
    parsed = urlparse(text)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise argparse.ArgumentTypeError(f"must be an http(s) URL, not {text!r}")
    return text.rstrip("/")


def _non_empty(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must not be empty")
    return text.strip()


def parser() -> argparse.ArgumentParser:
    root = _Parser(
        prog="python -m infra.release",
        description="Publish the frontend build to the site bucket, list releases, roll back.",
    )
    commands = root.add_subparsers(dest="command", required=True, parser_class=_Parser)
    # Every command talks to AWS as the Pulumi program's provider does: `--region` wins over
    # AWS_DEFAULT_REGION and AWS_REGION, `--profile` over keys in the environment.
    aws = _Parser(add_help=False)
    aws.add_argument("--region", type=_non_empty, default=None, help="the bucket's region")
    aws.add_argument("--profile", type=_non_empty, default=None, help="a named AWS profile")

    dep = commands.add_parser("deploy", help="publish a build and make it live", parents=[aws])
    dep.add_argument("--source", type=Path, default=Path("frontend/dist"), help="the Vite build")
    dep.add_argument("--bucket", type=_non_empty, required=True)
    dep.add_argument("--distribution-id", type=_non_empty, required=True)
    dep.add_argument("--api-url", type=_http_url, required=True, help="written to config.json")
    dep.add_argument("--stage", type=_non_empty, required=True)
    dep.add_argument(
        "--keep",
        type=_at_least_one,
        default=DEFAULT_KEEP,
        help=f"releases whose assets stay, so open tabs load their chunks (default {DEFAULT_KEEP})",
    )
    dep.add_argument("--workers", type=_at_least_one, default=DEFAULT_WORKERS)
    dep.add_argument("--wait", action="store_true", help="wait for the invalidation to finish")
    dep.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    dep.add_argument("--break-stale-lock", action="store_true", help=_BREAK_HELP)

    lst = commands.add_parser(
        "list", help="the releases the bucket keeps, newest first", parents=[aws]
    )
    lst.add_argument("--bucket", type=_non_empty, required=True)
    lst.add_argument("--json", action="store_true")

    back = commands.add_parser("rollback", help="make a kept release live again", parents=[aws])
    back.add_argument("--bucket", type=_non_empty, required=True)
    back.add_argument("--distribution-id", type=_non_empty, required=True)
    back.add_argument("--to", type=_non_empty, required=True, metavar="RELEASE")
    back.add_argument("--wait", action="store_true")
    back.add_argument("--json", action="store_true")
    back.add_argument("--break-stale-lock", action="store_true", help=_BREAK_HELP)
    return root


def main(argv: Sequence[str] | None = None, session: boto3.Session | None = None) -> int:
    """Runs one command; `session` lets a caller bring its own (profile, event hooks)."""
    try:
        args = parser().parse_args(argv)
    except SystemExit as stop:
        # Returned, not raised, so that callers in-process get the code like any other outcome.
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    try:
        return _run(args, session or boto3.Session(profile_name=args.profile))
    except ReleaseError as error:
        return _fail(str(error))
    except NoCredentialsError:
        return _fail("no AWS credentials found (set AWS_PROFILE or AWS_ACCESS_KEY_ID)")
    except (ClientError, BotoCoreError) as error:
        return _fail(str(error))
    except KeyboardInterrupt:
        return _fail("interrupted")


def _run(args: argparse.Namespace, session: boto3.Session) -> int:
    workers = getattr(args, "workers", DEFAULT_WORKERS)
    config = Config(
        max_pool_connections=workers,
        retries={"mode": "standard"},
        # Every PutObject carries Content-MD5, which S3 checks; an extra CRC32 per upload
        # would only cost time.
        request_checksum_calculation="when_required",
    )
    # botocore reads AWS_DEFAULT_REGION only; AWS_REGION is what Lambda and other SDKs set.
    region = args.region or os.environ.get("AWS_REGION") or session.region_name or None
    bucket = Bucket(session.client("s3", region_name=region, config=config), args.bucket, workers)

    if args.command == "list":
        listed = list_releases(bucket)
        if args.json:
            _out(json.dumps({"releases": [entry.as_json() for entry in listed]}))
        elif not listed:
            _out(f"no releases in bucket {args.bucket}")
        for entry in [] if args.json else listed:
            _out(entry.line())
        return 0

    # CloudFront's API is global and signed for us-east-1, whatever the bucket's region.
    cloudfront = session.client("cloudfront", region_name=CLOUDFRONT_REGION, config=config)
    distribution = Distribution(cloudfront, args.distribution_id)
    if args.command == "rollback":
        back = rollback(bucket, distribution, args.to, args.wait, _say, args.break_stale_lock)
        if args.json:
            _out(json.dumps(back.as_json()))
        elif back.restored:
            paths = " ".join(back.invalidated_paths)
            _out(
                f"release {back.release} is live again: restored {len(back.restored)} files, "
                f"invalidated {paths}"
            )
        else:
            _out(f"release {back.release} is live; nothing to restore")
        return 0

    options = DeployOptions(
        source=args.source,
        api_url=args.api_url,
        stage=args.stage,
        keep=args.keep,
        wait=args.wait,
        break_stale_lock=args.break_stale_lock,
    )
    result = deploy(bucket, distribution, options, _say)
    if args.json:
        _out(json.dumps(result.as_json()))
    else:
        invalidated = " ".join(result.invalidated_paths) or "nothing"
        _out(
            f"release {result.release} is live in {args.bucket}: uploaded {len(result.uploaded)} "
            f"files ({human_bytes(result.bytes_uploaded)}), skipped {result.skipped} unchanged, "
            f"deleted {len(result.deleted)} old assets of {len(result.pruned_releases)} pruned "
            f"releases, invalidated {invalidated}"
        )
    return 0


def _say(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr, flush=True)


def _out(line: str) -> None:
    print(line, flush=True)


def _fail(message: str) -> int:
    # One line: the error's first line carries the cause; botocore's never spans more.
    first = message.strip().splitlines()[0] if message.strip() else "failed"
    print(f"{PROG}: error: {first}", file=sys.stderr, flush=True)
    return EXIT_FAILURE
