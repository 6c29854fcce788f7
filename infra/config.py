"""The stage config: every `skyline:*` key declared once, read once, validated before any resource.

`KEYS` is the single declaration. `Pulumi.yaml`'s `config:` block and the README's table repeat it
for the Pulumi CLI and for readers; a test keeps all three in step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pulumi

PROJECT = "skyline"

PRICE_CLASSES = ("PriceClass_100", "PriceClass_200", "PriceClass_All")
# The only values CloudWatch Logs accepts for a log group's retention.
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)  # fmt: skip
# Lambda runtimes that are not deprecated and that the backend is tested against.
LAMBDA_RUNTIMES = ("python3.11", "python3.12", "python3.13", "python3.14")

_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$")
# A cheap sanity check that catches a pasted name or a missing domain; SNS asks the address
# itself to confirm the subscription, which is the real validation.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ConfigError(pulumi.RunError):
    """A bad stage config value. `pulumi.RunError` prints its message without a traceback."""

    def __init__(self, key: str, value: object, allowed: str, example: str) -> None:
        self.key = key
        fix = f"pulumi config set {key} {example}" if example else f"pulumi config rm {key}"
        super().__init__(f"{key} is {value!r}: {allowed}. Fix: {fix}")


Kind = Literal["string", "integer", "boolean"]


@dataclass(frozen=True)
class Key:
    """One `skyline:*` config key: its type, default and meaning."""

    name: str
    kind: Kind
    default: str | int | bool
    description: str
    allowed: str
    example: str
    check: Callable[[Any], bool] = lambda _value: True


def _in(options: tuple[Any, ...]) -> Callable[[Any], bool]:
    return lambda value: value in options


def _between(low: int, high: int) -> Callable[[Any], bool]:
    return lambda value: low <= value <= high


KEYS: tuple[Key, ...] = (
    Key("domain", "string", "", "The site's hostname (e.g. app.example.com); empty uses "
        "CloudFront's (or, with apiEdge false, API Gateway's) own hostnames.",
        "a lowercase hostname without scheme or trailing dot, or empty", "app.example.com",
        lambda v: v == "" or bool(_HOSTNAME.match(v))),
    Key("hostedZone", "string", "", "The Route53 public hosted zone that holds `domain` "
        "(required with `domain`; equal to it or a parent of it).",
        "a hosted zone name that is `domain` or a parent of it", "example.com",
        lambda v: v == "" or bool(_HOSTNAME.match(v))),
    Key("delegateZone", "boolean", False, "Create a zone for `domain` itself and delegate it "
        "with an NS record in `hostedZone`, so each stage owns its records.",
        "true or false", "true", _in((True, False))),
    Key("apiSubdomain", "string", "api", "The API's host is `<apiSubdomain>.<domain>`.",
        "one DNS label (letters, digits, hyphens)", "api", lambda v: bool(_LABEL.match(v))),
    Key("priceClass", "string", "PriceClass_100", "CloudFront price class (edge locations "
        "used).", f"one of {', '.join(PRICE_CLASSES)}", "PriceClass_100", _in(PRICE_CLASSES)),
    Key("logRetentionDays", "integer", 30, "Retention of the API's log groups, in days.",
        "one of CloudWatch's values (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)", "30",
        _in(LOG_RETENTION_DAYS)),
    Key("keepReleases", "integer", 3, "How many frontend releases stay in the bucket, so "
        "open tabs can still load their lazy chunks.", "an integer >= 1", "3",
        _between(1, 1000)),
    Key("protect", "boolean", False, "Protect stateful resources (bucket, zone) from "
        "deletion; on for prod.", "true or false", "true", _in((True, False))),
    Key("lambdaRuntime", "string", "python3.13", "The API function's Python runtime.",
        f"one of {', '.join(LAMBDA_RUNTIMES)}", "python3.13", _in(LAMBDA_RUNTIMES)),
    Key("lambdaMemoryMb", "integer", 256, "The API function's memory (CPU scales with it).",
        "an integer from 128 to 10240", "256", _between(128, 10240)),
    Key("lambdaTimeoutSeconds", "integer", 10, "The API function's timeout; API Gateway "
        "gives up after 30 s.", "an integer from 1 to 29", "10", _between(1, 29)),
    Key("throttleBurst", "integer", 100, "API stage burst limit (requests).",
        "an integer from 1 to 5000", "100", _between(1, 5000)),
    Key("throttleRate", "integer", 50, "API stage steady rate limit (requests per second).",
        "an integer from 1 to 10000", "50", _between(1, 10000)),
    Key("apiEdge", "boolean", True, "Serve the API through its own CloudFront distribution, "
        "which caches read-only answers as the app's Cache-Control says; false serves it from "
        "API Gateway directly.", "true or false", "false", _in((True, False))),
    Key("apiEdgeHitRatePercent", "integer", 0, "Alarm when the API edge's cache-hit rate stays "
        "below this percent for an hour (turns on CloudFront's additional metrics for the API "
        "distribution, billed monthly); 0 turns both off.", "an integer from 0 to 100", "50",
        _between(0, 100)),
    Key("waf", "boolean", False, "Put an AWS WAF web ACL (AWS's common rule set and a per-IP "
        "rate limit, blocks answered 429) in front of the site's and the API's distributions; "
        "billed per ACL, rule and request.", "true or false", "true", _in((True, False))),
    Key("wafRateLimit", "integer", 1000, "Requests one client IP may make in any 5 minutes "
        "before the WAF blocks it (with `waf`).", "an integer from 10 to 2000000000", "1000",
        _between(10, 2_000_000_000)),
    Key("alarmEmail", "string", "", "E-mail address subscribed to the alarm topic (SNS asks it "
        "to confirm); empty sends alarms to the topic only.", "an e-mail address, or empty",
        "ops@example.com", lambda v: v == "" or bool(EMAIL.match(v))),
    Key("cdnMetrics", "boolean", False, "Turn on CloudFront's additional real-time metrics "
        "for the distribution (billed per distribution).", "true or false", "true",
        _in((True, False))),
)  # fmt: skip


@dataclass(frozen=True)
class Names:
    """A stage's public hostnames and the Route53 zone that holds them."""

    domain: str
    hosted_zone: str
    api_domain: str
    delegate_zone: bool


