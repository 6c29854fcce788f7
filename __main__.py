"""Skyline: a Vue SPA on a private S3 origin behind CloudFront, and a Flask API on Lambda."""

import pulumi

from infra.api import Api, ApiArgs, Gateway, GatewayArgs
from infra.config import load
from infra.dns import Domain, DomainArgs, alias_records
from infra.frontend import FrontendRelease, FrontendReleaseArgs
from infra.lambda_package import build
from infra.observability import Observability, ObservabilityArgs
from infra.site import StaticSite, StaticSiteArgs
from infra.waf import Firewall, FirewallArgs

config = load()
prefix = f"skyline-{config.stage}"
names = config.names

# Names and certificates first: the site and the API each need their validated certificate.
domain = (
    Domain(f"{prefix}-domain", DomainArgs(names, config.protect, config.api_edge))
    if names
    else None
)

# The stage's WAF, if on, in front of both distributions.
firewall = Firewall(f"{prefix}-waf", FirewallArgs(config.waf_rate_limit)) if config.waf else None
web_acl = firewall.web_acl.arn if firewall else None

# The API's front door (behind its edge, when on) before the site, whose CSP names its origin.
api_host = domain.api_host if domain else None
gateway = Gateway(f"{prefix}-api", GatewayArgs(config.gateway, api_host, web_acl))

site = StaticSite(
    f"{prefix}-site",
    StaticSiteArgs(
        price_class=config.price_class,
        api_origin=gateway.url,
        domain=names.domain if names else None,
        certificate_arn=domain.site_certificate_arn if domain else None,
        protect=config.protect,
        log_retention_days=config.log_retention_days,
        web_acl_arn=web_acl,
    ),
)

# The function's zip, built (or reused) from backend/ for the stage's runtime.
package = build(config.lambda_runtime)

# The app lets in only the site's origin, so it comes after the site.
api = Api(f"{prefix}-api", ApiArgs(config.stage, package, config.function, gateway, site.url))

if domain and gateway.alias_target:
    alias_records(prefix, domain, site.alias_target, gateway.alias_target, api_parent=api)

alarms = Observability(
    f"{prefix}-observability",
    ObservabilityArgs(
        function_name=api.function.name,
        api_id=gateway.http_api.id,
        alarm_email=config.alarm_email,
        distribution_id=site.distribution.id,
        cdn_realtime_metrics=config.cdn_metrics,
        api_distribution_id=gateway.edge.distribution.id if gateway.edge else None,
        api_hit_rate_percent=config.api_edge_hit_rate_percent,
    ),
)

release = FrontendRelease(
    f"{prefix}-release", FrontendReleaseArgs(config.release, site=site, api_url=api.url)
)

pulumi.export("siteUrl", site.url)
pulumi.export("bucketName", site.bucket.bucket)
pulumi.export("distributionId", site.distribution.id)
pulumi.export("distributionDomain", site.distribution.domain_name)
pulumi.export("apiUrl", api.url)
pulumi.export("functionName", api.function.name)
pulumi.export("release", release.release)
pulumi.export("alarmTopicArn", alarms.topic.arn)
