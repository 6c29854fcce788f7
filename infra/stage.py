"""A stage's names in its stack file (`make stage`), and which stages CI previews and deploys.

    make stage STAGE=prod DOMAIN=app.mycompany.com ZONE=mycompany.com [ALARM_EMAIL=...] [REGION=...]
    python -m infra.stage set prod --domain app.mycompany.com --zone mycompany.com
    python -m infra.stage region prod        # the stack's aws:region, once its config is valid
    python3 -m infra.stage configured --github-output "$GITHUB_OUTPUT"   # in the workflows

`set` updates (or inserts) only the keys it is given in `stacks/Pulumi.<stage>.yaml`, keeping the
file's other keys and comments, and validates the whole resulting config with the program's own
`infra.config.parse`: a bad value prints the program's one-line error, exits 2 and writes nothing.

`configured` runs on the CI runner's own `python3` before any dependency is installed, so this
module imports only the standard library at the top; `set` and `region` import PyYAML and
`infra.config` (Pulumi) when they run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from infra.config import StageConfig

ROOT = Path(__file__).resolve().parent.parent
# infra.offline's stacks()/stack_file() read the same folder, but importing it needs Pulumi,
# which `configured` must run without: these are its standard-library twins.
STACKS_DIR = ROOT / "stacks"
# What `SKYLINE_STAGES` means when the repository does not set it: a fresh fork previews and
# deploys dev only, which needs no domain, so the committed example.com templates never run.
DEFAULT_STAGES = "dev"
# An explicit "previews and deploys nothing" (GitHub does not store an empty variable).
NO_STAGES = "none"
# Pulumi's stack names: letters, digits, hyphens, underscores and periods.
_STACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# A scalar written bare in YAML: anything else is written as a JSON (= YAML) quoted string.
_PLAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+/-]*$")
# The stack-file keys `set` writes: option -> config key.
OPTIONS = {
    "region": "aws:region",
    "domain": "skyline:domain",
    "zone": "skyline:hostedZone",
    "alarm_email": "skyline:alarmEmail",
}
PLACEHOLDER = "example.com"


class StageError(Exception):
    """A one-line error about the stage itself (its name, its file), not about a config value."""


def stack_file(stage: str) -> Path:
    if not _STACK_NAME.fullmatch(stage):
        raise StageError(
            f"STAGE is {stage!r}: a stack name (letters, digits, '-', '_', '.'). "
            "Fix: make stage STAGE=prod DOMAIN=app.mycompany.com ZONE=mycompany.com"
        )
    return STACKS_DIR / f"Pulumi.{stage}.yaml"


def available() -> list[str]:
    """The stages that have a stack file, sorted."""
    files = STACKS_DIR.glob("Pulumi.*.yaml")
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in files)


# --- which stages CI runs -------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    stages: list[str]
    # GitHub workflow commands (`::notice::...`) explaining an empty or partial selection.
    messages: list[str]


def configured(
    raw: str | None,
    pulumi_org: str | None,
    stacks: Sequence[str],
    chain: Sequence[str] = (),
) -> Selection:
    """The stages to preview or deploy, from the `SKYLINE_STAGES` repository variable.

    Unset means `dev`; `none` means nothing. Without `PULUMI_ORG` there is nowhere to preview or
    deploy to (a fork before its setup), so nothing runs and the workflow stays green. A name
    without a stack file is a typo that would silently skip a stage: it fails. With `chain`
    (deploy.yml's fixed dev -> staging -> prod jobs), a listed stage outside it gets a warning.
    """
    if not (pulumi_org or "").strip():
        return Selection([], ["::notice::PULUMI_ORG is not set: no stage is previewed or "
                              "deployed (README, CI/CD)"])  # fmt: skip
    text = (raw or "").strip() or DEFAULT_STAGES
    if text.lower() == NO_STAGES:
        return Selection([], [f"::notice::SKYLINE_STAGES is {NO_STAGES!r}: no stage runs"])
    names: list[str] = []
    for name in re.split(r"[\s,]+", text):
        if name and name not in names:
            names.append(name)
    unknown = [name for name in names if name not in stacks]
    if unknown:
        raise StageError(
            f"SKYLINE_STAGES is {text!r}: {', '.join(unknown)} has no stacks/Pulumi.<stage>.yaml "
            f"(stages: {', '.join(stacks)}). Fix: make stage STAGE={unknown[0]} ..., or correct "
            "the repository variable SKYLINE_STAGES"
        )
    messages = [
        f"::warning::SKYLINE_STAGES lists {name}, which deploy.yml does not deploy "
        f"(its chain is {' -> '.join(chain)}); it is previewed only"
        for name in names
        if chain and name not in chain
    ]
    return Selection(names, messages)


# --- a stage's stack file -------------------------------------------------------------------


def _read(path: Path) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The file's text, its whole document and its `config:` map (all empty when it is new)."""
    import yaml

    if not path.is_file():
        return "", {}, {}
    text = path.read_text()
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        problem = " ".join(str(error).split())
        raise StageError(f"{path.name} is not valid YAML: {problem}") from None
    if not isinstance(document, dict):
        raise StageError(f"{path.name}: not a map with a `config:` key")
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise StageError(f"{path.name}: `config:` is not a map of keys to values")
    return text, document, config


def validate(stage: str, config: Mapping[str, Any]) -> StageConfig:
    """The program's own validation (`infra.config.parse`) of a stack file's `config:` map.

    Raises `infra.config.ConfigError` with the one-line message `pulumi up` would print.
    """
    from infra.config import KEYS, PROJECT, parse
    from infra.offline import as_config_string

    strings = {key: as_config_string(value) for key, value in config.items()}
    values = {key.name: strings.get(f"{PROJECT}:{key.name}") for key in KEYS}
    return parse(stage, values, strings.get("aws:region"), strings.get("aws:profile"))


def _scalar(value: str) -> str:
    import yaml

    if _PLAIN.fullmatch(value) and yaml.safe_load(value) == value:
        return value
    return json.dumps(value)


def _edit(text: str, updates: Mapping[str, str]) -> str | None:
    """`text` with each key of `updates` set in its `config:` block, other lines untouched.

    None when the block is not the usual `config:` line followed by indented `key: value` lines.
    """
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    start = next((i for i, line in enumerate(lines) if re.match(r"^config:\s*(#.*)?$", line)), None)
    if start is None:
        if re.search(r"^['\"]?config['\"]?\s*:", text, re.MULTILINE):
            return None  # a flow-style or quoted `config:`: leave it to _rewrite
        lines.append("config:\n")
        start = len(lines) - 1
    end = start + 1  # one past the block's last line (its keys are indented)
    last_line, indent = start, ""
    while end < len(lines) and (lines[end].startswith((" ", "\t")) or not lines[end].strip()):
        if lines[end].strip() and not lines[end].lstrip().startswith("#"):
            last_line = end
            # The keys' indent is the first key's; deeper lines belong to a nested value.
            indent = indent or lines[end][: len(lines[end]) - len(lines[end].lstrip())]
        end += 1
    indent = indent or "  "
    for key, value in updates.items():
        pattern = re.compile(
            rf"^(?P<lead>[ \t]+['\"]?{re.escape(key)}['\"]?[ \t]*:)[ \t]*(?P<value>[^#\n]*?)"
            rf"(?P<comment>[ \t]+#.*)?$"
        )
        for i in range(start + 1, end):
            match = pattern.match(lines[i].rstrip("\n"))
            if match:
                lines[i] = f"{match['lead']} {_scalar(value)}{match['comment'] or ''}\n"
                break
        else:
            last_line += 1
            end += 1
            lines.insert(last_line, f"{indent}{key}: {_scalar(value)}\n")
    return "".join(lines)


def _rewrite(text: str, document: Mapping[str, Any], config: Mapping[str, Any]) -> str:
    """The file's leading comments, then its whole document dumped: when editing in place fails.

    Other top-level keys (`encryptionsalt:`, `secretsprovider:`) are kept; comments after the
    first line that is not a comment are lost.
    """
    import yaml

    header = []
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            break
        header.append(line)
    body = yaml.safe_dump({**document, "config": dict(config)}, sort_keys=False)
    return "".join(header) + body


@dataclass(frozen=True)
class Written:
    path: Path
    changed: dict[str, str]
    warnings: list[str]


def write(stage: str, updates: Mapping[str, str]) -> Written:
    """Set `updates` (config key -> value) in the stage's stack file once the result is valid.

    Raises `StageError` or `infra.config.ConfigError` (one line each) and then writes nothing.
    """
    import yaml

    path = stack_file(stage)
    text, document, config = _read(path)
    updates = {key: value.strip() for key, value in updates.items() if value.strip()}
    merged = {**config, **updates}
    validate(stage, merged)

    original = text
    if not text:
        text = f"# {stage}: written by `make stage` (README, Deploying for real).\n"
    expected = {**document, "config": merged}
    new_text = _edit(text, updates)
    if new_text is None or yaml.safe_load(new_text) != expected:
        new_text = _rewrite(text, document, merged)
        if yaml.safe_load(new_text) != expected:
            raise StageError(f"{path.name}: could not write {', '.join(updates)}; edit it by hand")
    if new_text != original:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(new_text)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    warnings = [
        f"warning: {path.name}: {key} is still {value!r}, a placeholder; set your own "
        f"(pulumi config set {key} ...) or remove it (pulumi config rm {key})"
        for key, value in merged.items()
        if isinstance(value, str) and PLACEHOLDER in value.lower() and key not in updates
    ]
    changed = {key: value for key, value in updates.items() if config.get(key) != value}
    return Written(path, changed, warnings)


def region(stage: str) -> str:
    """The stack's `aws:region`, after the program's validation of its whole config."""
    path = stack_file(stage)
    if not path.is_file():
        raise StageError(f"no stack file {path.name} (stages: {', '.join(available())})")
    return validate(stage, _read(path)[2]).region


# --- command line ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.stage", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    set_ = commands.add_parser("set", help="set a stage's names in its stack file, validated")
    set_.add_argument("stage")
    set_.add_argument("--domain", default="", help="skyline:domain, e.g. app.mycompany.com")
    set_.add_argument("--zone", default="", help="skyline:hostedZone, e.g. mycompany.com")
    set_.add_argument("--alarm-email", default="", help="skyline:alarmEmail")
    set_.add_argument("--region", default="", help="aws:region")
    region_ = commands.add_parser("region", help="print a stack's aws:region")
    region_.add_argument("stage")
    select = commands.add_parser("configured", help="the stages CI runs (SKYLINE_STAGES)")
    select.add_argument("--chain", default="", help="deploy.yml's stages, comma-separated")
    select.add_argument("--github-output", default="", help="append `stages=<json>` here")
    args = parser.parse_args(argv)

    # Imported here: `configured` must run without the project's dependencies.
    errors: tuple[type[Exception], ...] = (StageError,)
    if args.command != "configured":
        from infra.config import ConfigError

        errors = (StageError, ConfigError)
    try:
        if args.command == "set":
            updates = {key: getattr(args, option) for option, key in OPTIONS.items()}
            written = write(args.stage, updates)
            for line in written.warnings:
                print(line, file=sys.stderr)
            shown = ", ".join(f"{k}={v}" for k, v in written.changed.items()) or "no change"
            where = (
                written.path.relative_to(ROOT)
                if written.path.is_relative_to(ROOT)
                else written.path
            )
            print(f"{where}: {shown}; the stage's config is valid.")
            print(
                f"CI previews and deploys it once {args.stage} is in the SKYLINE_STAGES variable."
            )
        elif args.command == "region":
            print(region(args.stage))
        else:
            chain = [name for name in args.chain.split(",") if name]
            selection = configured(
                os.environ.get("SKYLINE_STAGES"), os.environ.get("PULUMI_ORG"), available(), chain
            )
            for line in selection.messages:
                print(line)
            output = f"stages={json.dumps(selection.stages)}"
            print(output)
            if args.github_output:
                with open(args.github_output, "a") as handle:
                    handle.write(output + "\n")
    except errors as error:
        if args.command == "configured":
            print(f"::error::{error}")  # a workflow command: GitHub reads them on stdout
        else:
            print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
