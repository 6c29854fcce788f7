"""Every key with bad values: the program stops before any resource, with one fixing line."""

from __future__ import annotations

import pytest

from infra import offline
from infra.config import KEYS, parse

GOOD = offline.read_stack_config("staging")

BAD_VALUES: list[tuple[str, str]] = [
    ("domain", "https://app.example.com"),
    ("domain", "App.Example.com"),
    ("domain", "app.example.com."),
    ("domain", "localhost"),
    ("hostedZone", "not a zone"),
    ("hostedZone", "other.com"),
    ("delegateZone", "maybe"),
    ("apiSubdomain", "api.v2"),
    ("apiSubdomain", "-api"),
    ("priceClass", "PriceClass_50"),
    ("priceClass", "priceclass_all"),
    ("logRetentionDays", "31"),
    ("logRetentionDays", "thirty"),
    ("logRetentionDays", "0"),
    ("keepReleases", "0"),
    ("keepReleases", "-2"),
    ("keepReleases", "2.5"),
    ("protect", "yes"),
    ("lambdaRuntime", "python3.8"),
    ("lambdaRuntime", "nodejs20.x"),
    ("lambdaMemoryMb", "64"),
    ("lambdaMemoryMb", "20000"),
    ("lambdaTimeoutSeconds", "0"),
    ("lambdaTimeoutSeconds", "60"),
    ("throttleBurst", "0"),
    ("throttleRate", "lots"),
    ("alarmEmail", "ops"),
    ("alarmEmail", "ops@example"),
    ("cdnMetrics", "on"),
    ("apiEdge", "yes"),
    ("waf", "1"),
    ("wafRateLimit", "9"),
    ("apiEdgeHitRatePercent", "101"),
    ("apiEdgeHitRatePercent", "-1"),
]


def test_every_key_has_bad_values_tried() -> None:
    assert {key.name for key in KEYS} <= {name for name, _ in BAD_VALUES}


@pytest.mark.parametrize(("key", "value"), BAD_VALUES)
def test_bad_value_stops_before_any_resource(key: str, value: str) -> None:
    result = offline.run("staging", {**GOOD, f"skyline:{key}": value})
    assert result.error is not None
    assert result.resources == []
    message = str(result.error)
    assert "\n" not in message
    assert f"skyline:{key}" in message
    assert "Fix: pulumi config set skyline:" in message


def test_message_names_key_value_allowed_and_fix() -> None:
    result = offline.run("dev", {**offline.read_stack_config("dev"), "skyline:priceClass": "Cheap"})
    assert str(result.error) == (
        "skyline:priceClass is 'Cheap': one of PriceClass_100, PriceClass_200, PriceClass_All. "
        "Fix: pulumi config set skyline:priceClass PriceClass_100"
    )


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"skyline:domain": "app.example.com"}, "skyline:hostedZone"),
        ({"skyline:hostedZone": "example.com"}, "skyline:domain"),
        ({"skyline:domain": "app.example.com", "skyline:hostedZone": "example.org"}, "hostedZone"),
        ({"skyline:delegateZone": "true"}, "skyline:delegateZone"),
        (
            {
                "skyline:domain": "example.com",
                "skyline:hostedZone": "example.com",
                "skyline:delegateZone": "true",
            },
            "skyline:delegateZone",
        ),
        ({"aws:region": "mars-1"}, "aws:region"),
        ({}, "aws:region"),
    ],
)
def test_keys_that_depend_on_each_other(config: dict[str, str], key: str) -> None:
    base = {"aws:region": "us-east-2"} if "aws:region" not in config and config else {}
    result = offline.run("dev", {**base, **config})
    assert result.error is not None
    assert result.resources == []
    assert key in str(result.error)
    assert "\n" not in str(result.error)


def test_defaults_apply_when_keys_are_absent() -> None:
    config = parse("dev", {}, "eu-west-1")
    assert config.domain is None
    assert config.api_subdomain == "api"
    assert config.price_class == "PriceClass_100"
    assert config.log_retention_days == 30
    assert config.keep_releases == 3
    assert config.protect is False
    assert config.lambda_runtime == "python3.13"


def test_domain_may_be_the_zone_apex() -> None:
    config = parse("prod", {"domain": "example.com", "hostedZone": "example.com"}, "us-east-1")
    assert config.names is not None
    assert config.names.api_domain == "api.example.com"
    assert config.names.domain == config.names.hosted_zone == "example.com"
