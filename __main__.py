"""Skyline: a Vue SPA on a private S3 origin behind CloudFront, and a Flask API on Lambda."""

import pulumi

from infra.api import Api, ApiArgs
from infra.config import load
from infra.dns import Domain, DomainArgs, alias_records
from infra.frontend import FrontendRelease, FrontendReleaseArgs
from infra.lambda_package import build
from infra.observability import Observability, ObservabilityArgs
from infra.site import StaticSite, StaticSiteArgs

config = load()
prefix = f"skyline-{config.stage}"
names = config.names

# Names and certificates first: the site and the API each need their validated certificate.
domain = Domain(f"{prefix}-domain", DomainArgs(names, config.protect)) if names else None

site = StaticSite(
    f"{prefix}-site",
    StaticSiteArgs(
        price_class=config.price_class,
        api_origin=config.api_origin,
        domain=names.domain if names else None,
        certificate_arn=domain.site_certificate_arn if domain else None,
        protect=config.protect,
    ),
)

# The function's zip, built (or reused) from backend/ for the stage's runtime.
package = build(config.lambda_runtime)

api = Api(
    f"{prefix}-api",
    ApiArgs(
        stage=config.stage,
        package=package,
        function=config.function,
        throttle=config.throttle,
        allowed_origin=site.url,
        domain=names.api_domain if names else None,
        certificate_arn=domain.api_certificate_arn if domain else None,
    ),
)

if domain and api.alias_target:
    alias_records(prefix, domain, site.alias_target, api.alias_target, api_parent=api)

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

release = FrontendRelease(
    f"{prefix}-release",
    FrontendReleaseArgs(
        stage=config.stage,
        region=config.region,
        profile=config.aws_profile,
        site=site,
        api_url=api.url,
        keep_releases=config.keep_releases,
    ),
)

pulumi.export("siteUrl", site.url)
pulumi.export("bucketName", site.bucket.bucket)
pulumi.export("distributionId", site.distribution.id)
pulumi.export("distributionDomain", site.distribution.domain_name)
pulumi.export("apiUrl", api.url)
pulumi.export("functionName", api.function.name)
pulumi.export("release", release.release)
pulumi.export("alarmTopicArn", alarms.topic.arn)
