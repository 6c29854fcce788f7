"""The offline plan as a Terraform plan (`terraform show -json`), for Terraform's scanners.

    python -m policy.tfplan --stack dev > plan.json

pulumi-aws is the Terraform AWS provider underneath, so each AWS resource of an `OfflineRun` is
one Terraform resource: `aws:s3/bucket:Bucket` is `aws_s3_bucket`, its `forceDestroy` input is
`force_destroy`. Checkov reads a plan the way Terraform writes it, so this writes the same shape:

- `planned_values.root_module.resources`: each resource with its values (the mock's state after
  create: the inputs plus the outputs the provider computes, ids and ARNs included), keys in
  snake_case, nested objects as one-element lists (Terraform's blocks), maps (tags, dimensions,
  environment variables) left as maps with their keys as written;
- `resource_changes`: a `create` of each, with the same values;
- `configuration.root_module.resources`: for each argument that took another resource's output
  (the engine's property dependencies), Terraform's `references`
  (`["aws_s3_bucket.skyline-dev-site-bucket.id", "aws_s3_bucket.skyline-dev-site-bucket"]`).
  Checkov builds its resource graph from these, so checks over connected resources (a bucket and
  its public access block, a DNS record and the distribution it aliases) see them linked, and
  the values stay what the program sends.

Where Pulumi's names differ from Terraform's, the tables below say how: type tokens whose module
or name is not Terraform's, list blocks that Pulumi names in the plural (`origins` for
`origin`) and arguments Pulumi renamed (`topic` for `topic_arn`). A type this module cannot name
stops the conversion (`UnmappedType`) rather than becoming a type no check knows. Resources
that are not AWS's (components, `command`, `random`) have no Terraform counterpart here and are
left out.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Mapping
from typing import Any

from infra import offline
from policy.check import valid_run

PROVIDER = "registry.terraform.io/hashicorp/aws"
# The plan format `terraform show -json` writes (Terraform 1.x). Checkov reads a file as a plan
# only if it names a Terraform version too: the one whose output this imitates, not a real run.
FORMAT_VERSION = "1.2"
TERRAFORM_VERSION = "1.9.8"

# pulumi-aws modules whose resources Terraform names aws_<module>_<resource>. Others (ec2, lb,
# apigateway, rds, ...) drop or rename the module in Terraform; add them to TYPE_OVERRIDES.
MODULES_NAMED_AS_IN_TERRAFORM = frozenset(
    {
        "acm",
        "apigatewayv2",
        "cloudfront",
        "cloudwatch",
        "dynamodb",
        "ecr",
        "iam",
        "kms",
        "lambda",
        "route53",
        "s3",
        "secretsmanager",
        "sns",
        "sqs",
        "ssm",
        "wafv2",
    }
)
# Tokens whose Terraform name is not aws_<module>_<snake_name>.
TYPE_OVERRIDES = {
    "aws:s3/bucketObject:BucketObject": "aws_s3_bucket_object",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:apigateway/restApi:RestApi": "aws_api_gateway_rest_api",
    "aws:apigateway/stage:Stage": "aws_api_gateway_stage",
    "aws:ec2/instance:Instance": "aws_instance",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:lb/loadBalancer:LoadBalancer": "aws_lb",
    "aws:rds/instance:Instance": "aws_db_instance",
}
# Arguments that are maps in Terraform (not blocks): kept as objects, their keys as written.
MAP_ARGUMENTS = frozenset(
    {
        "dimensions",
        "request_parameters",
        "request_templates",
        "response_parameters",
        "stage_variables",
        "tags",
        "tags_all",
        "variables",
    }
)
# List blocks Pulumi names in the plural: Terraform's block name is the singular. Only applied
# to a list of objects (a CloudFront distribution's `aliases` is a list of names in both).
PLURAL_BLOCKS = {
    "aliases": "alias",
    "custom_error_responses": "custom_error_response",
    "custom_headers": "custom_header",
    "custom_response_bodies": "custom_response_body",
    "function_associations": "function_association",
    "grants": "grant",
    "inline_policies": "inline_policy",
    "insert_headers": "insert_header",
    "lambda_function_associations": "lambda_function_association",
    "metric_queries": "metric_query",
    "noncurrent_version_transitions": "noncurrent_version_transition",
    "ordered_cache_behaviors": "ordered_cache_behavior",
    "origin_groups": "origin_group",
    "origins": "origin",
    "rule_action_overrides": "rule_action_override",
    "rules": "rule",
    "s3_delivery_configurations": "s3_delivery_configuration",
    "statements": "statement",
    "text_transformations": "text_transformation",
    "transitions": "transition",
}
# Lists of objects that Terraform itself names in the plural (attributes, or blocks so named).
TERRAFORM_PLURAL_LISTS = frozenset({"domain_validation_options", "items"})
# Arguments Pulumi renamed, per Terraform type.
ARGUMENT_RENAMES: dict[str, dict[str, str]] = {
    "aws_lambda_function": {"code": "filename"},
    "aws_lambda_permission": {"function": "function_name"},
    "aws_sns_topic_subscription": {"topic": "topic_arn"},
}
# Outputs a reference most likely names, in this order, when several match a value.
PREFERRED_REFERENCE_ATTRIBUTES = ("id", "arn", "name", "bucket")

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


class UnmappedType(ValueError):
    """A pulumi-aws type token this module cannot name in Terraform."""


def snake(name: str) -> str:
    """`forceDestroy` -> `force_destroy`, `s3DeliveryConfigurations` -> `s3_delivery_...`."""
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def terraform_type(token: str) -> str | None:
    """The Terraform resource type of a Pulumi type token; None for a non-AWS resource.

    `aws:cloudwatch/metricAlarm:MetricAlarm` -> `aws_cloudwatch_metric_alarm`. pulumi-aws 7
    keeps the deprecated S3 `...V2` resources under their own tokens (`BucketVersioningV2`); in
    Terraform they are the same resource as the unsuffixed one (`aws_s3_bucket_versioning`).
    """
    if token in TYPE_OVERRIDES:
        return TYPE_OVERRIDES[token]
    parts = token.split(":")
    if len(parts) != 3 or parts[0] != "aws" or "/" not in parts[1]:
        return None
    module, resource = parts[1].split("/", 1)
    if module not in MODULES_NAMED_AS_IN_TERRAFORM:
        raise UnmappedType(
            f"{token}: Terraform does not name {module!r} resources aws_{module}_*; add the "
            "type to policy/tfplan.py TYPE_OVERRIDES"
        )
    if module == "s3" and resource.endswith("V2"):
        resource = resource[: -len("V2")]
    return f"aws_{module}_{snake(resource)}"


def _argument(tf_type: str | None, key: str, value: Any) -> str:
    name = snake(key)
    if tf_type is not None:
        name = ARGUMENT_RENAMES.get(tf_type, {}).get(name, name)
    if isinstance(value, list) and any(isinstance(item, Mapping) for item in value):
        name = PLURAL_BLOCKS.get(name, name)
    return name


def values(tf_type: str | None, inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Pulumi's camelCase props as Terraform's arguments: snake_case, blocks as lists.

    `tf_type` is the resource's type for its own arguments, where Pulumi's renames apply, and
    None inside a block.
    """
    converted: dict[str, Any] = {}
    for key, value in inputs.items():
        name = _argument(tf_type, key, value)
        converted[name] = _value(name, value)
    return converted


