"""The offline plan: every resource a stack would register, without cloud, credentials or CLI.

    python -m infra.plan --stack dev [--json] [--policy]

Reviewers read this when a pull request has no cloud credentials. A bad stack config prints
the config's one-line error and exits 2. `--policy` runs the policy pack on the same resources,
prints its violations and exits 1 when a mandatory control fails.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from typing import Any

import yaml

from infra import offline

EXIT_BAD_CONFIG = 2


def _short(urn: str) -> str:
    """The logical name at the end of a URN (or a provider reference)."""
    return urn.split("::")[-1] if urn else ""


def _provider(reference: str) -> str:
    # "urn:...::pulumi:providers:aws::default_7_51_1::<id>" -> "aws::default_7_51_1"
    parts = reference.split("::")
    return "::".join(parts[-3:-1]).replace("pulumi:providers:", "") if reference else ""


def as_json(run: offline.OfflineRun) -> dict[str, Any]:
    names = {r.urn: r.name for r in run.resources}
    return {
        "stack": run.stack,
        "resources": [
            {
                "type": r.type,
                "name": r.name,
                "parent": names.get(r.parent),
                "provider": _provider(r.provider) or None,
                "protect": r.protect,
                "dependsOn": sorted(names[d] for d in r.dependencies if d in names),
                "inputs": r.inputs,
            }
            for r in sorted(run.resources, key=lambda r: (r.type, r.name))
        ],
        "outputs": run.outputs,
    }


def as_tree(run: offline.OfflineRun) -> str:
    children: dict[str, list[offline.Registered]] = defaultdict(list)
    known = {r.urn for r in run.resources}
    for resource in run.resources:
        children[resource.parent if resource.parent in known else ""].append(resource)

    lines = [f"stack {run.stack}: {len(run.resources)} resources"]

    def walk(parent: str, indent: str) -> None:
        for resource in sorted(children[parent], key=lambda r: (not r.custom, r.name)):
            flags = []
            if resource.protect:
                flags.append("protected")
            if provider := _provider(resource.provider):
                flags.append(f"provider {provider}")
            suffix = f"  ({', '.join(flags)})" if flags else ""
            lines.append(f"{indent}+ {resource.type}  {resource.name}{suffix}")
            if resource.inputs:
                body = yaml.safe_dump(resource.inputs, sort_keys=True, width=100).rstrip()
                lines.extend(f"{indent}    {line}" for line in body.splitlines())
            walk(resource.urn, indent + "    ")

    walk("", "  ")
    lines.append("outputs:")
    lines.extend(f"  {key}: {value}" for key, value in sorted(run.outputs.items()))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.plan", description=__doc__)
    parser.add_argument("--stack", required=True, help=f"one of: {', '.join(offline.stacks())}")
    parser.add_argument("--json", action="store_true", help="print JSON for machines")
    parser.add_argument("--policy", action="store_true", help="run the policy pack offline too")
    args = parser.parse_args(argv)

    if args.stack not in offline.stacks():
        print(
            f"plan: error: no stack file stacks/Pulumi.{args.stack}.yaml "
            f"(stacks: {', '.join(offline.stacks())})",
            file=sys.stderr,
        )
        return EXIT_BAD_CONFIG
    run = offline.run(args.stack)
    if run.error is not None:
        print(f"error: {run.error}", file=sys.stderr)
        return EXIT_BAD_CONFIG
    if args.json:
        print(json.dumps(as_json(run), indent=2, sort_keys=True, default=str))
    else:
        print(as_tree(run))
    return _check_policies(run) if args.policy else 0


def _check_policies(run: offline.OfflineRun) -> int:
    # Imported here: the pack imports this package's offline runner, not the other way round.
    from policy.check import report

    return report(run)


if __name__ == "__main__":
    sys.exit(main())
