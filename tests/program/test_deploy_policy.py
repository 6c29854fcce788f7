"""docs/deploy-policy.json covers every AWS service the program manages and the release tool calls.

The resource graph comes from running each stack's real program offline (the `runs` fixture).
Each resource type token `aws:<module>/<type>:<Type>` is mapped to the IAM service prefix that
authorises it; a module (or an invoke) missing from the tables fails loudly, so a new kind of
resource cannot reach `pulumi up` without its permissions being considered here first.
"""

from __future__ import annotations

import fnmatch
import json
import re
from pathlib import Path
from typing import Any

import pytest

from infra import offline

ROOT = Path(__file__).resolve().parents[2]
POLICY = ROOT / "docs" / "deploy-policy.json"
RELEASE = ROOT / "infra" / "release"
PREFIX = "skyline-"
# IAM's limit for a customer managed policy, whitespace excluded.
MANAGED_POLICY_LIMIT = 6144

# pulumi-aws module -> IAM service prefix. The module is the token's middle part
# (`aws:apigatewayv2/api:Api` -> `apigatewayv2`); most match their prefix, some do not
# (API Gateway v2 is authorised as `apigateway:`; `cloudwatch` also holds the log resources).
MODULE_PREFIXES = {
    "acm": "acm",
    "apigateway": "apigateway",
    "apigatewayv2": "apigateway",
    "cloudfront": "cloudfront",
    "cloudwatch": "cloudwatch",
    "iam": "iam",
    "lambda": "lambda",
    "route53": "route53",
    "s3": "s3",
    "sns": "sns",
    "wafv2": "wafv2",
}
# Types of a module whose service is another one: pulumi-aws's `cloudwatch` module holds the
# CloudWatch Logs resources (`aws:cloudwatch/logGroup:LogGroup` is `logs:CreateLogGroup`).
TYPE_PREFIXES = {
    "aws:cloudwatch/logGroup:LogGroup": "logs",
    "aws:cloudwatch/logStream:LogStream": "logs",
    "aws:cloudwatch/logSubscriptionFilter:LogSubscriptionFilter": "logs",
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": "logs",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "logs",
    "aws:cloudwatch/logDeliverySource:LogDeliverySource": "logs",
    "aws:cloudwatch/logDeliveryDestination:LogDeliveryDestination": "logs",
    "aws:cloudwatch/logDelivery:LogDelivery": "logs",
}
# Invokes (data sources) the program calls, and the service each needs.
INVOKE_PREFIXES = {
    "aws:index/getCallerIdentity:getCallerIdentity": "sts",
    "aws:route53/getZone:getZone": "route53",
}
# Not AWS: Pulumi itself, the release Command (its AWS calls are checked below) and
# pulumi-random (computed by the provider).
NOT_AWS = ("pulumi:", "command:", "random:")

# The release tool's boto3 calls -> the IAM actions they need (CopyObject reads the source and
# writes the copy; HeadBucket/HeadObject are authorised as ListBucket/GetObject).
RELEASE_CALLS = {
    "s3.head_bucket": ["s3:ListBucket"],
    "s3.list_objects_v2": ["s3:ListBucket"],
    "s3.get_object": ["s3:GetObject"],
    "s3.head_object": ["s3:GetObject"],
    "s3.put_object": ["s3:PutObject"],
    "s3.copy_object": ["s3:GetObject", "s3:PutObject"],
    "s3.delete_objects": ["s3:DeleteObject"],
    "cloudfront.get_distribution": ["cloudfront:GetDistribution"],
    "cloudfront.create_invalidation": ["cloudfront:CreateInvalidation"],
    "cloudfront.get_invalidation": ["cloudfront:GetInvalidation"],
}

# Resource types whose physical name the policy scopes by `skyline-*`, and the input that
# holds a name given explicitly (without one, Pulumi names it `<logical name>-<random>`).
NAME_SCOPED = {
    "aws:s3/bucket:Bucket": "bucket",
    "aws:lambda/function:Function": "name",
    "aws:iam/role:Role": "name",
    "aws:cloudwatch/logGroup:LogGroup": "name",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "name",
    "aws:sns/topic:Topic": "name",
    "aws:cloudfront/function:Function": "name",
}

