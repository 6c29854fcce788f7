"""The offline plan as a Terraform plan: Terraform's types, arguments, blocks and references."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from infra import offline
from policy import tfplan


@pytest.mark.parametrize(
    ("token", "terraform"),
    [
        ("aws:s3/bucket:Bucket", "aws_s3_bucket"),
        ("aws:s3/bucketVersioning:BucketVersioning", "aws_s3_bucket_versioning"),
        # pulumi-aws 7 keeps the deprecated V2 tokens; Terraform has one resource for both.
        ("aws:s3/bucketVersioningV2:BucketVersioningV2", "aws_s3_bucket_versioning"),
        ("aws:s3/bucketV2:BucketV2", "aws_s3_bucket"),
        ("aws:s3/bucketLoggingV2:BucketLoggingV2", "aws_s3_bucket_logging"),
        ("aws:s3/bucketObjectv2:BucketObjectv2", "aws_s3_object"),
        (
            "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
            "aws_s3_bucket_server_side_encryption_configuration",
        ),
        ("aws:cloudfront/distribution:Distribution", "aws_cloudfront_distribution"),
        ("aws:lambda/function:Function", "aws_lambda_function"),
        ("aws:apigatewayv2/api:Api", "aws_apigatewayv2_api"),
        ("aws:cloudwatch/logGroup:LogGroup", "aws_cloudwatch_log_group"),
        ("aws:cloudwatch/metricAlarm:MetricAlarm", "aws_cloudwatch_metric_alarm"),
        (
            "aws:cloudwatch/logDeliverySource:LogDeliverySource",
            "aws_cloudwatch_log_delivery_source",
        ),
        ("aws:wafv2/webAcl:WebAcl", "aws_wafv2_web_acl"),
        ("aws:route53/record:Record", "aws_route53_record"),
        ("aws:iam/rolePolicy:RolePolicy", "aws_iam_role_policy"),
        ("aws:ec2/vpc:Vpc", "aws_vpc"),
        ("aws:apigateway/restApi:RestApi", "aws_api_gateway_rest_api"),
        # Not AWS: no Terraform AWS resource.
        ("command:local:Command", None),
        ("random:index/randomPassword:RandomPassword", None),
        ("skyline:index:StaticSite", None),
    ],
)
def test_type_tokens_become_terraform_types(token: str, terraform: str | None) -> None:
    assert tfplan.terraform_type(token) == terraform


def test_a_type_it_cannot_name_stops_the_conversion() -> None:
    # Terraform calls it aws_subnet: a guess of aws_ec2_subnet would be checked by nothing.
    with pytest.raises(tfplan.UnmappedType, match="TYPE_OVERRIDES"):
        tfplan.terraform_type("aws:ec2/subnet:Subnet")


def _resources(plan: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["address"]: r for r in plan["planned_values"]["root_module"]["resources"]}


def _configured(plan: dict[str, Any], address: str) -> dict[str, Any]:
    found = plan["configuration"]["root_module"]["resources"]
    return next(r for r in found if r["address"] == address)["expressions"]


@pytest.fixture(scope="module")
def plans(runs: dict[str, offline.OfflineRun]) -> dict[str, dict[str, Any]]:
    return {stack: tfplan.plan(run) for stack, run in runs.items()}


@pytest.mark.parametrize("stack", offline.stacks())
def test_every_aws_resource_is_created_in_the_plan(
    stack: str, runs: dict[str, offline.OfflineRun], plans: dict[str, dict[str, Any]]
) -> None:
    run, plan = runs[stack], plans[stack]
    expected = {
        f"{tfplan.terraform_type(r.type)}.{r.name}"
        for r in run.resources
        if r.custom and r.type.startswith("aws:")
    }
    assert set(_resources(plan)) == expected
    assert {c["address"] for c in plan["resource_changes"]} == expected
    assert all(c["change"]["actions"] == ["create"] for c in plan["resource_changes"])
    configured = plan["configuration"]["root_module"]["resources"]
    assert {r["address"] for r in configured} == expected
    # What Checkov needs to read it as a plan, and what `terraform show -json` writes.
    assert {"format_version", "terraform_version", "planned_values"} <= set(plan)
    json.dumps(plan)


def test_arguments_are_terraform_s(plans: dict[str, dict[str, Any]]) -> None:
    resources = _resources(plans["prod"])
    cdn = resources["aws_cloudfront_distribution.skyline-prod-site-cdn"]["values"]
    # Blocks are lists of one object; Pulumi's plural list blocks are Terraform's singular.
    assert cdn["origin"][0]["origin_access_control_id"]
    assert cdn["default_cache_behavior"][0]["viewer_protocol_policy"] == "redirect-to-https"
    assert cdn["viewer_certificate"][0]["minimum_protocol_version"] == "TLSv1.2_2021"
    assert [r["error_code"] for r in cdn["custom_error_response"]] == [403, 404]
    assert cdn["restrictions"] == [{"geo_restriction": [{"restriction_type": "none"}]}]
    # A list of names stays a list of names.
    assert cdn["aliases"] == ["app.example.com"]
    record = resources["aws_route53_record.skyline-prod-site-records-a"]["values"]
    assert record["alias"][0]["name"] == cdn["domain_name"]
    # Maps keep their keys as written.
    alarm = resources["aws_cloudwatch_metric_alarm.skyline-prod-observability-site-5xx-rate"]
    assert set(alarm["values"]["dimensions"]) == {"DistributionId", "Region"}
    function = resources["aws_lambda_function.skyline-prod-api-function"]["values"]
    assert "STAGE" in function["environment"][0]["variables"]
    # Arguments Pulumi renamed.
    subscription = resources["aws_sns_topic_subscription.skyline-prod-observability-alarm-email"]
    assert subscription["values"]["topic_arn"].startswith("arn:aws:sns:")
    permission = resources["aws_lambda_permission.skyline-prod-api-invoke-permission"]
    assert permission["values"]["function_name"] == function["name"]
    acl = resources["aws_wafv2_web_acl.skyline-prod-waf-acl"]["values"]
    assert acl["rule"][0]["name"] == "rate-limit-per-ip"
    assert acl["default_action"] == [{"allow": [{}]}]


def _repeated_blocks(value: Any) -> Iterator[str]:
    """The (snake_case) names of Pulumi props holding a list of objects, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, list) and any(isinstance(i, dict) for i in item):
                yield tfplan.snake(key)
            yield from _repeated_blocks(item)
    elif isinstance(value, list):
        for item in value:
            yield from _repeated_blocks(item)


