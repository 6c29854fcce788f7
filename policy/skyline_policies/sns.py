"""SNS: topics encrypted at rest."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from .controls import ResourceControl, is_set

TOPIC = "aws:sns/topic:Topic"


def _encrypted(_type: str, props: Mapping[str, Any]) -> Iterator[str]:
    if not is_set(props, "kmsMasterKeyId"):
        yield "no kmsMasterKeyId: messages are stored unencrypted until delivered"


ENCRYPTED = ResourceControl(
    name="sns-encryption",
    description="Every topic is encrypted at rest with a KMS key (FSBP SNS.1).",
    types=frozenset({TOPIC}),
    check=_encrypted,
    remediation="Set kms_master_key_id. For a topic CloudWatch alarms publish to, use a "
    "customer managed key whose key policy lets cloudwatch.amazonaws.com call "
    "kms:GenerateDataKey* and kms:Decrypt: alarms cannot publish to a topic under the "
    "AWS managed key alias/aws/sns.",
)

RESOURCE_CONTROLS = (ENCRYPTED,)