# Permissions the graph needs beyond "the service appears": what reviews found missing before.
REQUIRED_WHEN = {
    "aws:apigatewayv2/stage:Stage": [
        # HTTP API access logs are vended logs: these are checked on the caller.
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
    ],
    "aws:lambda/function:Function": ["iam:PassRole", "lambda:CreateFunction"],
    "aws:cloudfront/monitoringSubscription:MonitoringSubscription": [
        "cloudfront:CreateMonitoringSubscription"
    ],
    "aws:acm/certificateValidation:CertificateValidation": ["acm:DescribeCertificate"],
}


def policy() -> dict[str, Any]:
    document = json.loads(POLICY.read_text())
    assert isinstance(document, dict)
    return document


def statements() -> list[dict[str, Any]]:
    found = policy()["Statement"]
    assert isinstance(found, list)
    return found


def as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else value


def allowed_actions() -> list[str]:
    return [a for s in statements() if s["Effect"] == "Allow" for a in as_list(s["Action"])]


def allows(action: str, resource: str | None = None) -> bool:
    """Whether some Allow statement matches `action` (IAM wildcards, case-insensitive)."""
    for statement in statements():
        if statement["Effect"] != "Allow":
            continue
        if not any(
            fnmatch.fnmatch(action.lower(), a.lower()) for a in as_list(statement["Action"])
        ):
            continue
        if resource is None or any(
            fnmatch.fnmatchcase(resource, r) for r in as_list(statement["Resource"])
        ):
            return True
    return False


def service_of(type_token: str) -> str | None:
    if type_token.startswith(NOT_AWS):
        return None
    if type_token in TYPE_PREFIXES:
        return TYPE_PREFIXES[type_token]
    match = re.fullmatch(r"aws:([A-Za-z0-9]+)/[^:]+:[^:]+", type_token)
    assert match, f"not an aws resource type token: {type_token}"
    module = match[1]
    assert module in MODULE_PREFIXES, (
        f"{type_token}: no IAM service prefix for the pulumi-aws module {module!r}; add it to "
        "MODULE_PREFIXES (or TYPE_PREFIXES) in this test and its actions to docs/deploy-policy.json"
    )
    return MODULE_PREFIXES[module]


def graph_services(runs: dict[str, offline.OfflineRun]) -> dict[str, set[str]]:
    """IAM service prefix -> the resource types and invokes (across stacks) that need it."""
    services: dict[str, set[str]] = {}
    for run in runs.values():
        for resource in run.resources:
            # Component resources (`skyline:index:StaticSite`) only group the AWS ones.
            service = service_of(resource.type) if resource.custom else None
            if service:
                services.setdefault(service, set()).add(resource.type)
        for invoke in run.invokes:
            assert invoke.token in INVOKE_PREFIXES, (
                f"invoke {invoke.token}: add its IAM service prefix to INVOKE_PREFIXES in this test"
            )
            services.setdefault(INVOKE_PREFIXES[invoke.token], set()).add(invoke.token)
    return services


def test_policy_is_a_valid_managed_policy_document() -> None:
    document = policy()
    assert document["Version"] == "2012-10-17"
    sids = [s["Sid"] for s in statements()]
    assert len(sids) == len(set(sids))
    for statement in statements():
        assert set(statement) <= {"Sid", "Effect", "Action", "Resource", "Condition"}, statement
        assert statement["Effect"] == "Allow"
        for action in as_list(statement["Action"]):
            assert re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9*]+", action), action
    minified = json.dumps(document, separators=(",", ":"))
    assert len(minified) <= MANAGED_POLICY_LIMIT


def test_every_service_in_every_stacks_graph_is_in_the_policy(
    runs: dict[str, offline.OfflineRun],
) -> None:
    services = graph_services(runs)
    # The tables above are exercised: the graph really holds these services.
    assert {"s3", "cloudfront", "lambda", "iam", "apigateway", "logs", "cloudwatch", "sns",
            "route53", "acm"} <= set(services)  # fmt: skip
    in_policy = {action.split(":", 1)[0] for action in allowed_actions()}
    missing = {
        service: sorted(types) for service, types in services.items() if service not in in_policy
    }
    assert not missing, f"services with no action in docs/deploy-policy.json: {missing}"


