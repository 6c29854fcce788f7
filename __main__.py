"""Skyline: a Vue SPA on a private S3 origin behind CloudFront, and a Flask API on Lambda."""

import pulumi

from infra.config import load
from infra.dns import AliasRecords, AliasRecordsArgs, Domain, DomainArgs
from infra.site import StaticSite, StaticSiteArgs

config = load()
prefix = f"skyline-{config.stage}"

domain = (
    Domain(
        f"{prefix}-domain",
        DomainArgs(
            domain=config.domain,
            hosted_zone=config.hosted_zone,
            api_domain=config.api_domain,
            delegate_zone=config.delegate_zone,
            protect=config.protect,
        ),
    )
    if config.domain and config.hosted_zone and config.api_domain
    else None
)

api_origin = (
    f"https://{config.api_domain}"
    if config.api_domain
    else f"https://*.execute-api.{config.region}.amazonaws.com"
)

site = StaticSite(
    f"{prefix}-site",
    StaticSiteArgs(
        price_class=config.price_class,
        api_origin=api_origin,
        domain=config.domain,
        certificate_arn=domain.site_certificate_arn if domain else None,
        protect=config.protect,
    ),
)

if domain and config.domain:
    AliasRecords(
        f"{prefix}-site-records",
        AliasRecordsArgs(
            zone_id=domain.zone_id,
            hostname=config.domain,
            target_domain=site.distribution.domain_name,
            target_zone_id=site.distribution.hosted_zone_id,
        ),
    )

pulumi.export("siteUrl", site.url)
pulumi.export("bucketName", site.bucket.bucket)
pulumi.export("distributionId", site.distribution.id)
pulumi.export("distributionDomain", site.distribution.domain_name)
