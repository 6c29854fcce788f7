"""The API edge under mocks: a CloudFront distribution in front of the HTTP API, its cache policy
written from infra/api_cache.py, the origin secret, the names, and the hit-rate alarm."""

from __future__ import annotations

import pytest

from infra import offline

FUNCTION = "aws:lambda/function:Function"
HTTP_API = "aws:apigatewayv2/api:Api"


def _edge(run: offline.OfflineRun, child: str = "cdn") -> offline.Registered:
    return run.named(f"skyline-{run.stack}-api-edge-{child}")


def test_origin_is_the_http_api_over_tls_only(run: offline.OfflineRun) -> None:
    [origin] = _edge(run).inputs["origins"]
    endpoint = run.one(HTTP_API).outputs["apiEndpoint"]
    assert f"https://{origin['domainName']}" == endpoint
    assert origin["customOriginConfig"] == {
        "httpPort": 80,
        "httpsPort": 443,
        "originProtocolPolicy": "https-only",
        "originSslProtocols": ["TLSv1.2"],
    }


def test_every_request_carries_the_stacks_secret_which_only_the_app_knows(
    run: offline.OfflineRun,
) -> None:
    [origin] = _edge(run).inputs["origins"]
    [header] = origin["customHeaders"]
    secret = _edge(run, "origin-secret")
    assert secret.type == "random:index/randomPassword:RandomPassword"
    assert secret.inputs["length"] == 48
    assert header == {"name": "x-skyline-origin-verify", "value": secret.outputs["result"]}
    function = run.one(FUNCTION)
    assert function.inputs["environment"]["variables"]["ORIGIN_SECRET"] == header["value"]
    # Encrypted in the state wherever it is an input.
    assert "origins" in _edge(run).secret_inputs
    assert "environment" in function.secret_inputs


def test_behaviour_caches_reads_and_passes_everything_else(run: offline.OfflineRun) -> None:
    behaviour = _edge(run).inputs["defaultCacheBehavior"]
    assert behaviour["viewerProtocolPolicy"] == "https-only"
    assert behaviour["allowedMethods"] == [
        "GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE",
    ]  # fmt: skip
    assert behaviour["cachedMethods"] == ["GET", "HEAD", "OPTIONS"]
    assert behaviour["compress"] is True
    assert behaviour["cachePolicyId"] == _edge(run, "cache").id
    assert behaviour["responseHeadersPolicyId"] == _edge(run, "headers").id


def test_cache_policy_lets_cache_control_decide_within_a_day(run: offline.OfflineRun) -> None:
    policy = _edge(run, "cache").inputs
    assert (policy["minTtl"], policy["defaultTtl"], policy["maxTtl"]) == (0, 0, 86_400)
    key = policy["parametersInCacheKeyAndForwardedToOrigin"]
    # Origin: an answer for one origin never answers another; and what a preflight varies on.
    assert key["headersConfig"] == {
        "headerBehavior": "whitelist",
        "headers": {
            "items": ["origin", "access-control-request-method", "access-control-request-headers"]
        },
    }
    assert key["queryStringsConfig"] == {"queryStringBehavior": "all"}
    assert key["cookiesConfig"] == {"cookieBehavior": "none"}
    assert key["enableAcceptEncodingGzip"] is True
    assert key["enableAcceptEncodingBrotli"] is True


def test_errors_reach_the_client_as_the_apps_json_and_are_never_kept(
    run: offline.OfflineRun,
) -> None:
    inputs = _edge(run).inputs
    # No page, no status change: only the time CloudFront keeps each error, which is none
    # (by default it keeps most errors 10 s, honouring `no-store` only on 404, 410, 414, 501).
    assert inputs["customErrorResponses"] == [
        {"errorCode": status, "errorCachingMinTtl": 0}
        for status in (400, 403, 404, 405, 410, 414, 500, 501, 502, 503, 504)
    ]
    assert "defaultRootObject" not in inputs
    assert inputs["httpVersion"] == "http2and3"
    assert inputs["isIpv6Enabled"] is True


def test_answers_are_never_pages(run: offline.OfflineRun) -> None:
    security = _edge(run, "headers").inputs["securityHeadersConfig"]
    assert security["contentSecurityPolicy"]["contentSecurityPolicy"] == (
        "default-src 'none'; frame-ancestors 'none'"
    )
    assert security["strictTransportSecurity"]["accessControlMaxAgeSec"] == 63_072_000
    assert security["referrerPolicy"]["referrerPolicy"] == "no-referrer"