def test_specific_permissions_the_graph_needs(runs: dict[str, offline.OfflineRun]) -> None:
    types = {r.type for run in runs.values() for r in run.resources}
    for type_token, actions in REQUIRED_WHEN.items():
        if type_token in types:
            for action in actions:
                assert allows(action), f"{type_token} needs {action}"


def test_function_role_can_only_be_passed_to_lambda() -> None:
    (passing,) = [s for s in statements() if "iam:PassRole" in as_list(s["Action"])]
    assert as_list(passing["Action"]) == ["iam:PassRole"]
    assert passing["Resource"] == f"arn:aws:iam::*:role/{PREFIX}*"
    assert passing["Condition"] == {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}


def test_release_tool_calls_are_allowed_on_the_site_bucket_and_distribution() -> None:
    calls = set()
    for source in sorted(RELEASE.glob("*.py")):
        text = source.read_text()
        calls |= {f"{c}.{m}" for c, m in re.findall(r"self\.(s3|cloudfront)\.(\w+)\(", text)}
        calls |= {f"s3.{m}" for m in re.findall(r"self\.s3\.get_paginator\(\"(\w+)\"\)", text)}
    calls.discard("s3.get_paginator")
    assert calls, "no boto3 calls found in infra/release"
    unmapped = calls - set(RELEASE_CALLS)
    assert not unmapped, f"release tool calls missing from RELEASE_CALLS: {sorted(unmapped)}"
    bucket = f"arn:aws:s3:::{PREFIX}dev-site-bucket-0123abc"
    for call in sorted(calls):
        for action in RELEASE_CALLS[call]:
            if action == "s3:ListBucket":
                resource = bucket
            elif action.startswith("s3:"):
                resource = f"{bucket}/assets/index-abc123.js"
            else:
                resource = "arn:aws:cloudfront::123456789012:distribution/E2EXAMPLE"
            assert allows(action, resource), f"{call} needs {action} on {resource}"


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("s3:PutObject", "arn:aws:s3:::someone-elses-bucket/key"),
        ("s3:DeleteBucket", "arn:aws:s3:::someone-elses-bucket"),
        ("lambda:UpdateFunctionCode", "arn:aws:lambda:us-east-2:123456789012:function:other"),
        ("iam:PutRolePolicy", "arn:aws:iam::123456789012:role/admin"),
        ("iam:PassRole", "arn:aws:iam::123456789012:role/admin"),
        ("logs:DeleteLogGroup", "arn:aws:logs:us-east-2:123456789012:log-group:/aws/other"),
        ("sns:DeleteTopic", "arn:aws:sns:us-east-2:123456789012:other"),
        ("cloudwatch:DeleteAlarms", "arn:aws:cloudwatch:us-east-2:123456789012:alarm:other"),
    ],
)
def test_name_scoped_services_stop_at_the_prefix(action: str, resource: str) -> None:
    assert allows(action)
    assert not allows(action, resource)


def test_no_statement_grants_a_whole_service_on_every_resource() -> None:
    for statement in statements():
        if "*" in as_list(statement["Resource"]):
            for action in as_list(statement["Action"]):
                assert not action.endswith(":*") and action != "*", (statement["Sid"], action)


def test_name_scoped_resources_are_named_with_the_prefix(
    runs: dict[str, offline.OfflineRun],
) -> None:
    # The policy's `skyline-*` scopes hold only if every such resource is named that way:
    # Pulumi's auto-name is `<logical name>-<random>`, and logical names start with the prefix.
    checked = 0
    for run in runs.values():
        for resource in run.resources:
            if resource.type not in NAME_SCOPED:
                continue
            explicit = resource.inputs.get(NAME_SCOPED[resource.type])
            name = str(explicit) if explicit else resource.name
            assert name.startswith(PREFIX), f"{run.stack}: {resource.type} {name!r}"
            checked += 1
    assert checked
