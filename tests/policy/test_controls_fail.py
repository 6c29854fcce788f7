"""Each control fails on the real program's resources with exactly its rule broken.

Every case starts from the prod run (it has a domain, so certificates and aliases too), edits
one thing, runs the whole pack and expects that control, and only it, to report."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
import pytest

from infra import offline
from policy import check
from policy.skyline_policies import CONTROL_NAMES

STACK = "prod"
PREFIX = f"skyline-{STACK}"


def _inputs(run: offline.OfflineRun, name: str) -> dict[str, Any]:
    return run.named(f"{PREFIX}-{name}").inputs


def _edit_document(run: offline.OfflineRun, name: str, edit: Callable[[Any], None]) -> None:
    inputs = _inputs(run, name)
    document = json.loads(inputs["policy"])
    edit(document)
    inputs["policy"] = json.dumps(document)


def _statement(document: Any, sid: str) -> dict[str, Any]:
    return next(s for s in document["Statement"] if s.get("Sid") == sid)


def _drop(run: offline.OfflineRun, name: str) -> None:
    run.resources.remove(run.named(f"{PREFIX}-{name}"))


def _add(
    run: offline.OfflineRun,
    name: str,
    type_: str,
    inputs: dict[str, Any],
    made_from: dict[str, list[str]] | None = None,
) -> None:
    """Register one more resource in the site's component, with its props made from other
    resources' outputs (property -> their names without the prefix) as the engine records it."""
    site = run.named(f"{PREFIX}-site-bucket")

    def urns(names: list[str]) -> list[str]:
        return [run.named(f"{PREFIX}-{short}").urn for short in names]

    dependencies = {prop: urns(names) for prop, names in (made_from or {}).items()}
    run.resources.append(
        offline.Registered(
            urn=f"urn:pulumi:{run.stack}::skyline::{type_}::{PREFIX}-{name}",
            type=type_,
            name=f"{PREFIX}-{name}",
            parent=site.parent,
            provider=site.provider,
            custom=True,
            dependencies=sorted({urn for found in dependencies.values() for urn in found}),
            inputs=inputs,
            protect=False,
            property_dependencies=dependencies,
        )
    )


def _site_bucket_logging(target: str | None) -> Callable[[offline.OfflineRun], None]:
    """A BucketLogging for the site bucket into `target`: a bucket name, "itself" or None."""

    def edit(run: offline.OfflineRun) -> None:
        bucket = run.named(f"{PREFIX}-site-bucket").outputs["bucket"]
        inputs = {"bucket": bucket, "targetPrefix": "logs/"}
        made_from = {"bucket": ["site-bucket"]}
        if target == "itself":
            inputs["targetBucket"] = bucket
            made_from["targetBucket"] = ["site-bucket"]
        elif target is not None:
            inputs["targetBucket"] = target
        _add(run, "site-logging", "aws:s3/bucketLogging:BucketLogging", inputs, made_from)

    return edit


def _unencrypted_topic(run: offline.OfflineRun) -> None:
    # Not one of the alarm topics the register excepts.
    _add(run, "observability-releases", "aws:sns/topic:Topic", {})


def _logs_the_other_distribution(run: offline.OfflineRun) -> None:
    source = run.named(f"{PREFIX}-site-access-logs-source")
    other = run.named(f"{PREFIX}-api-edge-cdn")
    source.inputs["resourceArn"] = other.outputs["arn"]
    source.property_dependencies["resourceArn"] = [other.urn]
    source.dependencies = [other.urn]


@dataclass(frozen=True)
class Case:
    control: str
    label: str
    edit: Callable[[offline.OfflineRun], None]


def _set(name: str, *path: str, to: Any) -> Callable[[offline.OfflineRun], None]:
    def edit(run: offline.OfflineRun) -> None:
        target = _inputs(run, name)
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = to

    return edit


def _delete(name: str, *path: str) -> Callable[[offline.OfflineRun], None]:
    def edit(run: offline.OfflineRun) -> None:
        target = _inputs(run, name)
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return edit


