"""S3: private buckets reached only over TLS, owned by their account, versioned, encrypted and
logged.

Each setting is its own resource in pulumi-aws 7 (BucketPublicAccessBlock, BucketPolicy, ...):
the resource controls check each one's props before it is created; `s3-every-bucket-configured`
checks, over the whole stack, that every bucket has each of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource

from . import documents
from .controls import (
    ResourceControl,
    StackControl,
    depends_on,
    is_set,
    items,
    known,
    made_from,
    value,
)
from .register import Register

BUCKET = "aws:s3/bucket:Bucket"
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
OWNERSHIP = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
# pulumi-aws 7 keeps the deprecated `...V2` resources under their own type tokens.
VERSIONING = (
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
)
LIFECYCLE = (
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2",
)
ENCRYPTION = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
LOGGING = (
    "aws:s3/bucketLogging:BucketLogging",
    "aws:s3/bucketLoggingV2:BucketLoggingV2",
)
ACL_HOLDERS = (
    BUCKET,
    "aws:s3/bucketAcl:BucketAcl",
    "aws:s3/bucketAclV2:BucketAclV2",
    "aws:s3/bucketObject:BucketObject",
    "aws:s3/bucketObjectv2:BucketObjectv2",
)

BLOCK_FLAGS = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
PUBLIC_CANNED_ACLS = frozenset({"public-read", "public-read-write", "authenticated-read"})
PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
ENCRYPTION_ALGORITHMS = frozenset({"AES256", "aws:kms", "aws:kms:dsse"})


def _block_public_access(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    for flag in BLOCK_FLAGS:
        if value(props, flag) is not True:
            yield f"{flag} must be true (it is {value(props, flag)!r})"


def _document(props: Mapping[str, Any]) -> tuple[list[Mapping[str, Any]], str | None]:
    try:
        return documents.statements(documents.parse(value(props, "policy"))), None
    except documents.DocumentError as error:
        return [], f"the bucket policy is {error}"


def _denies_plain_http(statement: Mapping[str, Any]) -> bool:
    resources = [str(r) for r in items(statement.get("Resource"))]
    return (
        documents.effect(statement) == "Deny"
        and documents.is_everyone(statement.get("Principal"))
        and any(a in ("*", "s3:*") for a in documents.actions(statement))
        and "false" in documents.condition(statement, "Bool", "aws:SecureTransport")
        # Both the bucket (listing, its settings) and its objects.
        and any(r == "*" or not r.endswith("/*") for r in resources)
        and any(r.endswith("*") for r in resources)
    )


def _tls_only(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    found, problem = _document(props)
    if problem:
        yield problem
    elif not any(_denies_plain_http(statement) for statement in found):
        yield (
            "no statement denies s3:* to everyone on the bucket and its objects when "
            'aws:SecureTransport is "false"'
        )


def _no_public_policy(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    found, problem = _document(props)
    if problem:
        yield problem
    for index, statement in enumerate(found):
        if (
            documents.effect(statement) == "Allow"
            and documents.is_everyone(statement.get("Principal"))
            and not documents.is_restricted(statement)
        ):
            yield (
                f"statement {statement.get('Sid') or index} allows everyone (Principal *) "
                "without a condition on the caller (aws:SourceArn, aws:SourceAccount, ...)"
            )


def _no_public_acl(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    acl = value(props, "acl")
    if acl in PUBLIC_CANNED_ACLS:
        yield f"acl {acl!r} makes it public; leave ACLs off (BucketOwnerEnforced)"
    grants = [
        *items(value(props, "grants")),
        *items(value(props, "accessControlPolicy", "grants")),
    ]
    for grant in grants:
        uri = value(grant, "grantee", "uri") or value(grant, "uri")
        if uri in PUBLIC_GRANTEES:
            yield f"an ACL grant to {uri} makes it public"


def _owner_enforced(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    ownership = value(props, "rule", "objectOwnership")
    if ownership != "BucketOwnerEnforced":
        yield f"objectOwnership must be BucketOwnerEnforced (ACLs off), not {ownership!r}"


def _versioning(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    status = value(props, "versioningConfiguration", "status")
    if status != "Enabled":
        yield f"versioning status must be Enabled, not {status!r}"


def _noncurrent_expiration(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    for rule in items(value(props, "rules")):
        days = value(rule, "noncurrentVersionExpiration", "noncurrentDays")
        if value(rule, "status") == "Enabled" and isinstance(days, int | float) and days > 0:
            return
    yield "no Enabled rule expires noncurrent versions (noncurrentVersionExpiration)"


def _encryption(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    algorithms = [
        value(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm")
        for rule in items(value(props, "rules"))
    ]
    if not any(algorithm in ENCRYPTION_ALGORITHMS for algorithm in algorithms):
        yield f"no default encryption rule with one of {sorted(ENCRYPTION_ALGORITHMS)}"


BLOCK_PUBLIC_ACCESS = ResourceControl(
    name="s3-block-public-access",
    description="S3 Block Public Access has all four flags on.",
    types=frozenset({PUBLIC_ACCESS_BLOCK}),
    check=_block_public_access,
    remediation="Set block_public_acls, block_public_policy, ignore_public_acls and "
    "restrict_public_buckets to True on the bucket's BucketPublicAccessBlock.",
)
TLS_ONLY = ResourceControl(
    name="s3-tls-only",
    description="The bucket policy denies every request made without TLS.",
    types=frozenset({BUCKET_POLICY}),
    check=_tls_only,
    remediation='Add a Deny of s3:* for Principal "*" on the bucket and bucket/* with '
    'Condition {"Bool": {"aws:SecureTransport": "false"}}.',
)
NO_PUBLIC_POLICY = ResourceControl(
    name="s3-no-public-policy",
    description="No bucket policy allows everyone without a condition on the caller.",
    types=frozenset({BUCKET_POLICY}),
    check=_no_public_policy,
    remediation="Grant a service principal (cloudfront.amazonaws.com) with an "
    "aws:SourceArn condition instead of Principal *.",
)
NO_PUBLIC_ACL = ResourceControl(
    name="s3-no-public-acl",
    description="No bucket or object has a public ACL.",
    types=frozenset(ACL_HOLDERS),
    check=_no_public_acl,
    remediation="Remove the acl/grants; with BucketOwnerEnforced, ACLs are disabled.",
)
OWNER_ENFORCED = ResourceControl(
    name="s3-bucket-owner-enforced",
    description="Object ownership is BucketOwnerEnforced: ACLs are off.",
    types=frozenset({OWNERSHIP}),
    check=_owner_enforced,
    remediation='Set rule={"object_ownership": "BucketOwnerEnforced"}.',
)
VERSIONED = ResourceControl(
    name="s3-versioning",
    description="Bucket versioning is enabled.",
    types=frozenset(VERSIONING),
    check=_versioning,
    remediation='Set versioning_configuration={"status": "Enabled"}.',
)
NONCURRENT_EXPIRATION = ResourceControl(
    name="s3-noncurrent-version-expiration",
    description="A lifecycle rule expires noncurrent versions, so versioning has a bounded cost.",
    types=frozenset(LIFECYCLE),
    check=_noncurrent_expiration,
    remediation="Add an Enabled rule with noncurrent_version_expiration.noncurrent_days > 0.",
)
ENCRYPTED = ResourceControl(
    name="s3-encryption",
    description="Default server-side encryption is configured.",
    types=frozenset(ENCRYPTION),
    check=_encryption,
    remediation="Add a BucketServerSideEncryptionConfiguration with sse_algorithm AES256 "
    "or aws:kms.",
)

# Which settings resource each control needs beside every bucket.
REQUIRED_BESIDE_BUCKET: dict[str, tuple[str, ...]] = {
    BLOCK_PUBLIC_ACCESS.name: (PUBLIC_ACCESS_BLOCK,),
    TLS_ONLY.name: (BUCKET_POLICY,),
    OWNER_ENFORCED.name: (OWNERSHIP,),
    VERSIONED.name: VERSIONING,
    NONCURRENT_EXPIRATION.name: LIFECYCLE,
    ENCRYPTED.name: ENCRYPTION,
}


def configures(setting: PolicyResource, bucket: PolicyResource) -> bool:
    """Whether a settings resource applies to `bucket`.

    The engine sends which resources each property came from (`property_dependencies`), so
    `bucket=my_bucket.id` points at the bucket even during preview, when the name is unknown.
    Without them for `bucket` (a name written as a literal) a dependency on the bucket counts;
    a known `bucket` name equal to the bucket's also counts.
    """
    said = made_from(setting, "bucket", bucket)
    if said is not None:
        return said
    return depends_on(setting, bucket) or _names(known(setting.props, "bucket"), bucket)


def _names(name: Any, bucket: PolicyResource) -> bool:
    """Whether a known bucket name is `bucket`'s."""
    return name is not None and name in (known(bucket.props, "bucket"), known(bucket.props, "id"))


