"""The site: a private S3 origin that only CloudFront reads, with the rules from infra/edge.py."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra import cloudfront, edge
from infra.access_logs import AccessLogs, AccessLogsArgs
from infra.dns import AliasTarget

# AWS's managed "CachingOptimized" policy: honours the origin's Cache-Control (one year for
# hashed assets, revalidate for the rest), keys on the path only, and accepts gzip and brotli
# so CloudFront compresses text for viewers that ask for either.
CACHING_OPTIMIZED_POLICY_ID = "658327ea-f89d-4fab-a63d-7e88639e58f6"
S3_ORIGIN_ID = "site-bucket"
# Old versions only matter for a manual recovery. `release rollback` needs none of them: a kept
# release's assets and its copies under _releases/ are current objects until it is pruned.
NONCURRENT_VERSION_DAYS = 30


@dataclass
class StaticSiteArgs:
    price_class: str
    # The API's origin (scheme + host) that the site's CSP lets the page call.
    api_origin: pulumi.Input[str]
    # Custom hostname and its validated us-east-1 certificate; both None for CloudFront's default.
    domain: str | None = None
    certificate_arn: pulumi.Input[str] | None = None
    protect: bool = False
    # How long CloudFront's access logs are kept (infra/access_logs.py).
    log_retention_days: int = 30
    # The stage's WAF web ACL (infra/waf.py), if any.
    web_acl_arn: pulumi.Input[str] | None = None


class StaticSite(pulumi.ComponentResource):
    bucket: aws.s3.Bucket
    distribution: aws.cloudfront.Distribution
    url: pulumi.Output[str]
    # What must exist before anything is uploaded: objects are only readable through the
    # distribution once the bucket policy lets it in.
    ready: list[pulumi.Resource]
    alias_target: AliasTarget

    def __init__(
        self, name: str, args: StaticSiteArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        if args.domain and args.certificate_arn is None:
            # CloudFront refuses an alias served with its default certificate, but only at `up`.
            raise ValueError(
                f"{name}: domain {args.domain!r} needs a us-east-1 certificate_arn for CloudFront"
            )
        super().__init__("skyline:index:StaticSite", name, None, opts)
        self._name = name
        self._args = args

        self.bucket = self._bucket()
        public_access_block = self._lock_down_bucket()
        access_control = self._origin_access_control()
        headers_policy = self._headers_policy()
        self.distribution = self._distribution(access_control, headers_policy)
        AccessLogs(
            f"{name}-access-logs",
            AccessLogsArgs(self.distribution.arn, args.log_retention_days),
            opts=pulumi.ResourceOptions(parent=self),
        )
        bucket_policy = self._bucket_policy(public_access_block)
        self.ready = [bucket_policy, self.distribution]
        self.alias_target = cloudfront.alias_target(self.distribution)
        self.url = cloudfront.public_url(args.domain, self.distribution)

        self.register_outputs(
            {
                "bucketName": self.bucket.bucket,
                "distributionId": self.distribution.id,
                "distributionDomain": self.distribution.domain_name,
                "url": self.url,
            }
        )

    def _bucket(self) -> aws.s3.Bucket:
        return aws.s3.Bucket(
            f"{self._name}-bucket",
            # Unprotected stages can be destroyed with their objects; protected ones cannot be
            # destroyed at all.
            force_destroy=not self._args.protect,
            opts=pulumi.ResourceOptions(parent=self, protect=self._args.protect),
        )

    def _lock_down_bucket(self) -> aws.s3.BucketPublicAccessBlock:
        bucket = self.bucket.id
        aws.s3.BucketOwnershipControls(
            f"{self._name}-ownership",
            bucket=bucket,
            # ACLs off: access is decided by the bucket policy alone.
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{self._name}-encryption",
            bucket=bucket,
            # SSE-S3, not KMS: CloudFront's OAC reads it without a key policy, and the ETag
            # stays the MD5 of the body, which the release tool compares to skip unchanged files.
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=pulumi.ResourceOptions(parent=self),
        )
        versioning = aws.s3.BucketVersioning(
            f"{self._name}-versioning",
            bucket=bucket,
            versioning_configuration={"status": "Enabled"},
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{self._name}-lifecycle",
            bucket=bucket,
            rules=[
                {
                    "id": "expire-noncurrent-versions",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "noncurrent_version_expiration": {"noncurrent_days": NONCURRENT_VERSION_DAYS},
                    "abort_incomplete_multipart_upload": {"days_after_initiation": 1},
                },
                {
                    # Every prune leaves a delete marker; once its versions expire it is alone
                    # and only slows listings.
                    "id": "remove-expired-delete-markers",
                    "status": "Enabled",
                    "filter": {"prefix": ""},
                    "expiration": {"expired_object_delete_marker": True},
                },
            ],
            # S3 rejects lifecycle rules on versions until versioning is on.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[versioning]),
        )
        return aws.s3.BucketPublicAccessBlock(
            f"{self._name}-public-access-block",
            bucket=bucket,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _origin_access_control(self) -> aws.cloudfront.OriginAccessControl:
        return aws.cloudfront.OriginAccessControl(
            f"{self._name}-oac",
            name=f"{self._name}-oac",
            description=f"CloudFront reads {self._name}'s bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _headers_policy(self) -> aws.cloudfront.ResponseHeadersPolicy:
        headers = pulumi.Output.from_input(self._args.api_origin).apply(
            lambda origin: edge.SecurityHeaders(api_origin=origin)
        )
        return aws.cloudfront.ResponseHeadersPolicy(
            f"{self._name}-headers",
            name=f"{self._name}-headers",
            comment="Skyline security headers (infra/edge.py)",
            security_headers_config={
                "strict_transport_security": cloudfront.hsts(),
                "content_security_policy": {
                    "content_security_policy": headers.apply(lambda h: h.content_security_policy()),
                    "override": True,
                },
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": edge.FRAME_OPTIONS, "override": True},
                "referrer_policy": {"referrer_policy": edge.REFERRER_POLICY, "override": True},
            },
            custom_headers_config={
                "items": headers.apply(
                    lambda h: [
                        {"header": header, "value": value, "override": True}
                        for header, value in h.custom().items()
                    ]
                )
            },
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _distribution(
        self,
        access_control: aws.cloudfront.OriginAccessControl,
        headers_policy: aws.cloudfront.ResponseHeadersPolicy,
    ) -> aws.cloudfront.Distribution:
        args = self._args
        return aws.cloudfront.Distribution(
            f"{self._name}-cdn",
            enabled=True,
            comment=f"{self._name}",
            aliases=[args.domain] if args.domain else [],
            default_root_object=edge.INDEX_DOCUMENT,
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=args.price_class,
            origins=[
                {
                    "origin_id": S3_ORIGIN_ID,
                    # The REST endpoint with OAC, not the website endpoint: the website
                    # endpoint is public and plain HTTP.
                    "domain_name": self.bucket.bucket_regional_domain_name,
                    "origin_access_control_id": access_control.id,
                }
            ],
            default_cache_behavior={
                "target_origin_id": S3_ORIGIN_ID,
                "viewer_protocol_policy": "redirect-to-https",
                "allowed_methods": ["GET", "HEAD", "OPTIONS"],
                "cached_methods": ["GET", "HEAD"],
                "compress": True,
                "cache_policy_id": CACHING_OPTIMIZED_POLICY_ID,
                "response_headers_policy_id": headers_policy.id,
            },
            custom_error_responses=[
                {
                    "error_code": rewrite.origin_status,
                    "response_code": rewrite.response_status,
                    "response_page_path": rewrite.response_page,
                    "error_caching_min_ttl": rewrite.caching_min_ttl,
                }
                for rewrite in edge.ERROR_REWRITES
            ],
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=cloudfront.viewer_certificate(args.certificate_arn),
            web_acl_id=args.web_acl_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _bucket_policy(
        self, public_access_block: aws.s3.BucketPublicAccessBlock
    ) -> aws.s3.BucketPolicy:
        policy = pulumi.Output.all(self.bucket.arn, self.distribution.arn).apply(
            lambda arns: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Sid": "CloudFrontReadsObjects",
                            "Effect": "Allow",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": f"{arns[0]}/*",
                            "Condition": {"StringEquals": {"AWS:SourceArn": arns[1]}},
                        },
                        {
                            # Release records and old index.html copies are the release
                            # tool's (it reads them with its own credentials), not the site's.
                            "Sid": "CloudFrontNeverReadsReleaseRecords",
                            "Effect": "Deny",
                            "Principal": {"Service": "cloudfront.amazonaws.com"},
                            "Action": "s3:GetObject",
                            "Resource": f"{arns[0]}/{edge.RELEASES_PREFIX}*",
                        },
                        {
                            "Sid": "DenyWithoutTls",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Action": "s3:*",
                            "Resource": [arns[0], f"{arns[0]}/*"],
                            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                        },
                    ],
                }
            )
        )
        return aws.s3.BucketPolicy(
            f"{self._name}-policy",
            bucket=self.bucket.id,
            policy=policy,
            # A policy put while Block Public Access is still being applied can be refused.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access_block]),
        )