def _value(name: str, value: Any) -> Any:
    if isinstance(value, Mapping):
        if name in MAP_ARGUMENTS:
            return dict(value)
        return [values(None, value)]
    if isinstance(value, list):
        # A repeated block: each item is one block.
        return [values(None, item) if isinstance(item, Mapping) else item for item in value]
    return value


def _state(registered: offline.Registered) -> dict[str, Any]:
    """What Terraform's plan shows for a created resource: known inputs and computed outputs."""
    state = dict(registered.outputs or registered.inputs)
    if registered.id:
        state.setdefault("id", registered.id)
    return state


def _referenced_attribute(value: Any, target: offline.Registered) -> str | None:
    """Which output of `target` the value carries (`id`, `arn`, ...), if one is recognisable."""
    text = json.dumps(value, sort_keys=True, default=str)
    found = {
        key: output
        for key, output in _state(target).items()
        if isinstance(output, str) and len(output) >= 4 and output in text
    }
    if not found:
        return None

    def rank(key: str) -> tuple[bool, int, int, str]:
        # The whole value first, then the longest output found in it (an ARN holds its id),
        # then the attribute a reference most often names.
        preferred = PREFERRED_REFERENCE_ATTRIBUTES
        order = preferred.index(key) if key in preferred else len(preferred)
        return (found[key] != value, -len(found[key]), order, key)

    return snake(min(found, key=rank))


