"""CloudFront: HTTPS only, a modern TLS policy on custom names, OAC to S3, security headers,
access logs."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource

from .controls import (
    ADVISORY,
    ResourceControl,
    StackControl,
    depends_on,
    is_set,
    items,
    known,
    made_from,
    value,
)
from .register import Register

DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
HEADERS_POLICY = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"
# CloudFront standard logging v2: CloudWatch Logs vended-log delivery from a source naming the
# distribution to a destination (a log group, a bucket or Firehose).
LOG_DELIVERY_SOURCE = "aws:cloudwatch/logDeliverySource:LogDeliverySource"
LOG_DELIVERY = "aws:cloudwatch/logDelivery:LogDelivery"
ACCESS_LOGS = "ACCESS_LOGS"

HTTPS_VIEWER_POLICIES = frozenset({"redirect-to-https", "https-only"})
MINIMUM_TLS_POLICY = "TLSv1.2_2021"
# A year: the minimum the HSTS preload list accepts, and what browsers need to remember it.
MIN_HSTS_SECONDS = 31_536_000
# AWS's managed response headers policies. None sets a Content-Security-Policy (a CSP has to
# name the site's own origins), so a behaviour using one of them has no CSP.
MANAGED_HEADERS_POLICIES = {
    "67f7725c-6f97-4210-82d7-5512b31e9d03": "SecurityHeadersPolicy",
    "e61eb60c-9c35-4d20-a928-2b84e02af89c": "CORS-and-SecurityHeadersPolicy",
    "eaab4381-ed33-4a86-88ca-d9558dc6cd63": "CORS-with-preflight-and-SecurityHeadersPolicy",
    "60669652-455b-4ae9-85a4-c4c02393f86c": "SimpleCORS",
    "5cc3b908-e619-4b99-88e5-2cf7f45965bd": "CORS-With-Preflight",
}


def _behaviours(props: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(label, behaviour) for the default behaviour and each ordered one."""
    found: list[tuple[str, Any]] = [("default behaviour", value(props, "defaultCacheBehavior"))]
    for behaviour in items(value(props, "orderedCacheBehaviors")):
        found.append((f"behaviour {value(behaviour, 'pathPattern')!r}", behaviour))
    return found


