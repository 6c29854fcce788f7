"""Lambda and its neighbours: runtime, who may invoke it, its logs, and its role's permissions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from infra.config import LAMBDA_RUNTIMES

from . import documents
from .controls import ResourceControl, is_set, items, value

FUNCTION = "aws:lambda/function:Function"
PERMISSION = "aws:lambda/permission:Permission"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
MANAGED_POLICY = "aws:iam/policy:Policy"

# Python runtimes that AWS still supports and that the backend is tested against: the stage
# config's list, so the pack and the program never disagree.
SUPPORTED_RUNTIMES = frozenset(LAMBDA_RUNTIMES)


def _runtime(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    if value(props, "packageType") == "Image":
        return  # A container image brings its own runtime.
    runtime = value(props, "runtime")
    if runtime not in SUPPORTED_RUNTIMES:
        yield f"runtime {runtime!r} is not one of {sorted(SUPPORTED_RUNTIMES)}"


def _source_arn(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    if not is_set(props, "sourceArn"):
        yield (
            f"permission for {value(props, 'principal')!r} has no sourceArn: any "
            "resource of that service, in any account, could invoke the function"
        )


def _log_retention(type_: str, props: Mapping[str, Any]) -> Iterator[str]:
    if type_ == FUNCTION:
        if not is_set(props, "loggingConfig", "logGroup"):
            yield (
                "no loggingConfig.logGroup: Lambda would create /aws/lambda/<name> itself, "
                "with no retention"
            )
        return
    retention = value(props, "retentionInDays")
    if not isinstance(retention, int) or retention <= 0:
        yield f"retentionInDays must be set (it is {retention!r}); logs would be kept forever"


def _wildcards(policy: Any, label: str) -> Iterator[str]:
    try:
        statements = documents.statements(documents.parse(policy))
    except documents.DocumentError as error:
        yield f"{label} is {error}"
        return
    for index, statement in enumerate(statements):
        if documents.effect(statement) != "Allow":
            continue
        sid = statement.get("Sid") or index
        if "NotAction" in statement:
            yield f"{label} statement {sid} allows NotAction: every action but a few"
        wild = [a for a in documents.actions(statement) if documents.WILDCARD_ACTION.match(a)]
        if wild:
            yield f"{label} statement {sid} allows wildcard action(s) {wild}"


def _no_wildcard_actions(type_: str, props: Mapping[str, Any]) -> Iterator[str]:
    if type_ == ROLE:
        for inline in items(value(props, "inlinePolicies")):
            yield from _wildcards(
                value(inline, "policy"), f"inline policy {value(inline, 'name')!r}"
            )
        return
    yield from _wildcards(value(props, "policy"), "policy")


SUPPORTED_RUNTIME = ResourceControl(
    name="lambda-supported-runtime",
    description=f"Functions run a supported Python runtime ({LAMBDA_RUNTIMES[0]} to "
    f"{LAMBDA_RUNTIMES[-1]}).",
    types=frozenset({FUNCTION}),
    check=_runtime,
    remediation="pulumi config set skyline:lambdaRuntime python3.13",
)
PERMISSION_SOURCE_ARN = ResourceControl(
    name="lambda-permission-source-arn",
    description="Every invoke permission is scoped to one source by sourceArn.",
    types=frozenset({PERMISSION}),
    check=_source_arn,
    remediation="Set source_arn (e.g. the API's execution_arn + '/*/*').",
)
LOG_RETENTION = ResourceControl(
    name="lambda-log-retention",
    description="Functions log to a group the stack owns, and every log group has a retention.",
    types=frozenset({FUNCTION, LOG_GROUP}),
    check=_log_retention,
    remediation="Create an aws.cloudwatch.LogGroup with retention_in_days and pass its name as "
    "logging_config.log_group.",
)
NO_WILDCARD_ACTIONS = ResourceControl(
    name="iam-no-wildcard-actions",
    description="No IAM policy allows `*`, `service:*` or NotAction.",
    types=frozenset({ROLE, ROLE_POLICY, MANAGED_POLICY}),
    check=_no_wildcard_actions,
    remediation="List the actions the function needs (e.g. logs:CreateLogStream, "
    "logs:PutLogEvents) on its own resources.",
)

RESOURCE_CONTROLS = (SUPPORTED_RUNTIME, PERMISSION_SOURCE_ARN, LOG_RETENTION, NO_WILDCARD_ACTIONS)