def _expressions(
    registered: offline.Registered,
    tf_type: str,
    addresses: Mapping[str, str],
    by_urn: Mapping[str, offline.Registered],
) -> dict[str, Any]:
    expressions: dict[str, Any] = {}
    for key, urns in sorted(registered.property_dependencies.items()):
        value = registered.inputs.get(key)
        references: list[str] = []
        for urn in urns:
            address = addresses.get(urn)
            if address is None:
                continue
            attribute = _referenced_attribute(value, by_urn[urn])
            if attribute:
                references.append(f"{address}.{attribute}")
            references.append(address)
        if references:
            argument = _argument(tf_type, key, value)
            expressions[argument] = {"references": references}
    return expressions


def plan(run: offline.OfflineRun) -> dict[str, Any]:
    """The Terraform plan JSON of one offline run: every AWS resource created."""
    converted = [(r, terraform_type(r.type)) for r in run.resources if r.custom]
    aws_resources = [(r, t) for r, t in converted if t is not None]
    # Logical names are letters, digits, dashes and underscores: valid Terraform names too.
    addresses = {r.urn: f"{t}.{r.name}" for r, t in aws_resources}
    by_urn = {r.urn: r for r in run.resources}

    planned: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    configured: list[dict[str, Any]] = []
    for registered, tf_type in aws_resources:
        address = addresses[registered.urn]
        state = values(tf_type, _state(registered))
        identity = {
            "address": address,
            "mode": "managed",
            "type": tf_type,
            "name": registered.name,
            "provider_name": PROVIDER,
        }
        planned.append({**identity, "schema_version": 0, "values": state, "sensitive_values": {}})
        changes.append(
            {
                **identity,
                "change": {
                    "actions": ["create"],
                    "before": None,
                    "after": state,
                    "after_unknown": {},
                    "before_sensitive": False,
                    "after_sensitive": {},
                },
            }
        )
        configured.append(
            {
                "address": address,
                "mode": "managed",
                "type": tf_type,
                "name": registered.name,
                "provider_config_key": "aws",
                "expressions": _expressions(registered, tf_type, addresses, by_urn),
                "schema_version": 0,
            }
        )

    region = run.config.get("aws:region", "us-east-1")
    return {
        "format_version": FORMAT_VERSION,
        "terraform_version": TERRAFORM_VERSION,
        "planned_values": {"root_module": {"resources": planned}},
        "resource_changes": changes,
        "configuration": {
            "provider_config": {
                "aws": {
                    "name": "aws",
                    "full_name": PROVIDER,
                    "expressions": {"region": {"constant_value": region}},
                }
            },
            "root_module": {"resources": configured},
        },
    }


def logical_name(address: str) -> str:
    """The Pulumi logical name in a plan address (`aws_s3_bucket.skyline-dev-site-bucket`)."""
    return address.split(".", 1)[1] if "." in address else address


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m policy.tfplan", description=__doc__)
    parser.add_argument("--stack", required=True, choices=offline.stacks())
    args = parser.parse_args(argv)
    run = valid_run(args.stack, "tfplan")
    if run is None:
        return 2
    print(json.dumps(plan(run), indent=2, sort_keys=True, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
