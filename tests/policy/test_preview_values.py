"""What `pulumi preview` sends: values not known yet, and per-property dependencies."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from infra import offline
from policy.skyline_policies import ALL, Register, cloudfront, s3

OPTIONS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _policy(name: str) -> ResourceValidationPolicy:
    [policy] = [p for p in ALL if p.name == name]
    assert isinstance(policy, ResourceValidationPolicy)
    return policy


def _validate(name: str, resource: offline.Registered, inputs: dict[str, Any]) -> list[str]:
    reported: list[str] = []
    args = ResourceValidationArgs(
        resource.type, unknown_checking_proxy(inputs), resource.urn, resource.name, OPTIONS, None
    )

    def report(message: str, _urn: str | None = None) -> None:
        reported.append(message)

    _policy(name).validate(args, report)
    return reported


def test_an_unknown_id_counts_as_set(runs: dict[str, offline.OfflineRun]) -> None:
    """In preview a new OAC's id is unknown; the origin still has one."""
    distribution = runs["dev"].named("skyline-dev-site-cdn")
    inputs = copy.deepcopy(distribution.inputs)
    inputs["origins"][0]["originAccessControlId"] = UNKNOWN_STRING_VALUE
    inputs["defaultCacheBehavior"]["responseHeadersPolicyId"] = UNKNOWN_STRING_VALUE
    assert _validate("cloudfront-origin-access-control", distribution, inputs) == []
    # A known id is compared with AWS's managed policies; an unknown one cannot be, and is ours.
    assert _validate("cloudfront-security-headers", distribution, inputs) == []


def test_an_unknown_value_that_must_be_judged_defers_to_crossguard(
    runs: dict[str, offline.OfflineRun],
) -> None:
    """CrossGuard turns UnknownValueError into "can't run during preview"; `up` runs it again."""
    bucket_policy = runs["dev"].named("skyline-dev-site-policy")
    inputs = dict(bucket_policy.inputs, policy=UNKNOWN_STRING_VALUE)
    with pytest.raises(UnknownValueError):
        _validate("s3-tls-only", bucket_policy, inputs)


def _resource(name: str, urn: str, props: dict[str, Any]) -> PolicyResource:
    return PolicyResource(
        "t", unknown_checking_proxy(props), urn, name, OPTIONS, None, None, [], {}
    )


def test_settings_match_their_bucket_by_property_dependency() -> None:
    mine = _resource("mine", "urn:mine", {"bucket": UNKNOWN_STRING_VALUE})
    other = _resource("other", "urn:other", {"bucket": UNKNOWN_STRING_VALUE})
    setting = _resource("setting", "urn:setting", {"bucket": UNKNOWN_STRING_VALUE})
    # Its policy names both buckets, but its `bucket` property comes from `mine` only.
    setting.dependencies = [mine, other]
    setting.property_dependencies = {"bucket": [mine]}
    assert s3.configures(setting, mine)
    assert not s3.configures(setting, other)


def test_settings_match_their_bucket_by_name_once_known() -> None:
    bucket = _resource("b", "urn:b", {"bucket": "site-123"})
    setting = _resource("s", "urn:s", {"bucket": "site-123"})
    elsewhere = _resource("e", "urn:e", {"bucket": "logs-456"})
    assert s3.configures(setting, bucket)
    assert not s3.configures(elsewhere, bucket)


def test_a_delivery_source_matches_its_distribution_by_property_dependency() -> None:
    """In preview the distribution's ARN and the source's name are unknown; the engine's
    property dependencies still say which distribution each source logs."""
    logged = _resource("logged", "urn:logged", {})
    unlogged = _resource("unlogged", "urn:unlogged", {})
    for distribution in (logged, unlogged):
        distribution.resource_type = cloudfront.DISTRIBUTION
    source = _resource(
        "source", "urn:source", {"logType": "ACCESS_LOGS", "resourceArn": UNKNOWN_STRING_VALUE}
    )
    source.resource_type = cloudfront.LOG_DELIVERY_SOURCE
    source.dependencies = [logged, unlogged]
    source.property_dependencies = {"resourceArn": [logged]}
    delivery = _resource(
        "delivery",
        "urn:delivery",
        {
            "deliverySourceName": UNKNOWN_STRING_VALUE,
            "deliveryDestinationArn": UNKNOWN_STRING_VALUE,
        },
    )
    delivery.resource_type = cloudfront.LOG_DELIVERY
    delivery.property_dependencies = {"deliverySourceName": [source]}
    found = cloudfront.ACCESS_LOGGING.check([logged, unlogged, source, delivery], Register())
    assert [urn for _message, urn in found] == ["urn:unlogged"]