@dataclass(frozen=True)
class FunctionSettings:
    """The API function's runtime and sizing, and how long its logs are kept."""

    runtime: str
    memory_mb: int
    timeout_seconds: int
    log_retention_days: int


@dataclass(frozen=True)
class Throttle:
    """The API stage's limits: burst (requests) and steady rate (requests per second)."""

    burst: int
    rate: int


@dataclass(frozen=True)
class GatewaySettings:
    """The API's front door: its throttle and log retention, and whether the API edge serves it."""

    throttle: Throttle
    log_retention_days: int
    edge: bool
    price_class: str


@dataclass(frozen=True)
class ReleaseSettings:
    """What the frontend release needs from the stage: its name, and where and as whom to upload."""

    stage: str
    region: str
    profile: str | None
    keep_releases: int


@dataclass(frozen=True)
class StageConfig:
    stage: str
    region: str
    domain: str | None
    hosted_zone: str | None
    delegate_zone: bool
    api_subdomain: str
    price_class: str
    log_retention_days: int
    keep_releases: int
    protect: bool
    lambda_runtime: str
    lambda_memory_mb: int
    lambda_timeout_seconds: int
    throttle_burst: int
    throttle_rate: int
    alarm_email: str | None
    cdn_metrics: bool
    api_edge: bool = True
    api_edge_hit_rate_percent: int = 0
    waf: bool = False
    waf_rate_limit: int = 1000
    # The AWS provider's `aws:profile`: the release Command must upload as the same identity.
    aws_profile: str | None = None

    @property
    def function(self) -> FunctionSettings:
        return FunctionSettings(
            self.lambda_runtime,
            self.lambda_memory_mb,
            self.lambda_timeout_seconds,
            self.log_retention_days,
        )

    @property
    def release(self) -> ReleaseSettings:
        return ReleaseSettings(self.stage, self.region, self.aws_profile, self.keep_releases)

    @property
    def gateway(self) -> GatewaySettings:
        throttle = Throttle(self.throttle_burst, self.throttle_rate)
        return GatewaySettings(throttle, self.log_retention_days, self.api_edge, self.price_class)

    @property
    def names(self) -> Names | None:
        """The stage's hostnames, or None when it uses CloudFront's and API Gateway's own."""
        if not (self.domain and self.hosted_zone):
            return None
        return Names(
            self.domain, self.hosted_zone, f"{self.api_subdomain}.{self.domain}", self.delegate_zone
        )


