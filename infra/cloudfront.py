"""What the site's distribution and the API edge's have in common: their certificate, HSTS, and
how their public name is reached."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from infra import edge
from infra.dns import AliasTarget

# The newest policy every browser Skyline supports speaks; CloudFront's own *.cloudfront.net
# certificate has AWS's policy instead.
MINIMUM_TLS_POLICY = "TLSv1.2_2021"


def viewer_certificate(
    certificate_arn: pulumi.Input[str] | None,
) -> aws.cloudfront.DistributionViewerCertificateArgsDict:
    """A custom name's us-east-1 certificate, or CloudFront's default without one."""
    if certificate_arn is None:
        return {"cloudfront_default_certificate": True}
    return {
        "acm_certificate_arn": certificate_arn,
        "ssl_support_method": "sni-only",
        "minimum_protocol_version": MINIMUM_TLS_POLICY,
    }


def hsts() -> (
    aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigStrictTransportSecurityArgsDict
):
    # Not `preload`: it commits the whole registrable domain, subdomains a team may not own
    # included, to HTTPS in browsers' built-in lists, and is slow to undo.
    return {
        "access_control_max_age_sec": edge.HSTS_MAX_AGE_SECONDS,
        "include_subdomains": True,
        "preload": False,
        "override": True,
    }


def public_url(
    hostname: str | None, distribution: aws.cloudfront.Distribution
) -> pulumi.Output[str]:
    if hostname:
        return pulumi.Output.from_input(f"https://{hostname}")
    return pulumi.Output.concat("https://", distribution.domain_name)


def alias_target(distribution: aws.cloudfront.Distribution) -> AliasTarget:
    return AliasTarget(domain=distribution.domain_name, zone_id=distribution.hosted_zone_id)