def _public_read_statement(document: Any) -> None:
    allow = _statement(document, "CloudFrontReadsObjects")
    allow["Principal"] = "*"
    del allow["Condition"]


def _tls_deny_allows_http(document: Any) -> None:
    _statement(document, "DenyWithoutTls")["Condition"] = {"Bool": {"aws:SecureTransport": "true"}}


def _tls_deny_only_objects(document: Any) -> None:
    deny = _statement(document, "DenyWithoutTls")
    deny["Resource"] = [r for r in deny["Resource"] if r.endswith("/*")]


def _role_action(action: Any) -> Callable[[offline.OfflineRun], None]:
    def edit(run: offline.OfflineRun) -> None:
        _edit_document(
            run, "api-role-policy", lambda document: document["Statement"][0].update(Action=action)
        )

    return edit


def _role_not_action(run: offline.OfflineRun) -> None:
    def edit(document: Any) -> None:
        statement = document["Statement"][0]
        statement["NotAction"] = statement.pop("Action")

    _edit_document(run, "api-role-policy", edit)


def _inline_policy_wildcard(run: offline.OfflineRun) -> None:
    allow_all = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*"}}
    _inputs(run, "api-role")["inlinePolicies"] = [
        {"name": "everything", "policy": json.dumps(allow_all)}
    ]


def _ordered_behaviour(protocol: str) -> Callable[[offline.OfflineRun], None]:
    def edit(run: offline.OfflineRun) -> None:
        inputs = _inputs(run, "site-cdn")
        extra = dict(inputs["defaultCacheBehavior"], pathPattern="/legacy/*")
        extra["viewerProtocolPolicy"] = protocol
        inputs["orderedCacheBehaviors"] = [extra]

    return edit


def _website_origin(run: offline.OfflineRun) -> None:
    [origin] = _inputs(run, "site-cdn")["origins"]
    del origin["originAccessControlId"]
    origin["domainName"] = origin["domainName"].replace(".s3.", ".s3-website.")
    origin["customOriginConfig"] = {
        "httpPort": 80,
        "httpsPort": 443,
        "originProtocolPolicy": "http-only",
        "originSslProtocols": ["TLSv1.2"],
    }