def test_the_sites_csp_names_the_apis_exact_origin(run: offline.OfflineRun) -> None:
    csp = run.named(f"skyline-{run.stack}-site-headers").inputs["securityHeadersConfig"][
        "contentSecurityPolicy"
    ]["contentSecurityPolicy"]
    [connect] = [d for d in csp.split("; ") if d.startswith("connect-src ")]
    assert connect == f"connect-src 'self' {run.outputs['apiUrl']}"
    assert "*" not in csp
    # And the app lets in exactly the site's origin.
    variables = run.one(FUNCTION).inputs["environment"]["variables"]
    assert variables["ALLOWED_ORIGIN"] == run.outputs["siteUrl"]


def test_api_name_points_at_the_edge_with_a_us_east_1_certificate(
    domain_run: offline.OfflineRun,
) -> None:
    api_domain = f"api.{domain_run.config['skyline:domain']}"
    edge = _edge(domain_run)
    assert edge.inputs["aliases"] == [api_domain]
    certificate = edge.inputs["viewerCertificate"]
    assert certificate["acmCertificateArn"].startswith("arn:aws:acm:us-east-1:")
    assert certificate["minimumProtocolVersion"] == "TLSv1.2_2021"
    api_certificate = domain_run.named(f"skyline-{domain_run.stack}-domain-api-certificate")
    assert api_certificate.inputs["region"] == "us-east-1"
    records = [
        r for r in domain_run.of_type("aws:route53/record:Record") if r.inputs["name"] == api_domain
    ]
    assert sorted(r.inputs["type"] for r in records) == ["A", "AAAA"]
    for record in records:
        assert record.inputs["aliases"] == [
            {
                "name": edge.outputs["domainName"],
                "zoneId": "Z2FDTNDATAQYW2",
                "evaluateTargetHealth": False,
            }
        ]
    # No API Gateway custom domain any more: the name is CloudFront's, and the execute-api
    # endpoint stays on as the edge's origin, guarded by the origin secret.
    assert domain_run.of_type("aws:apigatewayv2/domainName:DomainName") == []
    assert domain_run.one(HTTP_API).inputs["disableExecuteApiEndpoint"] is False


def test_without_a_domain_the_edge_uses_its_own_name(runs: dict[str, offline.OfflineRun]) -> None:
    dev = runs["dev"]
    edge = _edge(dev)
    assert edge.inputs["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert dev.outputs["apiUrl"] == f"https://{edge.outputs['domainName']}"


def test_hit_rate_alarm_lives_with_cloudfronts_metrics_in_us_east_1(
    runs: dict[str, offline.OfflineRun],
) -> None:
    prod = runs["prod"]
    alarm = prod.named("skyline-prod-observability-api-edge-hit-rate")
    assert alarm.inputs["region"] == "us-east-1"
    assert alarm.inputs["namespace"] == "AWS/CloudFront"
    assert alarm.inputs["metricName"] == "CacheHitRate"
    assert alarm.inputs["dimensions"] == {
        "DistributionId": _edge(prod).id,
        "Region": "Global",
    }
    assert alarm.inputs["comparisonOperator"] == "LessThanThreshold"
    assert alarm.inputs["threshold"] == 50
    topic = prod.named("skyline-prod-observability-edge-alarms")
    assert topic.inputs["region"] == "us-east-1"
    assert alarm.inputs["alarmActions"] == [topic.outputs["arn"]]
    assert topic.outputs["arn"].startswith("arn:aws:sns:us-east-1:")
    email = prod.named("skyline-prod-observability-edge-alarm-email")
    assert email.inputs["region"] == "us-east-1"
    metrics = prod.named("skyline-prod-observability-api-edge-metrics")
    assert metrics.inputs["distributionId"] == _edge(prod).id


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_no_hit_rate_alarm_where_the_stage_sets_none(
    stack: str, runs: dict[str, offline.OfflineRun]
) -> None:
    names = [r.name for r in runs[stack].resources]
    assert not [n for n in names if "api-edge-hit-rate" in n or "api-edge-metrics" in n]
