"""Every distribution's access logs (CloudFront standard logging v2) and the optional WAF."""

from __future__ import annotations

import json

import pytest

from infra import edge, offline

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"


@pytest.mark.parametrize("label", ["site", "api-edge"])
def test_each_distribution_logs_every_request_to_a_group_kept_as_the_stage_says(
    run: offline.OfflineRun, label: str
) -> None:
    prefix = f"skyline-{run.stack}-{label}-access-logs"
    distribution = run.named(f"skyline-{run.stack}-{label}-cdn")
    source = run.named(f"{prefix}-source")
    group = run.named(f"{prefix}-group")
    destination = run.named(f"{prefix}-destination")
    delivery = run.named(f"{prefix}-delivery")
    assert source.inputs["logType"] == "ACCESS_LOGS"
    assert source.inputs["resourceArn"] == distribution.outputs["arn"]
    assert destination.inputs["deliveryDestinationConfiguration"] == {
        "destinationResourceArn": group.outputs["arn"]
    }
    assert destination.inputs["outputFormat"] == "json"
    assert delivery.inputs["deliverySourceName"] == source.outputs["name"]
    assert delivery.inputs["deliveryDestinationArn"] == destination.outputs["arn"]
    # The edge's request id is what the origin sees as X-Amz-Cf-Id and the function logs.
    assert "x-edge-request-id" in delivery.inputs["recordFields"]
    assert group.inputs["retentionInDays"] == {"dev": 7, "staging": 30, "prod": 365}[run.stack]
    # CloudFront delivers its logs from us-east-1.
    for resource in (source, group, destination, delivery):
        assert resource.inputs["region"] == "us-east-1", resource.name


def test_prod_puts_a_web_acl_in_front_of_both_distributions(
    runs: dict[str, offline.OfflineRun],
) -> None:
    prod = runs["prod"]
    acl = prod.one("aws:wafv2/webAcl:WebAcl")
    assert acl.inputs["scope"] == "CLOUDFRONT"
    assert acl.inputs["region"] == "us-east-1"
    assert acl.inputs["defaultAction"] == {"allow": {}}
    distributions = prod.of_type(DISTRIBUTION)
    assert len(distributions) == 2
    for distribution in distributions:
        assert distribution.inputs["webAclId"] == acl.outputs["arn"]
    for stack in ("dev", "staging"):
        assert runs[stack].of_type("aws:wafv2/webAcl:WebAcl") == []
        assert all("webAclId" not in d.inputs for d in runs[stack].of_type(DISTRIBUTION))


def test_every_waf_block_answers_429_which_no_rewrite_touches(
    runs: dict[str, offline.OfflineRun],
) -> None:
    acl = runs["prod"].one("aws:wafv2/webAcl:WebAcl").inputs
    rules = {rule["name"]: rule for rule in acl["rules"]}
    assert set(rules) == {
        "rate-limit-per-ip",
        "aws-common-rule-set",
        "block-common-rule-set-matches",
    }
    blocking = [rule for rule in acl["rules"] if "action" in rule]
    for rule in blocking:
        assert rule["action"] == {
            "block": {"customResponse": {"responseCode": 429, "customResponseBodyKey": "blocked"}}
        }, rule["name"]
    # The managed group may not block with its own 403: it counts and labels, we block.
    managed = rules["aws-common-rule-set"]
    assert managed["overrideAction"] == {"count": {}}
    assert managed["statement"]["managedRuleGroupStatement"] == {
        "vendorName": "AWS",
        "name": "AWSManagedRulesCommonRuleSet",
    }
    assert rules["block-common-rule-set-matches"]["statement"] == {
        "labelMatchStatement": {"scope": "NAMESPACE", "key": "awswaf:managed:aws:core-rule-set:"}
    }
    assert rules["rate-limit-per-ip"]["statement"] == {
        "rateBasedStatement": {"limit": 1000, "aggregateKeyType": "IP"}
    }
    [body] = acl["customResponseBodies"]
    assert body["contentType"] == "APPLICATION_JSON"
    assert json.loads(body["content"]) == {
        "error": {"status": 429, "message": "request blocked by the firewall"}
    }
    # The site's SPA rewrites would turn a 403 into index.html with 200; 429 they leave alone.
    site = runs["prod"].named("skyline-prod-site-cdn").inputs
    rewritten = {r["errorCode"] for r in site["customErrorResponses"]}
    assert rewritten == {rule.origin_status for rule in edge.ERROR_REWRITES} == {403, 404}
    assert 429 not in rewritten


def test_the_rate_limit_is_a_stage_key() -> None:
    config = {
        **offline.read_stack_config("dev"),
        "skyline:waf": "true",
        "skyline:wafRateLimit": "300",
    }
    run = offline.run("dev", config)
    assert run.error is None, run.error
    [rule] = [
        r
        for r in run.one("aws:wafv2/webAcl:WebAcl").inputs["rules"]
        if "rateBasedStatement" in r["statement"]
    ]
    assert rule["statement"]["rateBasedStatement"]["limit"] == 300
