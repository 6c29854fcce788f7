"""An AWS WAF web ACL for the stage's distributions (the `waf` stage key).

Two rules: AWS's managed common rule set, and a rate limit per client IP. Every block answers
429 with a small JSON body, never WAF's default 403: the site's distribution rewrites every 403
into `index.html` with status 200 (infra/edge.py ERROR_REWRITES), which would hide a block from
the client, from monitors and from the 4xx-rate alarm. The managed rules therefore only count
and label requests, and a rule of ours blocks what they labelled, with our status.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

# WAF for CloudFront is managed in us-east-1, whatever the stack's region.
CLOUDFRONT_REGION = "us-east-1"
BLOCK_STATUS = 429
BLOCK_BODY_KEY = "blocked"
BLOCK_BODY = json.dumps(
    {"error": {"status": BLOCK_STATUS, "message": "request blocked by the firewall"}},
    separators=(",", ":"),
)
COMMON_RULE_SET = "AWSManagedRulesCommonRuleSet"
# Every label the common rule set adds starts with this namespace.
COMMON_RULE_SET_LABELS = "awswaf:managed:aws:core-rule-set:"


@dataclass
class FirewallArgs:
    # Requests one client IP may make in any 5 minutes before it is blocked for a while.
    rate_limit: int


class Firewall(pulumi.ComponentResource):
    web_acl: aws.wafv2.WebAcl

    def __init__(
        self, name: str, args: FirewallArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("skyline:index:Firewall", name, None, opts)
        block: aws.wafv2.WebAclRuleActionArgsDict = {
            "block": {
                "custom_response": {
                    "response_code": BLOCK_STATUS,
                    "custom_response_body_key": BLOCK_BODY_KEY,
                }
            }
        }
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-acl",
            name=name,
            scope="CLOUDFRONT",
            region=CLOUDFRONT_REGION,
            default_action={"allow": {}},
            custom_response_bodies=[
                {"key": BLOCK_BODY_KEY, "content": BLOCK_BODY, "content_type": "APPLICATION_JSON"}
            ],
            rules=[
                {
                    "name": "rate-limit-per-ip",
                    "priority": 0,
                    "action": block,
                    "statement": {
                        "rate_based_statement": {
                            "limit": args.rate_limit,
                            "aggregate_key_type": "IP",
                        }
                    },
                    "visibility_config": _visibility(f"{name}-rate-limit"),
                },
                {
                    "name": "aws-common-rule-set",
                    "priority": 1,
                    # Count and label only: a managed block would answer 403 (see above).
                    "override_action": {"count": {}},
                    "statement": {
                        "managed_rule_group_statement": {
                            "vendor_name": "AWS",
                            "name": COMMON_RULE_SET,
                        }
                    },
                    "visibility_config": _visibility(f"{name}-common"),
                },
                {
                    "name": "block-common-rule-set-matches",
                    "priority": 2,
                    "action": block,
                    "statement": {
                        "label_match_statement": {
                            "scope": "NAMESPACE",
                            "key": COMMON_RULE_SET_LABELS,
                        }
                    },
                    "visibility_config": _visibility(f"{name}-common-blocks"),
                },
            ],
            visibility_config=_visibility(name),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({"webAclArn": self.web_acl.arn})


def _visibility(metric: str) -> Any:
    # The ACL's and each rule's visibility configs share this shape (two TypedDicts in the SDK).
    return {
        "cloudwatch_metrics_enabled": True,
        "metric_name": metric,
        "sampled_requests_enabled": True,
    }
