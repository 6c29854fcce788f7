"""Run the policy pack offline over the program's resources: no Pulumi CLI, no cloud.

    python -m policy.check [--stack dev ...]      (every stack by default)

Exits 1 when any mandatory control fails, 2 when a stack's config is bad. `policy_violations(run)`
is the same check for callers that already hold an OfflineRun (the offline plan).

The CLI runs a pack by serving it over gRPC; here each policy's `validate` is called directly
with the same argument classes CrossGuard builds (pulumi_policy's constructors are plain), props
wrapped in the same unknown-checking proxy. One difference from the engine, because
`infra.offline` records what the engine *receives*: resource and stack controls both see a
resource's inputs (the engine gives stack controls its outputs). Stack resources carry the
recorded whole-resource and per-property dependencies, as the engine sends them.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import unknown_checking_proxy

from infra import offline
from policy.skyline_policies import ALL, Policy

EXIT_VIOLATIONS = 1
EXIT_BAD_CONFIG = 2


@dataclass(frozen=True)
class Violation:
    policy: str
    level: str  # "mandatory" or "advisory", as the pack enforces it
    message: str
    # The resource at fault; None when a stack control blames the stack as a whole.
    urn: str | None
    name: str | None
    type: str | None

    @property
    def mandatory(self) -> bool:
        return self.level == EnforcementLevel.MANDATORY.value

    def __str__(self) -> str:
        where = f" [{self.type} {self.name}]" if self.name else ""
        return f"{self.level.upper()} {self.policy}{where}: {self.message}"


def _options(resource: offline.Registered) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=resource.protect,
        ignore_changes=[],
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=resource.parent or None,
    )


def _stack_resources(run: offline.OfflineRun) -> list[PolicyResource]:
    by_urn: dict[str, PolicyResource] = {}
    for registered in run.resources:
        by_urn[registered.urn] = PolicyResource(
            registered.type,
            unknown_checking_proxy(registered.inputs),
            registered.urn,
            registered.name,
            _options(registered),
            None,
            None,
            [],
            {},
        )
    for registered in run.resources:
        resource = by_urn[registered.urn]
        resource.parent = by_urn.get(registered.parent)
        resource.dependencies = [by_urn[d] for d in registered.dependencies if d in by_urn]
        resource.property_dependencies = {
            key: [by_urn[d] for d in urns if d in by_urn]
            for key, urns in registered.property_dependencies.items()
        }
    return list(by_urn.values())


def _settle(result: Any) -> None:
    # The pack's controls are synchronous; a policy written as a coroutine still runs fully.
    if inspect.isawaitable(result):
        asyncio.run(_wait(result))


async def _wait(awaitable: Any) -> None:
    await awaitable


def _level(policy: Policy) -> str:
    level = policy.enforcement_level or EnforcementLevel.MANDATORY
    return str(level.value)


def _resource_violations(
    policy: ResourceValidationPolicy, run: offline.OfflineRun
) -> list[Violation]:
    found: list[Violation] = []
    level = _level(policy)
    for resource in run.resources:

        def report(message: str, _urn: str | None = None, r: Any = resource) -> None:
            # CrossGuard ignores the urn a resource policy passes: the resource is the one checked.
            found.append(Violation(policy.name, level, message, r.urn, r.name, r.type))

        args = ResourceValidationArgs(
            resource.type,
            unknown_checking_proxy(resource.inputs),
            resource.urn,
            resource.name,
            _options(resource),
            None,
        )
        _settle(policy.validate(args, report))
    return found


def _stack_violations(policy: StackValidationPolicy, run: offline.OfflineRun) -> list[Violation]:
    found: list[Violation] = []
    level = _level(policy)
    by_urn = {r.urn: r for r in run.resources}

    def report(message: str, urn: str | None = None) -> None:
        blamed = by_urn.get(urn) if urn else None
        name, type_ = (blamed.name, blamed.type) if blamed else (None, None)
        found.append(Violation(policy.name, level, message, urn, name, type_))

    _settle(policy.validate(StackValidationArgs(_stack_resources(run)), report))
    return found


def policy_violations(run: offline.OfflineRun, policies: Sequence[Policy] = ALL) -> list[Violation]:
    """Every violation the pack reports for the resources of one offline run."""
    found: list[Violation] = []
    for policy in policies:
        if isinstance(policy, ResourceValidationPolicy):
            found.extend(_resource_violations(policy, run))
        elif isinstance(policy, StackValidationPolicy):
            found.extend(_stack_violations(policy, run))
        else:
            raise TypeError(f"{policy.name}: neither a resource nor a stack policy")
    return found


def report(run: offline.OfflineRun) -> int:
    """Print the pack's verdict on one run; EXIT_VIOLATIONS when a mandatory control fails."""
    violations = policy_violations(run)
    mandatory = sum(v.mandatory for v in violations)
    print(
        f"policy: stack {run.stack}: {len(ALL)} policies over {len(run.resources)} resources, "
        f"{mandatory} mandatory and {len(violations) - mandatory} advisory violation(s)"
    )
    for violation in violations:
        print(f"  {violation}")
    return EXIT_VIOLATIONS if mandatory else 0


def valid_run(stack: str, tool: str) -> offline.OfflineRun | None:
    """The stack's offline run; None, once `<tool>: stack <stack>: error: ...` is printed, when
    its config stops the program as it would stop `pulumi up`."""
    run = offline.run(stack)
    if run.error is not None:
        print(f"{tool}: stack {stack}: error: {run.error}", file=sys.stderr)
        return None
    return run


def main(argv: list[str] | None = None) -> int:
    stacks = offline.stacks()
    parser = argparse.ArgumentParser(prog="python -m policy.check", description=__doc__)
    parser.add_argument(
        "--stack", action="append", choices=stacks, help="a stack to check (repeatable)"
    )
    args = parser.parse_args(argv)

    status = 0
    for stack in args.stack or stacks:
        run = valid_run(stack, "policy")
        status = max(status, EXIT_BAD_CONFIG if run is None else report(run))
    return status


if __name__ == "__main__":
    sys.exit(main())
