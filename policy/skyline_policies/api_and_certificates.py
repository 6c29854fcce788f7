"""API Gateway (HTTP APIs) and ACM: logged, throttled stages and DNS-validated certificates."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .controls import ResourceControl, is_set, value

STAGE = "aws:apigatewayv2/stage:Stage"
CERTIFICATE = "aws:acm/certificate:Certificate"


def _access_logging(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    for field in ("destinationArn", "format"):
        if not is_set(props, "accessLogSettings", field):
            yield f"accessLogSettings.{field} is not set"


def _throttling(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    for field in ("throttlingBurstLimit", "throttlingRateLimit"):
        limit = value(props, "defaultRouteSettings", field)
        if not isinstance(limit, int | float) or limit <= 0:
            yield f"defaultRouteSettings.{field} must be a positive number, not {limit!r}"


def _dns_validation(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    if is_set(props, "privateKey") or is_set(props, "certificateAuthorityArn"):
        return  # Imported or private-CA certificates are not validated by ACM at all.
    method = value(props, "validationMethod")
    if method != "DNS":
        yield f"validationMethod must be DNS (renews unattended), not {method!r}"


ACCESS_LOGGING = ResourceControl(
    name="apigateway-access-logging",
    description="Every HTTP API stage writes access logs.",
    types=frozenset({STAGE}),
    check=_access_logging,
    remediation="Set access_log_settings with a log group's ARN and a format.",
)
THROTTLING = ResourceControl(
    name="apigateway-throttling",
    description="Every HTTP API stage has a burst and a rate limit.",
    types=frozenset({STAGE}),
    check=_throttling,
    remediation="Set default_route_settings.throttling_burst_limit and throttling_rate_limit "
    "(skyline:throttleBurst, skyline:throttleRate).",
)
DNS_VALIDATION = ResourceControl(
    name="acm-dns-validation",
    description="ACM certificates are validated by DNS.",
    types=frozenset({CERTIFICATE}),
    check=_dns_validation,
    remediation='Set validation_method="DNS" and create the validation record.',
)

RESOURCE_CONTROLS = (ACCESS_LOGGING, THROTTLING, DNS_VALIDATION)
