"""Skyline: a Vue SPA on a private S3 origin behind CloudFront, and a Flask API on Lambda."""

import pulumi

from infra.api import Api, ApiArgs
from infra.config import load
from infra.dns import AliasRecords, AliasRecordsArgs, Domain, DomainArgs
from infra.frontend import FrontendRelease, FrontendReleaseArgs
from infra.lambda_package import build
from infra.observability import Observability, ObservabilityArgs
from infra.site import StaticSite, StaticSiteArgs

config = load()
prefix = f"skyline-{config.stage}"

# Names and certificates first: the site and the API each need their validated certificate.
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

site = StaticSite(
    f"{prefix}-site",
    StaticSiteArgs(
        price_class=config.price_class,
        # The API's endpoint is only known after it exists, and the API must know the site's
        # origin for CORS; without a domain, the CSP names the region's API hosts to break the
        # cycle. With a domain both names are known up front.
        api_origin=f"https://{config.api_domain}"
        if config.api_domain
        else f"https://*.execute-api.{config.region}.amazonaws.com",
        domain=config.domain,
        certificate_arn=domain.site_certificate_arn if domain else None,
        protect=config.protect,
    ),
)

api = Api(
    f"{prefix}-api",
    ApiArgs(
        stage=config.stage,
        package=build(config.lambda_runtime),
        runtime=config.lambda_runtime,
        memory_mb=config.lambda_memory_mb,
        timeout_seconds=config.lambda_timeout_seconds,
        log_retention_days=config.log_retention_days,
        throttle_burst=config.throttle_burst,
        throttle_rate=config.throttle_rate,
        allowed_origin=site.url,
        domain=config.api_domain if domain else None,
        certificate_arn=domain.api_certificate_arn if domain else None,
        zone_id=domain.zone_id if domain else None,
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

alarms = Observability(
    f"{prefix}-observability",
    ObservabilityArgs(
        function_name=api.function.name,
        api_id=api.http_api.id,
        alarm_email=config.alarm_email,
        distribution_id=site.distribution.id,
        cdn_realtime_metrics=config.cdn_metrics,
    ),
)

frontend = FrontendRelease(
    f"{prefix}-release",
    FrontendReleaseArgs(
        stage=config.stage,
        region=config.region,
        bucket=site.bucket.bucket,
        distribution_id=site.distribution.id,
        api_url=api.url,
        keep_releases=config.keep_releases,
        after=[site.bucket_policy, site.distribution],
    ),
)

pulumi.export("siteUrl", site.url)
pulumi.export("bucketName", site.bucket.bucket)
pulumi.export("distributionId", site.distribution.id)
pulumi.export("distributionDomain", site.distribution.domain_name)
pulumi.export("apiUrl", api.url)
pulumi.export("functionName", api.function.name)
pulumi.export("release", frontend.release)
pulumi.export("alarmTopicArn", alarms.topic.arn)