def _default_root_object(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    # Only a distribution of S3 origins serves a site; an API answers / itself.
    if not any(_is_s3_origin(origin) for origin in items(value(props, "origins"))):
        return
    if not is_set(props, "defaultRootObject"):
        yield "no defaultRootObject: a request for / would list or fail at the origin"


def _https_only(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    for label, behaviour in _behaviours(props):
        policy = value(behaviour, "viewerProtocolPolicy")
        if policy not in HTTPS_VIEWER_POLICIES:
            yield f"{label} has viewerProtocolPolicy {policy!r}, not redirect-to-https/https-only"


def _tls_certificate(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    if not is_set(props, "aliases"):
        return  # CloudFront's own *.cloudfront.net certificate; its TLS policy is AWS's.
    certificate = value(props, "viewerCertificate") or {}
    if not is_set(certificate, "acmCertificateArn") and not is_set(certificate, "iamCertificateId"):
        yield "aliases are set but no custom certificate (acmCertificateArn)"
    if value(certificate, "sslSupportMethod") != "sni-only":
        yield f"sslSupportMethod must be sni-only, not {value(certificate, 'sslSupportMethod')!r}"
    if value(certificate, "minimumProtocolVersion") != MINIMUM_TLS_POLICY:
        yield (
            f"minimumProtocolVersion must be {MINIMUM_TLS_POLICY}, "
            f"not {value(certificate, 'minimumProtocolVersion')!r}"
        )


def _is_s3_origin(origin: Any) -> bool:
    # Without a custom origin config, CloudFront treats the origin as an S3 REST endpoint.
    if not is_set(origin, "customOriginConfig"):
        return True
    domain = str(known(origin, "domainName") or "")
    return ".s3." in domain or ".s3-" in domain


def _origin_access_control(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    for origin in items(value(props, "origins")):
        label = f"origin {value(origin, 'originId')!r}"
        if not _is_s3_origin(origin):
            continue
        if is_set(origin, "customOriginConfig"):
            yield f"{label} reaches S3 as a custom (website) origin, which cannot use OAC"
        elif not is_set(origin, "originAccessControlId"):
            yield f"{label} is an S3 origin without originAccessControlId"


def _behaviour_headers(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    for label, behaviour in _behaviours(props):
        if not is_set(behaviour, "responseHeadersPolicyId"):
            yield f"{label} has no responseHeadersPolicyId"
            continue
        # Unknown during preview means another resource's output: a policy of this stack.
        managed = MANAGED_HEADERS_POLICIES.get(str(known(behaviour, "responseHeadersPolicyId")))
        if managed:
            yield f"{label} uses the managed {managed} policy, which sets no CSP"


def _policy_headers(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    security = value(props, "securityHeadersConfig") or {}
    max_age = value(security, "strictTransportSecurity", "accessControlMaxAgeSec")
    if not isinstance(max_age, int | float) or max_age < MIN_HSTS_SECONDS:
        yield f"Strict-Transport-Security max-age must be >= {MIN_HSTS_SECONDS}, not {max_age!r}"
    if not is_set(security, "contentSecurityPolicy", "contentSecurityPolicy"):
        yield "no Content-Security-Policy"


def _security_headers(type_: str, props: Mapping[str, Any]) -> Iterator[str]:
    if type_ == DISTRIBUTION:
        yield from _behaviour_headers(type_, props)
    else:
        yield from _policy_headers(type_, props)


def _waf(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    if not is_set(props, "webAclId"):
        yield "no AWS WAF web ACL (webAclId)"


def _from(resource: PolicyResource, prop: str, target: PolicyResource) -> bool:
    """Whether `resource`'s `prop` was made from `target`'s outputs: by the engine's
    per-property dependencies, else by a dependency on `target` as a whole."""
    said = made_from(resource, prop, target)
    return depends_on(resource, target) if said is None else said


def _delivers(delivery: PolicyResource, source: PolicyResource) -> bool:
    """Whether a log delivery sends what `source` produces somewhere."""
    if not is_set(delivery.props, "deliveryDestinationArn"):
        return False
    if _from(delivery, "deliverySourceName", source):
        return True
    name = known(delivery.props, "deliverySourceName")
    return name is not None and name == known(source.props, "name")


def _logs_v2(distribution: PolicyResource, resources: Sequence[PolicyResource]) -> bool:
    sources = [
        r
        for r in resources
        if r.resource_type == LOG_DELIVERY_SOURCE
        and known(r.props, "logType") == ACCESS_LOGS
        and _from(r, "resourceArn", distribution)
    ]
    deliveries = [r for r in resources if r.resource_type == LOG_DELIVERY]
    return any(_delivers(delivery, source) for source in sources for delivery in deliveries)


def _every_distribution_logged(
    resources: Sequence[PolicyResource], register: Register
) -> Iterable[tuple[str, str | None]]:
    for distribution in resources:
        if distribution.resource_type != DISTRIBUTION:
            continue
        if register.exempts(ACCESS_LOGGING.name, distribution.name):
            continue
        # Legacy standard logging: straight to a bucket, from the distribution's own config.
        if is_set(distribution.props, "loggingConfig", "bucket"):
            continue
        if not _logs_v2(distribution, resources):
            yield (
                f"{distribution.name}: no access logs: neither loggingConfig.bucket nor a "
                f"LogDeliverySource ({ACCESS_LOGS}, resourceArn=the distribution's ARN) with a "
                "LogDelivery to a destination",
                distribution.urn,
            )


DEFAULT_ROOT_OBJECT = ResourceControl(
    name="cloudfront-default-root-object",
    description="A distribution of S3 origins serves a default root object for /.",
    types=frozenset({DISTRIBUTION}),
    check=_default_root_object,
    remediation='Set default_root_object="index.html".',
)
HTTPS_ONLY = ResourceControl(
    name="cloudfront-https-only",
    description="Every cache behaviour redirects HTTP to HTTPS or refuses it.",
    types=frozenset({DISTRIBUTION}),
    check=_https_only,
    remediation='Set viewer_protocol_policy="redirect-to-https" on every behaviour.',
)
TLS_CERTIFICATE = ResourceControl(
    name="cloudfront-tls-certificate",
    description=f"With aliases: a custom certificate, SNI only, at least {MINIMUM_TLS_POLICY}.",
    types=frozenset({DISTRIBUTION}),
    check=_tls_certificate,
    remediation="viewer_certificate={acm_certificate_arn: <us-east-1 cert>, ssl_support_method: "
    f'"sni-only", minimum_protocol_version: "{MINIMUM_TLS_POLICY}"}}.',
)
ORIGIN_ACCESS_CONTROL = ResourceControl(
    name="cloudfront-origin-access-control",
    description="Every S3 origin is the bucket's REST endpoint signed with origin access control.",
    types=frozenset({DISTRIBUTION}),
    check=_origin_access_control,
    remediation="Use bucket_regional_domain_name with origin_access_control_id, never the "
    "website endpoint.",
)
SECURITY_HEADERS = ResourceControl(
    name="cloudfront-security-headers",
    description="Every behaviour attaches a response headers policy with HSTS and a CSP.",
    types=frozenset({DISTRIBUTION, HEADERS_POLICY}),
    check=_security_headers,
    remediation="Attach the site's ResponseHeadersPolicy (infra/edge.py SecurityHeaders) via "
    "response_headers_policy_id on every behaviour.",
)
WAF = ResourceControl(
    name="cloudfront-waf",
    description="The distribution is behind an AWS WAF web ACL.",
    types=frozenset({DISTRIBUTION}),
    check=_waf,
    remediation="Attach a WAF web ACL (web_acl_id), or register an exception with a reason.",
    level=ADVISORY,
)

ACCESS_LOGGING = StackControl(
    name="cloudfront-access-logging",
    description="Every distribution has standard logging (FSBP CloudFront.5): v2 (a CloudWatch "
    "Logs delivery source for it, delivered somewhere) or the legacy logging_config bucket.",
    check=_every_distribution_logged,
    remediation='Create an aws.cloudwatch.LogDeliverySource(log_type="ACCESS_LOGS", '
    'resource_arn=<distribution>.arn, region="us-east-1") and a LogDelivery from it to a '
    "LogDeliveryDestination (infra/access_logs.py).",
)

RESOURCE_CONTROLS = (
    DEFAULT_ROOT_OBJECT,
    HTTPS_ONLY,
    TLS_CERTIFICATE,
    ORIGIN_ACCESS_CONTROL,
    SECURITY_HEADERS,
    WAF,
)
STACK_CONTROLS = (ACCESS_LOGGING,)