def _every_bucket_configured(
    resources: Sequence[PolicyResource], register: Register
) -> Iterable[tuple[str, str | None]]:
    buckets = [r for r in resources if r.resource_type == BUCKET]
    for bucket in buckets:
        for control, types in REQUIRED_BESIDE_BUCKET.items():
            if register.exempts(control, bucket.name):
                continue
            candidates = [r for r in resources if r.resource_type in types]
            if not any(configures(setting, bucket) for setting in candidates):
                kind = types[0].rsplit(":", 1)[-1]
                yield f"{bucket.name}: no {kind} for this bucket ({control})", bucket.urn


def _logging_problem(logging: PolicyResource, bucket: PolicyResource) -> str | None:
    """What is wrong with a BucketLogging that configures `bucket`, if anything."""
    if not is_set(logging.props, "targetBucket"):
        return "its BucketLogging has no targetBucket"
    # Not `configures`: a dependency on the bucket as a whole is its `bucket`, not its target.
    said = made_from(logging, "targetBucket", bucket)
    into_itself = _names(known(logging.props, "targetBucket"), bucket) if said is None else said
    if into_itself:
        # S3 would log the delivery of its own logs, without end.
        return "its BucketLogging delivers the logs into the bucket itself"
    return None


def _every_bucket_logged(
    resources: Sequence[PolicyResource], register: Register
) -> Iterable[tuple[str, str | None]]:
    loggings = [r for r in resources if r.resource_type in LOGGING]
    for bucket in (r for r in resources if r.resource_type == BUCKET):
        mine = [logging for logging in loggings if configures(logging, bucket)]
        # A logging resource that exists must work, exception or not.
        for logging in mine:
            problem = _logging_problem(logging, bucket)
            if problem:
                yield f"{bucket.name}: {problem}", logging.urn
        if mine or register.exempts(ACCESS_LOGGING.name, bucket.name):
            continue
        # pulumi-aws 7 still takes the deprecated inline `logging` on the bucket.
        if is_set(bucket.props, "logging", "targetBucket"):
            continue
        yield f"{bucket.name}: no server access logging (BucketLogging)", bucket.urn


ACCESS_LOGGING = StackControl(
    name="s3-access-logging",
    description="Every bucket has server access logging into another bucket (FSBP S3.9).",
    check=_every_bucket_logged,
    remediation="Create an aws.s3.BucketLogging(bucket=<the bucket>.id, target_bucket=<a log "
    "bucket>.id), or register an exception for s3-access-logging with a reason.",
)

EVERY_BUCKET_CONFIGURED = StackControl(
    name="s3-every-bucket-configured",
    description="Every bucket has its public access block, TLS-only policy, ownership "
    "controls, versioning, noncurrent-version lifecycle and encryption.",
    check=_every_bucket_configured,
    remediation="Create the missing settings resource with bucket=<the bucket>.id, or "
    "register an exception for that control in policy/exceptions.yaml.",
)

RESOURCE_CONTROLS = (
    BLOCK_PUBLIC_ACCESS,
    TLS_ONLY,
    NO_PUBLIC_POLICY,
    NO_PUBLIC_ACL,
    OWNER_ENFORCED,
    VERSIONED,
    NONCURRENT_EXPIRATION,
    ENCRYPTED,
)
STACK_CONTROLS = (EVERY_BUCKET_CONFIGURED, ACCESS_LOGGING)
