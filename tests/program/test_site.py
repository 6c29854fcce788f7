"""The S3 origin and CloudFront, asserted on the inputs the engine would receive."""

from __future__ import annotations

import json

import pytest

from infra import edge, offline
from infra.site import StaticSite, StaticSiteArgs

BUCKET = "aws:s3/bucket:Bucket"
HEADERS = "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy"


def _site(run: offline.OfflineRun, child: str) -> offline.Registered:
    """The site's own child: the API edge has a distribution and a headers policy too."""
    return run.named(f"skyline-{run.stack}-site-{child}")


def _site_bucket(run: offline.OfflineRun) -> offline.Registered:
    return run.named(f"skyline-{run.stack}-site-bucket")


def _for_bucket(run: offline.OfflineRun, type_token: str) -> dict[str, object]:
    resource = run.one(type_token)
    bucket_name = run.outputs["bucketName"]
    assert resource.inputs["bucket"] == bucket_name
    return resource.inputs


def test_bucket_blocks_all_public_access(run: offline.OfflineRun) -> None:
    inputs = _for_bucket(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    for flag in (
        "blockPublicAcls",
        "blockPublicPolicy",
        "ignorePublicAcls",
        "restrictPublicBuckets",
    ):
        assert inputs[flag] is True, flag


def test_bucket_owner_enforced_and_encrypted(run: offline.OfflineRun) -> None:
    ownership = _for_bucket(run, "aws:s3/bucketOwnershipControls:BucketOwnershipControls")
    assert ownership["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    encryption = _for_bucket(
        run,
        "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    )
    assert encryption["rules"] == [
        {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
    ]


def test_versioning_with_noncurrent_expiry(run: offline.OfflineRun) -> None:
    versioning = _for_bucket(run, "aws:s3/bucketVersioning:BucketVersioning")
    assert versioning["versioningConfiguration"] == {"status": "Enabled"}
    lifecycle = run.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration")
    versions, markers = lifecycle.inputs["rules"]
    assert versions["status"] == "Enabled"
    assert versions["noncurrentVersionExpiration"] == {"noncurrentDays": 30}
    # Each prune leaves delete markers; alone once their versions expire, they are removed.
    assert markers == {
        "id": "remove-expired-delete-markers",
        "status": "Enabled",
        "filter": {"prefix": ""},
        "expiration": {"expiredObjectDeleteMarker": True},
    }
    versioning_urn = run.one("aws:s3/bucketVersioning:BucketVersioning").urn
    assert versioning_urn in lifecycle.dependencies


def test_bucket_policy_reads_only_for_this_distribution_and_denies_plain_http(
    run: offline.OfflineRun,
) -> None:
    policy_resource = run.one("aws:s3/bucketPolicy:BucketPolicy")
    policy = json.loads(policy_resource.inputs["policy"])
    bucket_arn = f"arn:aws:s3:::{run.outputs['bucketName']}"
    distribution_arn = f"arn:aws:cloudfront::{offline.ACCOUNT}:distribution/E"
    allow, private, deny = policy["Statement"]
    # Release records and old copies stay the release tool's: CloudFront may not read them.
    assert private == {
        "Sid": "CloudFrontNeverReadsReleaseRecords",
        "Effect": "Deny",
        "Principal": {"Service": "cloudfront.amazonaws.com"},
        "Action": "s3:GetObject",
        "Resource": f"{bucket_arn}/_releases/*",
    }
    assert allow["Effect"] == "Allow"
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert allow["Action"] == "s3:GetObject"
    assert allow["Resource"] == f"{bucket_arn}/*"
    source_arn = allow["Condition"]["StringEquals"]["AWS:SourceArn"]
    assert source_arn.startswith(distribution_arn)
    assert deny["Effect"] == "Deny"
    assert deny["Principal"] == "*"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(deny["Resource"]) == {bucket_arn, f"{bucket_arn}/*"}
    block = run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert block.urn in policy_resource.dependencies


def test_origin_access_control_signs_every_request(run: offline.OfflineRun) -> None:
    oac = run.one("aws:cloudfront/originAccessControl:OriginAccessControl").inputs
    assert oac["originAccessControlOriginType"] == "s3"
    assert oac["signingBehavior"] == "always"
    assert oac["signingProtocol"] == "sigv4"
    [origin] = _site(run, "cdn").inputs["origins"]
    assert origin["originAccessControlId"].startswith(f"skyline-{run.stack}-site-oac")
    # The REST endpoint (private, HTTPS), never the public website endpoint.
    assert origin["domainName"].endswith(".amazonaws.com")
    assert ".s3." in origin["domainName"] and "s3-website" not in origin["domainName"]
    assert "s3OriginConfig" not in origin and "customOriginConfig" not in origin


def test_spa_error_rewrites_come_from_the_edge_rules(run: offline.OfflineRun) -> None:
    responses = _site(run, "cdn").inputs["customErrorResponses"]
    assert {r["errorCode"] for r in responses} == {403, 404}
    for response in responses:
        assert response["responseCode"] == 200
        assert response["responsePagePath"] == "/index.html"
        assert response["errorCachingMinTtl"] == 0
    assert len(responses) == len(edge.ERROR_REWRITES)


def test_distribution_protocols_and_compression(run: offline.OfflineRun) -> None:
    inputs = _site(run, "cdn").inputs
    assert inputs["enabled"] is True
    assert inputs["defaultRootObject"] == "index.html"
    assert inputs["httpVersion"] == "http2and3"
    assert inputs["isIpv6Enabled"] is True
    behaviour = inputs["defaultCacheBehavior"]
    assert behaviour["viewerProtocolPolicy"] == "redirect-to-https"
    assert behaviour["compress"] is True
    # AWS's managed CachingOptimized: the edge keeps what the origin's Cache-Control says (a
    # year for hashed assets, revalidate for the rest), which the release tool sets per object.
    assert behaviour["cachePolicyId"] == "658327ea-f89d-4fab-a63d-7e88639e58f6"
    headers = _site(run, "headers")
    assert behaviour["responseHeadersPolicyId"].startswith(headers.name)
    assert "orderedCacheBehaviors" not in inputs


def test_price_class_follows_the_stage(run: offline.OfflineRun) -> None:
    expected = {"dev": "PriceClass_100", "staging": "PriceClass_100", "prod": "PriceClass_All"}
    assert _site(run, "cdn").inputs["priceClass"] == expected[run.stack]


def test_custom_domain_uses_its_certificate(domain_run: offline.OfflineRun) -> None:
    inputs = _site(domain_run, "cdn").inputs
    domain = domain_run.config["skyline:domain"]
    assert inputs["aliases"] == [domain]
    certificate = inputs["viewerCertificate"]
    assert certificate["sslSupportMethod"] == "sni-only"
    assert certificate["minimumProtocolVersion"] == "TLSv1.2_2021"
    assert certificate["acmCertificateArn"].startswith("arn:aws:acm:us-east-1:")
    assert "cloudfrontDefaultCertificate" not in certificate
    assert domain_run.outputs["siteUrl"] == f"https://{domain}"


def test_no_domain_uses_the_default_certificate(runs: dict[str, offline.OfflineRun]) -> None:
    dev = runs["dev"]
    inputs = _site(dev, "cdn").inputs
    assert inputs["viewerCertificate"] == {"cloudfrontDefaultCertificate": True}
    assert inputs.get("aliases", []) == []
    assert dev.outputs["siteUrl"] == f"https://{dev.outputs['distributionDomain']}"


def test_headers_policy_matches_the_edge_rules(run: offline.OfflineRun) -> None:
    inputs = _site(run, "headers").inputs
    security = inputs["securityHeadersConfig"]
    hsts = security["strictTransportSecurity"]
    assert hsts["accessControlMaxAgeSec"] >= 63_072_000
    assert hsts["includeSubdomains"] is True
    assert security["frameOptions"]["frameOption"] == "DENY"
    assert security["contentTypeOptions"]["override"] is True
    assert security["referrerPolicy"]["referrerPolicy"] == edge.REFERRER_POLICY
    csp = security["contentSecurityPolicy"]["contentSecurityPolicy"]
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["script-src"] == "'self'"
    assert "unsafe" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    api_origin = directives["connect-src"].split()[1]
    assert api_origin.startswith("https://")
    custom = {item["header"]: item["value"] for item in inputs["customHeadersConfig"]["items"]}
    assert custom == edge.SecurityHeaders(api_origin=api_origin).custom()
    assert {"Permissions-Policy", "Cross-Origin-Resource-Policy"} <= set(custom)


def test_protect_guards_the_bucket_in_prod_only(runs: dict[str, offline.OfflineRun]) -> None:
    assert _site_bucket(runs["prod"]).protect is True
    assert _site_bucket(runs["prod"]).inputs["forceDestroy"] is False
    for stack in ("dev", "staging"):
        assert _site_bucket(runs[stack]).protect is False
        assert _site_bucket(runs[stack]).inputs["forceDestroy"] is True


def test_children_are_named_from_and_parented_to_their_component(run: offline.OfflineRun) -> None:
    components = {r.urn: r for r in run.resources if not r.custom}
    for resource in run.resources:
        if resource.custom and resource.type.startswith("aws:"):
            parent = components.get(resource.parent)
            assert parent is not None, f"{resource.name} has no component parent"
            assert resource.name.startswith(f"{parent.name}-"), resource.name


def test_outputs(run: offline.OfflineRun) -> None:
    assert {"siteUrl", "bucketName", "distributionId", "distributionDomain"} <= set(run.outputs)


def test_a_domain_without_its_certificate_is_refused() -> None:
    # CloudFront refuses an alias served with its default certificate, but only at `up`.
    args = StaticSiteArgs("PriceClass_100", "https://api.example.com", domain="app.example.com")
    with pytest.raises(ValueError) as raised:
        offline.run("dev", program=lambda: StaticSite("skyline-test-site", args))
    assert str(raised.value) == (
        "skyline-test-site: domain 'app.example.com' needs a us-east-1 certificate_arn for "
        "CloudFront"
    )
