"""The API edge: a CloudFront distribution in front of the HTTP API, caching what the app says.

API Gateway HTTP APIs have no cache, so without it every repeated read costs an invocation and a
round trip to the stack's region. The edge keeps answers as long as the app's Cache-Control
says, within infra/api_cache.py's bounds, answers `If-None-Match` with 304 from its copy, and
brings what the site already has: HTTP/3, IPv6, TLS at the edge, and a place for a WAF.

Unlike the site's, it rewrites no error: an API error reaches the client as the app's JSON with
its own status. The app marks errors `no-store`, and each error status has an error-caching TTL
of 0, since CloudFront otherwise keeps most errors for 10 s whatever the origin says.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from infra import api_cache, cloudfront, edge
from infra.access_logs import AccessLogs, AccessLogsArgs
from infra.dns import AliasTarget, Hostname

ORIGIN_ID = "http-api"


@dataclass
class ApiEdgeArgs:
    # The HTTP API's endpoint, https://<id>.execute-api.<region>.amazonaws.com.
    origin_url: pulumi.Input[str]
    price_class: str
    # `api.<domain>` and its us-east-1 certificate; None for the distribution's own name.
    hostname: Hostname | None = None
    # How long CloudFront's access logs are kept (infra/access_logs.py).
    log_retention_days: int = 30
    # The stage's WAF web ACL (infra/waf.py), if any.
    web_acl_arn: pulumi.Input[str] | None = None


class ApiEdge(pulumi.ComponentResource):
    distribution: aws.cloudfront.Distribution
    # The secret the edge adds to every request it forwards (a Pulumi secret in the state).
    origin_secret: pulumi.Output[str]
    url: pulumi.Output[str]
    alias_target: AliasTarget

    def __init__(
        self, name: str, args: ApiEdgeArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("skyline:index:ApiEdge", name, None, opts)
        self._name = name
        self._args = args

        self.origin_secret = self._origin_secret()
        cache_policy = self._cache_policy()
        headers_policy = self._headers_policy()
        self.distribution = self._distribution(cache_policy, headers_policy)
        AccessLogs(
            f"{name}-access-logs",
            AccessLogsArgs(self.distribution.arn, args.log_retention_days),
            opts=pulumi.ResourceOptions(parent=self),
        )
        hostname = args.hostname
        self.url = cloudfront.public_url(hostname.name if hostname else None, self.distribution)
        self.alias_target = cloudfront.alias_target(self.distribution)

        self.register_outputs({"url": self.url, "distributionId": self.distribution.id})

    def _origin_secret(self) -> pulumi.Output[str]:
        # Generated once per stack and kept, encrypted, in its state; never in a stack file.
        secret = random.RandomPassword(
            f"{self._name}-origin-secret",
            length=48,
            special=False,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return pulumi.Output.secret(secret.result)

    def _cache_policy(self) -> aws.cloudfront.CachePolicy:
        return aws.cloudfront.CachePolicy(
            f"{self._name}-cache",
            name=f"{self._name}-cache",
            comment="Skyline API: the app's Cache-Control decides (infra/api_cache.py)",
            min_ttl=api_cache.MIN_TTL_SECONDS,
            default_ttl=api_cache.DEFAULT_TTL_SECONDS,
            max_ttl=api_cache.MAX_TTL_SECONDS,
            parameters_in_cache_key_and_forwarded_to_origin={
                "headers_config": {
                    "header_behavior": "whitelist",
                    "headers": {"items": list(api_cache.KEY_HEADERS)},
                },
                "query_strings_config": {"query_string_behavior": "all"},
                "cookies_config": {"cookie_behavior": "none"},
                # JSON is text: compressed at the edge for viewers that accept it.
                "enable_accept_encoding_gzip": True,
                "enable_accept_encoding_brotli": True,
            },
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _headers_policy(self) -> aws.cloudfront.ResponseHeadersPolicy:
        # CORS headers are the app's (it knows the one allowed origin); the rest are the edge's.
        return aws.cloudfront.ResponseHeadersPolicy(
            f"{self._name}-headers",
            name=f"{self._name}-headers",
            comment="Skyline API security headers (infra/api_cache.py, infra/edge.py)",
            security_headers_config={
                "strict_transport_security": cloudfront.hsts(),
                "content_security_policy": {
                    "content_security_policy": api_cache.CONTENT_SECURITY_POLICY,
                    "override": True,
                },
                "content_type_options": {"override": True},
                "frame_options": {"frame_option": edge.FRAME_OPTIONS, "override": True},
                "referrer_policy": {
                    "referrer_policy": api_cache.REFERRER_POLICY,
                    "override": True,
                },
            },
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _distribution(
        self,
        cache_policy: aws.cloudfront.CachePolicy,
        headers_policy: aws.cloudfront.ResponseHeadersPolicy,
    ) -> aws.cloudfront.Distribution:
        args = self._args
        return aws.cloudfront.Distribution(
            f"{self._name}-cdn",
            enabled=True,
            comment=self._name,
            aliases=[args.hostname.name] if args.hostname else [],
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class=args.price_class,
            origins=[
                {
                    "origin_id": ORIGIN_ID,
                    "domain_name": pulumi.Output.from_input(args.origin_url).apply(
                        lambda url: url.removeprefix("https://").rstrip("/")
                    ),
                    "custom_origin_config": {
                        "http_port": 80,
                        "https_port": 443,
                        "origin_protocol_policy": "https-only",
                        "origin_ssl_protocols": ["TLSv1.2"],
                    },
                    "custom_headers": [
                        {"name": api_cache.ORIGIN_SECRET_HEADER, "value": self.origin_secret}
                    ],
                }
            ],
            default_cache_behavior={
                "target_origin_id": ORIGIN_ID,
                # An API is not browsed: plain HTTP is refused rather than redirected, which
                # would turn a POST into a GET.
                "viewer_protocol_policy": "https-only",
                "allowed_methods": list(api_cache.ALL_METHODS),
                "cached_methods": list(api_cache.CACHED_METHODS),
                "compress": True,
                "cache_policy_id": cache_policy.id,
                "response_headers_policy_id": headers_policy.id,
            },
            # Only the time errors are kept (none); nothing is rewritten.
            custom_error_responses=[
                {"error_code": status, "error_caching_min_ttl": 0}
                for status in api_cache.UNCACHED_ERROR_STATUSES
            ],
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate=cloudfront.viewer_certificate(
                args.hostname.certificate_arn if args.hostname else None
            ),
            web_acl_id=args.web_acl_arn,
            opts=pulumi.ResourceOptions(parent=self),
        )
