"""CloudFront standard logging (v2) for one distribution, delivered to CloudWatch Logs.

CloudWatch Logs rather than S3: the stage's `logRetentionDays` applies as the group's retention,
Logs Insights queries a request by its edge id next to the API's own access log and the
function's log, and no second bucket is needed (which would want its own access logs,
lifecycle and policy in turn). CloudFront's log delivery is configured in us-east-1, like its
metrics, so the source, the destination and the group live there.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

CLOUDFRONT_REGION = "us-east-1"

# What each request's line holds. `x-edge-request-id` is what CloudFront sends the origin as
# `X-Amz-Cf-Id`: the API function logs it beside API Gateway's request id, so one request can be
# followed from the edge to Lambda. No cookies: the site and the API set none, and a log is no
# place for them.
RECORD_FIELDS = (
    "timestamp",
    "x-edge-request-id",
    "x-host-header",
    "cs-method",
    "cs-uri-stem",
    "cs-uri-query",
    "sc-status",
    "x-edge-result-type",
    "x-edge-detailed-result-type",
    "time-taken",
    "time-to-first-byte",
    "sc-bytes",
    "c-ip",
    "cs(User-Agent)",
    "x-edge-location",
)


@dataclass
class AccessLogsArgs:
    distribution_arn: pulumi.Input[str]
    retention_days: int


class AccessLogs(pulumi.ComponentResource):
    log_group: aws.cloudwatch.LogGroup

    def __init__(
        self, name: str, args: AccessLogsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("skyline:index:AccessLogs", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-group",
            retention_in_days=args.retention_days,
            region=CLOUDFRONT_REGION,
            opts=child,
        )
        source = aws.cloudwatch.LogDeliverySource(
            f"{name}-source",
            name=name,
            log_type="ACCESS_LOGS",
            resource_arn=args.distribution_arn,
            region=CLOUDFRONT_REGION,
            opts=child,
        )
        destination = aws.cloudwatch.LogDeliveryDestination(
            f"{name}-destination",
            name=name,
            output_format="json",
            delivery_destination_configuration={"destination_resource_arn": self.log_group.arn},
            region=CLOUDFRONT_REGION,
            opts=child,
        )
        aws.cloudwatch.LogDelivery(
            f"{name}-delivery",
            delivery_source_name=source.name,
            delivery_destination_arn=destination.arn,
            record_fields=list(RECORD_FIELDS),
            region=CLOUDFRONT_REGION,
            opts=child,
        )
        self.register_outputs({"logGroup": self.log_group.name})
