"""Observability: alarms on the API and its function, sent to an SNS topic (and an e-mail).

The alarms watch what users feel (the API's 5xx rate and p99 latency, as API Gateway measures
them in front of everything) and the function's own failures (errors, throttles), so a broken
deploy or an exhausted concurrency pool pages before anyone files a ticket.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra.config import EMAIL

API_NAMESPACE = "AWS/ApiGateway"
CLOUDFRONT_NAMESPACE = "AWS/CloudFront"
# CloudFront publishes its metrics in us-east-1 only; an alarm on them, and the topic it
# notifies, must live there too.
CLOUDFRONT_REGION = "us-east-1"
LAMBDA_NAMESPACE = "AWS/Lambda"


@dataclass(frozen=True)
class AlarmThresholds:
    # API Gateway answers 5xx for the function's crashes, timeouts and throttles alike.
    api_5xx_percent: float = 1.0
    # Below this many requests in a period one failure is not a rate; the alarm stays quiet.
    api_5xx_min_requests: int = 20
    # The function's timeout is at most 29 s; users give up far sooner.
    api_p99_latency_ms: float = 3000.0
    # Latency needs that many periods in a row: one cold-start burst is not an incident.
    latency_periods: int = 3
    lambda_errors: int = 1
    lambda_throttles: int = 1
    period_seconds: int = 300
    # CloudFront, per distribution: its own 5xx answers, and (with additional metrics) how long
    # its origin takes on average.
    cdn_5xx_percent: float = 1.0
    cdn_origin_latency_ms: float = 1000.0
    # The site's viewer 4xx: the SPA rewrites turn every origin 403/404 into a 200, so these are
    # only what nothing rewrites (WAF blocks as 429, bad requests, refused methods).
    site_4xx_percent: float = 5.0


@dataclass
class ObservabilityArgs:
    function_name: pulumi.Input[str]
    api_id: pulumi.Input[str]
    # HTTP APIs publish per-stage metrics with the stage's name, "$default" for ours.
    stage_name: pulumi.Input[str] = "$default"
    alarm_email: str | None = None
    # Only needed for CloudFront's additional metrics.
    distribution_id: pulumi.Input[str] | None = None
    # CloudFront's additional (real-time) metrics cost a monthly fee per distribution.
    cdn_realtime_metrics: bool = False
    # The API edge's distribution, and the cache-hit rate (percent) under which an hour alarms;
    # 0 sets no alarm (and leaves the API distribution's additional metrics off).
    api_distribution_id: pulumi.Input[str] | None = None
    api_hit_rate_percent: int = 0
    thresholds: AlarmThresholds = field(default_factory=AlarmThresholds)


class Observability(pulumi.ComponentResource):
    topic: aws.sns.Topic
    # In us-east-1, for CloudFront's alarms; None without a distribution to watch.
    edge_topic: aws.sns.Topic | None
    alarms: list[aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: ObservabilityArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("skyline:index:Observability", name, None, opts)
        self._name = name
        self._args = args
        self._validate()

        self.topic = self._topic()
        self._subscription()
        self.alarms = [
            self._api_5xx_rate(),
            self._api_latency(),
            self._lambda_alarm("errors", "Errors", args.thresholds.lambda_errors),
            self._lambda_alarm("throttles", "Throttles", args.thresholds.lambda_throttles),
        ]
        self._cdn_metrics()
        self.edge_topic = self._edge_topic()
        if self.edge_topic is not None:
            self.alarms += self._cloudfront_alarms(self.edge_topic)

        self.register_outputs(
            {"topicArn": self.topic.arn, "alarmNames": [alarm.name for alarm in self.alarms]}
        )

    def _validate(self) -> None:
        args, t = self._args, self._args.thresholds
        if args.alarm_email is not None and not EMAIL.match(args.alarm_email):
            raise ValueError(
                f"Observability {self._name}: alarm_email {args.alarm_email!r} is not an e-mail "
                "address (pulumi config set skyline:alarmEmail ops@example.com)"
            )
        if not 0 <= args.api_hit_rate_percent <= 100:
            raise ValueError(
                f"Observability {self._name}: api_hit_rate_percent must be 0 to 100, not "
                f"{args.api_hit_rate_percent}"
            )
        if args.cdn_realtime_metrics and args.distribution_id is None:
            raise ValueError(
                f"Observability {self._name}: cdn_realtime_metrics needs distribution_id"
            )
        limits = {
            "api_5xx_percent": t.api_5xx_percent,
            "api_5xx_min_requests": t.api_5xx_min_requests,
            "api_p99_latency_ms": t.api_p99_latency_ms,
            "latency_periods": t.latency_periods,
            "lambda_errors": t.lambda_errors,
            "lambda_throttles": t.lambda_throttles,
            "cdn_5xx_percent": t.cdn_5xx_percent,
            "cdn_origin_latency_ms": t.cdn_origin_latency_ms,
            "site_4xx_percent": t.site_4xx_percent,
        }
        for threshold, limit in limits.items():
            if limit <= 0:
                raise ValueError(
                    f"Observability {self._name}: thresholds.{threshold} must be > 0, not {limit}"
                )
        # CloudWatch accepts 10, 30 and multiples of 60 seconds.
        if t.period_seconds not in (10, 30) and t.period_seconds % 60:
            raise ValueError(
                f"Observability {self._name}: thresholds.period_seconds must be 10, 30 or a "
                f"multiple of 60, not {t.period_seconds}"
            )

    def _topic(self, label: str = "alarms", region: str | None = None) -> aws.sns.Topic:
        return aws.sns.Topic(
            f"{self._name}-{label}", region=region, opts=pulumi.ResourceOptions(parent=self)
        )

    def _subscription(
        self,
        topic: aws.sns.Topic | None = None,
        label: str = "alarm-email",
        region: str | None = None,
    ) -> None:
        if not self._args.alarm_email:
            return
        # SNS mails a confirmation link; until someone clicks it, nothing is delivered.
        aws.sns.TopicSubscription(
            f"{self._name}-{label}",
            topic=(topic or self.topic).arn,
            protocol="email",
            endpoint=self._args.alarm_email,
            region=region,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _alarm(
        self,
        label: str,
        description: str,
        *,
        comparison_operator: str,
        threshold: float,
        evaluation_periods: int,
        namespace: str | None = None,
        metric_name: str | None = None,
        dimensions: Mapping[str, pulumi.Input[str]] | None = None,
        statistic: str | None = None,
        extended_statistic: str | None = None,
        period: int | None = None,
        metric_queries: Sequence[aws.cloudwatch.MetricAlarmMetricQueryArgsDict] | None = None,
        topic: aws.sns.Topic | None = None,
        region: str | None = None,
    ) -> aws.cloudwatch.MetricAlarm:
        actions = [(topic or self.topic).arn]
        return aws.cloudwatch.MetricAlarm(
            f"{self._name}-{label}",
            alarm_description=description,
            comparison_operator=comparison_operator,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            namespace=namespace,
            metric_name=metric_name,
            dimensions=dimensions,
            statistic=statistic,
            extended_statistic=extended_statistic,
            period=period,
            metric_queries=metric_queries,
            alarm_actions=actions,
            # The all-clear goes to the same place, so whoever was paged knows it is over.
            ok_actions=actions,
            # No traffic is not an outage, and a quiet function has no Errors data at all.
            treat_missing_data="notBreaching",
            region=region,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _api_dimensions(self) -> dict[str, pulumi.Input[str]]:
        return {"ApiId": self._args.api_id, "Stage": self._args.stage_name}

    def _api_5xx_rate(self) -> aws.cloudwatch.MetricAlarm:
        t = self._args.thresholds

        def api_sum(query_id: str, metric: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgsDict:
            return {
                "id": query_id,
                "return_data": False,
                "metric": {
                    "namespace": API_NAMESPACE,
                    "metric_name": metric,
                    "dimensions": self._api_dimensions(),
                    "period": t.period_seconds,
                    "stat": "Sum",
                },
            }

        return self._alarm(
            "api-5xx-rate",
            f"More than {t.api_5xx_percent}% of API requests answered 5xx "
            f"over {t.period_seconds} s",
            comparison_operator="GreaterThanThreshold",
            threshold=t.api_5xx_percent,
            evaluation_periods=1,
            metric_queries=[
                api_sum("errors", "5xx"),
                api_sum("requests", "Count"),
                {
                    "id": "rate",
                    "label": "5xx (% of requests)",
                    "return_data": True,
                    "expression": (
                        f"IF(requests >= {t.api_5xx_min_requests}, 100 * errors / requests, 0)"
                    ),
                },
            ],
        )

    def _api_latency(self) -> aws.cloudwatch.MetricAlarm:
        t = self._args.thresholds
        return self._alarm(
            "api-p99-latency",
            f"API p99 latency above {t.api_p99_latency_ms:g} ms for {t.latency_periods} "
            f"periods of {t.period_seconds} s",
            namespace=API_NAMESPACE,
            metric_name="Latency",
            dimensions=self._api_dimensions(),
            extended_statistic="p99",
            period=t.period_seconds,
            evaluation_periods=t.latency_periods,
            comparison_operator="GreaterThanThreshold",
            threshold=t.api_p99_latency_ms,
        )

    def _lambda_alarm(self, label: str, metric: str, threshold: int) -> aws.cloudwatch.MetricAlarm:
        t = self._args.thresholds
        return self._alarm(
            f"function-{label}",
            f"The API function reported {threshold} or more {metric} in {t.period_seconds} s",
            namespace=LAMBDA_NAMESPACE,
            metric_name=metric,
            dimensions={"FunctionName": self._args.function_name},
            statistic="Sum",
            period=t.period_seconds,
            evaluation_periods=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            threshold=threshold,
        )

    def _cdn_metrics(self) -> None:
        args = self._args
        if not args.cdn_realtime_metrics or args.distribution_id is None:
            return
        # Adds cache hit rate, origin latency and per-status error rates to CloudFront's
        # default metrics (which are always on and free).
        aws.cloudfront.MonitoringSubscription(
            f"{self._name}-cdn-metrics",
            distribution_id=args.distribution_id,
            monitoring_subscription={
                "realtime_metrics_subscription_config": {
                    "realtime_metrics_subscription_status": "Enabled"
                }
            },
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _edge_topic(self) -> aws.sns.Topic | None:
        """CloudFront publishes its metrics in us-east-1 only; its alarms and their topic (with
        the same e-mail subscription) live there too."""
        if self._args.distribution_id is None and self._args.api_distribution_id is None:
            return None
        topic = self._topic("edge-alarms", CLOUDFRONT_REGION)
        self._subscription(topic, "edge-alarm-email", CLOUDFRONT_REGION)
        return topic

    def _cloudfront_alarms(self, topic: aws.sns.Topic) -> list[aws.cloudwatch.MetricAlarm]:
        args, t = self._args, self._args.thresholds
        alarms = []
        distributions = {"site": (args.distribution_id, args.cdn_realtime_metrics)}
        if args.api_distribution_id is not None:
            distributions["api-edge"] = (args.api_distribution_id, args.api_hit_rate_percent > 0)
        for label, (distribution_id, additional_metrics) in distributions.items():
            if distribution_id is None:
                continue
            alarms.append(
                self._cdn_alarm(
                    topic, f"{label}-5xx-rate", distribution_id, "5xxErrorRate",
                    t.cdn_5xx_percent, f"More than {t.cdn_5xx_percent:g}% of the {label} "
                    "distribution's answers were 5xx",
                )
            )  # fmt: skip
            if additional_metrics:
                # OriginLatency is one of the additional metrics the distribution pays for.
                alarms.append(
                    self._cdn_alarm(
                        topic, f"{label}-origin-latency", distribution_id, "OriginLatency",
                        t.cdn_origin_latency_ms, f"The {label} distribution's origin took more "
                        f"than {t.cdn_origin_latency_ms:g} ms on average",
                    )
                )  # fmt: skip
        if args.distribution_id is not None:
            alarms.append(
                self._cdn_alarm(
                    topic, "site-4xx-rate", args.distribution_id, "4xxErrorRate",
                    t.site_4xx_percent, f"More than {t.site_4xx_percent:g}% of the site's "
                    "answers were 4xx the SPA rewrites leave alone (WAF blocks, bad requests)",
                )
            )  # fmt: skip
        if args.api_distribution_id is not None and args.api_hit_rate_percent > 0:
            alarms.append(self._api_hit_rate(topic, args.api_distribution_id))
        return alarms

    def _cdn_alarm(
        self,
        topic: aws.sns.Topic,
        label: str,
        distribution_id: pulumi.Input[str],
        metric: str,
        threshold: float,
        description: str,
    ) -> aws.cloudwatch.MetricAlarm:
        t = self._args.thresholds
        return self._alarm(
            label,
            f"{description} over {t.period_seconds} s",
            namespace=CLOUDFRONT_NAMESPACE,
            metric_name=metric,
            dimensions={"DistributionId": distribution_id, "Region": "Global"},
            statistic="Average",
            period=t.period_seconds,
            evaluation_periods=1,
            comparison_operator="GreaterThanThreshold",
            threshold=threshold,
            topic=topic,
            region=CLOUDFRONT_REGION,
        )

    def _api_hit_rate(
        self, topic: aws.sns.Topic, distribution_id: pulumi.Input[str]
    ) -> aws.cloudwatch.MetricAlarm:
        # CacheHitRate is one of CloudFront's additional metrics: on for this distribution only.
        aws.cloudfront.MonitoringSubscription(
            f"{self._name}-api-edge-metrics",
            distribution_id=distribution_id,
            monitoring_subscription={
                "realtime_metrics_subscription_config": {
                    "realtime_metrics_subscription_status": "Enabled"
                }
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        threshold = self._args.api_hit_rate_percent
        return self._alarm(
            "api-edge-hit-rate",
            f"The API edge answered under {threshold}% of requests from its cache for an hour",
            namespace=CLOUDFRONT_NAMESPACE,
            metric_name="CacheHitRate",
            dimensions={"DistributionId": distribution_id, "Region": "Global"},
            statistic="Average",
            period=3600,
            evaluation_periods=1,
            comparison_operator="LessThanThreshold",
            threshold=threshold,
            topic=topic,
            region=CLOUDFRONT_REGION,
        )