def test_no_pulumi_plural_is_left_for_a_terraform_block(
    runs: dict[str, offline.OfflineRun],
) -> None:
    """Pulumi names repeated blocks in the plural (`rules` for Terraform's `rule`). A new one
    fails here, so it is added to PLURAL_BLOCKS instead of hiding the block from the checks
    that read it (or to TERRAFORM_PLURAL_LISTS, when Terraform's own name is plural)."""
    unmapped = {
        f"{resource.type} {name}"
        for run in runs.values()
        for resource in run.resources
        for name in _repeated_blocks(resource.inputs)
        if name.endswith("s")
        and name not in tfplan.PLURAL_BLOCKS
        and name not in tfplan.TERRAFORM_PLURAL_LISTS
    }
    assert unmapped == set()


def test_arguments_made_from_other_resources_reference_them(
    plans: dict[str, dict[str, Any]],
) -> None:
    """Checkov links resources by these references, as in a plan Terraform writes."""
    plan = plans["prod"]
    bucket = "aws_s3_bucket.skyline-prod-site-bucket"
    versioning = _configured(plan, "aws_s3_bucket_versioning.skyline-prod-site-versioning")
    assert versioning["bucket"]["references"] == [f"{bucket}.id", bucket]
    cdn = "aws_cloudfront_distribution.skyline-prod-site-cdn"
    record = _configured(plan, "aws_route53_record.skyline-prod-site-records-a")
    assert record["alias"]["references"] == [f"{cdn}.domain_name", cdn]
    source = _configured(
        plan, "aws_cloudwatch_log_delivery_source.skyline-prod-site-access-logs-source"
    )
    assert source["resource_arn"]["references"] == [f"{cdn}.arn", cdn]
    policy = _configured(plan, "aws_s3_bucket_policy.skyline-prod-site-policy")
    assert sorted(policy["policy"]["references"]) == sorted(
        [f"{bucket}.arn", bucket, f"{cdn}.arn", cdn]
    )
    # The values stay what the program sends: the bucket's real name, not a reference.
    values = _resources(plan)["aws_s3_bucket_versioning.skyline-prod-site-versioning"]["values"]
    assert values["bucket"] == _resources(plan)[bucket]["values"]["bucket"]


def test_the_command_line_prints_one_stack_s_plan(
    runs: dict[str, offline.OfflineRun],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The shared run, not the program once more.
    monkeypatch.setattr(offline, "run", lambda stack: runs[stack])
    assert tfplan.main(["--stack", "dev"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert "aws_s3_bucket.skyline-dev-site-bucket" in _resources(plan)