def _parse(key: Key, raw: str | None) -> Any:
    qualified = f"{PROJECT}:{key.name}"
    if raw is None:
        value: Any = key.default
    elif key.kind == "integer":
        try:
            value = int(raw.strip())
        except ValueError:
            raise ConfigError(qualified, raw, key.allowed, key.example) from None
    elif key.kind == "boolean":
        lowered = raw.strip().lower()
        if lowered not in ("true", "false"):
            raise ConfigError(qualified, raw, key.allowed, key.example)
        value = lowered == "true"
    else:
        value = raw.strip()
    if not key.check(value):
        raise ConfigError(qualified, value, key.allowed, key.example)
    return value


def parse(
    stage: str,
    values: Mapping[str, str | None],
    region: str | None,
    aws_profile: str | None = None,
) -> StageConfig:
    """Validate raw config strings (as the Pulumi engine hands them over) into a StageConfig."""
    v = {key.name: _parse(key, values.get(key.name)) for key in KEYS}

    if not region or not _REGION.match(region):
        raise ConfigError("aws:region", region, "an AWS region name", "us-east-2")

    domain, zone = v["domain"] or None, v["hostedZone"] or None
    if domain and not zone:
        raise ConfigError(
            f"{PROJECT}:hostedZone", "", "required when skyline:domain is set", "example.com"
        )
    if zone and not domain:
        raise ConfigError(f"{PROJECT}:domain", "", "required when skyline:hostedZone is set",
                          f"app.{zone}")  # fmt: skip
    if domain and zone and not (domain == zone or domain.endswith(f".{zone}")):
        raise ConfigError(
            f"{PROJECT}:hostedZone", zone, f"must be {domain!r} or a parent of it",
            domain.split(".", 1)[1],
        )  # fmt: skip
    if v["delegateZone"] and (not domain or domain == zone):
        raise ConfigError(
            f"{PROJECT}:delegateZone", True,
            "needs skyline:domain set to a subdomain of skyline:hostedZone", "false",
        )  # fmt: skip

    return StageConfig(
        stage=stage,
        region=region,
        domain=domain,
        hosted_zone=zone,
        delegate_zone=v["delegateZone"],
        api_subdomain=v["apiSubdomain"],
        price_class=v["priceClass"],
        log_retention_days=v["logRetentionDays"],
        keep_releases=v["keepReleases"],
        protect=v["protect"],
        lambda_runtime=v["lambdaRuntime"],
        lambda_memory_mb=v["lambdaMemoryMb"],
        lambda_timeout_seconds=v["lambdaTimeoutSeconds"],
        throttle_burst=v["throttleBurst"],
        throttle_rate=v["throttleRate"],
        alarm_email=v["alarmEmail"] or None,
        cdn_metrics=v["cdnMetrics"],
        api_edge=v["apiEdge"],
        api_edge_hit_rate_percent=v["apiEdgeHitRatePercent"],
        waf=v["waf"],
        waf_rate_limit=v["wafRateLimit"],
        aws_profile=(aws_profile or "").strip() or None,
    )


def load() -> StageConfig:
    """Read the stage config from Pulumi's config, once."""
    config = pulumi.Config(PROJECT)
    values = {key.name: config.get(key.name) for key in KEYS}
    aws = pulumi.Config("aws")
    return parse(pulumi.get_stack(), values, aws.get("region"), aws.get("profile"))