CASES = [
    Case("s3-block-public-access", "one flag off",
         _set("site-public-access-block", "restrictPublicBuckets", to=False)),
    Case("s3-block-public-access", "flag missing",
         _delete("site-public-access-block", "ignorePublicAcls")),
    Case("s3-tls-only", "no deny statement",
         lambda run: _edit_document(run, "site-policy", lambda d: d["Statement"].pop())),
    Case("s3-tls-only", "deny on the wrong condition",
         lambda run: _edit_document(run, "site-policy", _tls_deny_allows_http)),
    Case("s3-tls-only", "deny misses the bucket itself",
         lambda run: _edit_document(run, "site-policy", _tls_deny_only_objects)),
    Case("s3-no-public-policy", "allow to everyone without a condition",
         lambda run: _edit_document(run, "site-policy", _public_read_statement)),
    Case("s3-no-public-acl", "public-read bucket", _set("site-bucket", "acl", to="public-read")),
    Case("s3-bucket-owner-enforced", "ACLs on",
         _set("site-ownership", "rule", "objectOwnership", to="ObjectWriter")),
    Case("s3-versioning", "suspended",
         _set("site-versioning", "versioningConfiguration", "status", to="Suspended")),
    Case("s3-noncurrent-version-expiration", "no noncurrent expiry",
         lambda run: _inputs(run, "site-lifecycle")["rules"][0].pop(
             "noncurrentVersionExpiration")),
    Case("s3-noncurrent-version-expiration", "rule disabled",
         lambda run: _inputs(run, "site-lifecycle")["rules"][0].update(status="Disabled")),
    Case("s3-encryption", "no rule", _set("site-encryption", "rules", to=[])),
    Case("s3-every-bucket-configured", "no versioning resource",
         lambda run: _drop(run, "site-versioning")),
    Case("s3-every-bucket-configured", "no encryption resource",
         lambda run: _drop(run, "site-encryption")),
    Case("cloudfront-access-logging", "no delivery source",
         lambda run: _drop(run, "site-access-logs-source")),
    Case("cloudfront-access-logging", "no delivery from the source",
         lambda run: _drop(run, "site-access-logs-delivery")),
    Case("cloudfront-access-logging", "a source of another log type",
         _set("site-access-logs-source", "logType", to="CONNECTION_LOGS")),
    Case("cloudfront-access-logging", "the source names the other distribution",
         _logs_the_other_distribution),
    Case("s3-access-logging", "logs into the bucket itself",
         _site_bucket_logging("itself")),
    Case("s3-access-logging", "no target bucket", _site_bucket_logging(None)),
    Case("sns-encryption", "a topic without a key", _unencrypted_topic),
    Case("cloudfront-default-root-object", "missing", _delete("site-cdn", "defaultRootObject")),
    Case("cloudfront-https-only", "default behaviour allows HTTP",
         _set("site-cdn", "defaultCacheBehavior", "viewerProtocolPolicy", to="allow-all")),
    Case("cloudfront-https-only", "ordered behaviour allows HTTP", _ordered_behaviour("allow-all")),
    Case("cloudfront-tls-certificate", "old TLS policy",
         _set("site-cdn", "viewerCertificate", "minimumProtocolVersion", to="TLSv1")),
    Case("cloudfront-tls-certificate", "dedicated IP",
         _set("site-cdn", "viewerCertificate", "sslSupportMethod", to="vip")),
    Case("cloudfront-tls-certificate", "default certificate with aliases",
         _set("site-cdn", "viewerCertificate", to={"cloudfrontDefaultCertificate": True})),
    Case("cloudfront-origin-access-control", "no OAC",
         lambda run: _inputs(run, "site-cdn")["origins"][0].pop("originAccessControlId")),
    Case("cloudfront-origin-access-control", "website endpoint", _website_origin),
    Case("cloudfront-security-headers", "behaviour without a headers policy",
         _delete("site-cdn", "defaultCacheBehavior", "responseHeadersPolicyId")),
    Case("cloudfront-security-headers", "managed policy without a CSP",
         _set("site-cdn", "defaultCacheBehavior", "responseHeadersPolicyId",
              to="67f7725c-6f97-4210-82d7-5512b31e9d03")),
    Case("cloudfront-security-headers", "policy without a CSP",
         _delete("site-headers", "securityHeadersConfig", "contentSecurityPolicy")),
    Case("cloudfront-security-headers", "short HSTS",
         _set("site-headers", "securityHeadersConfig", "strictTransportSecurity",
              "accessControlMaxAgeSec", to=300)),
    Case("lambda-supported-runtime", "retired runtime",
         _set("api-function", "runtime", to="python3.9")),
    Case("lambda-supported-runtime", "other language",
         _set("api-function", "runtime", to="nodejs20.x")),
    Case("lambda-permission-source-arn", "any source",
         _delete("api-invoke-permission", "sourceArn")),
    Case("lambda-log-retention", "function logs to its default group",
         _delete("api-function", "loggingConfig", "logGroup")),
    Case("lambda-log-retention", "group kept forever",
         _delete("api-access-logs", "retentionInDays")),
    Case("iam-no-wildcard-actions", "service wildcard", _role_action("logs:*")),
    Case("iam-no-wildcard-actions", "star in a list", _role_action(["logs:PutLogEvents", "*"])),
    Case("iam-no-wildcard-actions", "NotAction", _role_not_action),
    Case("iam-no-wildcard-actions", "inline policy on the role", _inline_policy_wildcard),
    Case("apigateway-access-logging", "no access logs", _delete("api-stage", "accessLogSettings")),
    Case("apigateway-access-logging", "no format",
         _delete("api-stage", "accessLogSettings", "format")),
    Case("apigateway-throttling", "no rate limit",
         _delete("api-stage", "defaultRouteSettings", "throttlingRateLimit")),
    Case("apigateway-throttling", "zero burst",
         _set("api-stage", "defaultRouteSettings", "throttlingBurstLimit", to=0)),
    Case("acm-dns-validation", "e-mail validation",
         _set("domain-site-certificate", "validationMethod", to="EMAIL")),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.control}: {c.label}")
def test_breaking_one_rule_fails_exactly_its_control(
    case: Case, edited: Callable[[str, Callable[[offline.OfflineRun], None]], offline.OfflineRun]
) -> None:
    violations = check.policy_violations(edited(STACK, case.edit))
    assert {v.policy for v in violations} == {case.control}, [str(v) for v in violations]
    assert all(v.mandatory for v in violations)
    assert all(v.name and v.name.startswith(PREFIX) for v in violations)


def test_every_mandatory_control_has_a_failing_case() -> None:
    advisory = {"cloudfront-waf"}  # its failure is shown in test_program_passes
    assert {case.control for case in CASES} == set(CONTROL_NAMES) - advisory


def test_a_bucket_without_any_settings_misses_each_one(
    edited: Callable[[str, Callable[[offline.OfflineRun], None]], offline.OfflineRun],
) -> None:
    def add_bare_bucket(run: offline.OfflineRun) -> None:
        _add(run, "logs-bucket", "aws:s3/bucket:Bucket", {})

    violations = check.policy_violations(edited(STACK, add_bare_bucket))
    assert {v.policy for v in violations} == {"s3-every-bucket-configured", "s3-access-logging"}
    assert {v.name for v in violations} == {f"{PREFIX}-logs-bucket"}
    # The site bucket's exception from S3.9 names the site bucket, not every bucket.
    [unlogged] = [v for v in violations if v.policy == "s3-access-logging"]
    assert "no server access logging" in unlogged.message
    configured = [v for v in violations if v.policy == "s3-every-bucket-configured"]
    assert sorted(v.message.rsplit("(", 1)[1].rstrip(")") for v in configured) == sorted(
        [
            "s3-block-public-access",
            "s3-tls-only",
            "s3-bucket-owner-enforced",
            "s3-versioning",
            "s3-noncurrent-version-expiration",
            "s3-encryption",
        ]
    )


def test_a_bucket_logging_into_another_bucket_passes(
    edited: Callable[[str, Callable[[offline.OfflineRun], None]], offline.OfflineRun],
) -> None:
    # A log bucket of another stack or account: a name, not a resource of this one.
    logged = edited(STACK, _site_bucket_logging("company-s3-access-logs"))
    assert check.policy_violations(logged) == []


def test_legacy_logging_to_a_bucket_also_counts_as_access_logs(
    edited: Callable[[str, Callable[[offline.OfflineRun], None]], offline.OfflineRun],
) -> None:
    def legacy(run: offline.OfflineRun) -> None:
        _drop(run, "site-access-logs-source")
        _inputs(run, "site-cdn")["loggingConfig"] = {"bucket": "logs.s3.amazonaws.com"}

    assert check.policy_violations(edited(STACK, legacy)) == []


def test_the_command_line_fails_on_a_mandatory_violation(
    edited: Callable[[str, Callable[[offline.OfflineRun], None]], offline.OfflineRun],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = edited(STACK, _set("api-function", "runtime", to="python3.8"))
    monkeypatch.setattr(offline, "run", lambda _stack: broken)
    assert check.main(["--stack", STACK]) == check.EXIT_VIOLATIONS
    out = capsys.readouterr().out
    assert "MANDATORY lambda-supported-runtime" in out
    assert "'python3.8'" in out


def test_the_command_line_reports_a_config_the_program_refuses(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    message = "skyline:priceClass is 'Cheap'"
    refused = offline.OfflineRun(STACK, {}, error=pulumi.RunError(message))
    monkeypatch.setattr(offline, "run", lambda _stack: refused)
    assert check.main(["--stack", STACK]) == check.EXIT_BAD_CONFIG
    assert capsys.readouterr().err == f"policy: stack {STACK}: error: {message}\n"
