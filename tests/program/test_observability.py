"""The Observability component alone, under the same mocks as the program (offline.run)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from infra import offline
from infra.observability import AlarmThresholds, Observability, ObservabilityArgs

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
TOPIC = "aws:sns/topic:Topic"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
MONITORING = "aws:cloudfront/monitoringSubscription:MonitoringSubscription"
NAME = "skyline-dev-observability"
FUNCTION = "skyline-dev-api-function-abc1234"
API_ID = "a1b2c3d4e5"


def _run(**overrides: Any) -> offline.OfflineRun:
    args = ObservabilityArgs(function_name=FUNCTION, api_id=API_ID, **overrides)
    run = offline.run("dev", program=lambda: Observability(NAME, args))
    assert run.error is None, run.error
    return run


@pytest.fixture(scope="module")
def plain() -> offline.OfflineRun:
    return _run()


def _alarm(run: offline.OfflineRun, label: str) -> dict[str, Any]:
    return run.named(f"{NAME}-{label}").inputs


def _topic_arn(run: offline.OfflineRun) -> str:
    topic = run.one(TOPIC)
    return f"arn:aws:sns:us-east-2:{offline.ACCOUNT}:{topic.name}"


def test_children_are_named_after_the_component_and_parented_to_it(
    plain: offline.OfflineRun,
) -> None:
    [component] = plain.of_type("skyline:index:Observability")
    children = [r for r in plain.resources if r is not component]
    assert children
    assert all(r.parent == component.urn for r in children)
    assert all(r.name.startswith(f"{NAME}-") for r in children)
    assert sorted(r.name for r in plain.of_type(ALARM)) == sorted(
        f"{NAME}-{label}"
        for label in ("api-5xx-rate", "api-p99-latency", "function-errors", "function-throttles")
    )


def test_every_alarm_notifies_the_topic_and_stays_quiet_without_data(
    plain: offline.OfflineRun,
) -> None:
    arn = _topic_arn(plain)
    for alarm in plain.of_type(ALARM):
        assert alarm.inputs["alarmActions"] == [arn], alarm.name
        assert alarm.inputs["okActions"] == [arn], alarm.name
        assert alarm.inputs["treatMissingData"] == "notBreaching", alarm.name
        assert plain.one(TOPIC).urn in alarm.dependencies, alarm.name


def test_api_5xx_rate_is_metric_math_over_5xx_and_count(plain: offline.OfflineRun) -> None:
    alarm = _alarm(plain, "api-5xx-rate")
    queries = {query["id"]: query for query in alarm["metricQueries"]}
    assert set(queries) == {"errors", "requests", "rate"}
    for query_id, metric_name in (("errors", "5xx"), ("requests", "Count")):
        query = queries[query_id]
        assert query["returnData"] is False
        assert query["metric"] == {
            "namespace": "AWS/ApiGateway",
            "metricName": metric_name,
            "dimensions": {"ApiId": API_ID, "Stage": "$default"},
            "period": 300,
            "stat": "Sum",
        }
    rate = queries["rate"]
    assert rate["returnData"] is True
    assert rate["expression"] == "IF(requests >= 20, 100 * errors / requests, 0)"
    assert alarm["threshold"] == 1
    assert alarm["comparisonOperator"] == "GreaterThanThreshold"
    # A math alarm names no metric of its own.
    assert "metricName" not in alarm
    assert "namespace" not in alarm


def test_api_latency_is_p99_over_three_periods(plain: offline.OfflineRun) -> None:
    alarm = _alarm(plain, "api-p99-latency")
    assert alarm["namespace"] == "AWS/ApiGateway"
    assert alarm["metricName"] == "Latency"
    assert alarm["dimensions"] == {"ApiId": API_ID, "Stage": "$default"}
    assert alarm["extendedStatistic"] == "p99"
    assert "statistic" not in alarm
    assert alarm["threshold"] == 3000
    assert alarm["period"] == 300
    assert alarm["evaluationPeriods"] == 3


@pytest.mark.parametrize(("label", "metric"), [("errors", "Errors"), ("throttles", "Throttles")])
def test_function_alarms(plain: offline.OfflineRun, label: str, metric: str) -> None:
    alarm = _alarm(plain, f"function-{label}")
    assert alarm["namespace"] == "AWS/Lambda"
    assert alarm["metricName"] == metric
    assert alarm["dimensions"] == {"FunctionName": FUNCTION}
    assert alarm["statistic"] == "Sum"
    assert alarm["threshold"] == 1
    assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"


def test_no_address_means_no_subscription_and_no_cdn_metrics(plain: offline.OfflineRun) -> None:
    assert plain.of_type(SUBSCRIPTION) == []
    assert plain.of_type(MONITORING) == []


def test_an_address_gets_an_email_subscription_to_the_topic() -> None:
    run = _run(alarm_email="ops@example.com")
    subscription = run.one(SUBSCRIPTION)
    assert subscription.inputs == {
        "topic": _topic_arn(run),
        "protocol": "email",
        "endpoint": "ops@example.com",
    }


def test_cdn_realtime_metrics_subscribe_the_distribution() -> None:
    run = _run(distribution_id="E2ABCDEF", cdn_realtime_metrics=True)
    monitoring = run.one(MONITORING)
    assert monitoring.name == f"{NAME}-cdn-metrics"
    assert monitoring.inputs == {
        "distributionId": "E2ABCDEF",
        "monitoringSubscription": {
            "realtimeMetricsSubscriptionConfig": {"realtimeMetricsSubscriptionStatus": "Enabled"}
        },
    }
    # The id alone does not turn the paid metrics on.
    assert _run(distribution_id="E2ABCDEF").of_type(MONITORING) == []


def test_thresholds_reach_the_alarms() -> None:
    thresholds = AlarmThresholds(
        api_5xx_percent=5,
        api_5xx_min_requests=100,
        api_p99_latency_ms=1500,
        latency_periods=2,
        lambda_errors=10,
        lambda_throttles=3,
        period_seconds=60,
    )
    run = _run(thresholds=thresholds, stage_name="live")
    rate = _alarm(run, "api-5xx-rate")
    assert rate["threshold"] == 5
    assert "requests >= 100" in rate["metricQueries"][2]["expression"]
    assert rate["metricQueries"][0]["metric"]["period"] == 60
    assert rate["metricQueries"][0]["metric"]["dimensions"]["Stage"] == "live"
    latency = _alarm(run, "api-p99-latency")
    assert (latency["threshold"], latency["evaluationPeriods"], latency["period"]) == (1500, 2, 60)
    assert _alarm(run, "function-errors")["threshold"] == 10
    assert _alarm(run, "function-throttles")["threshold"] == 3


@pytest.mark.parametrize(
    ("overrides", "complaint"),
    [
        ({"alarm_email": "ops at example"}, "alarm_email 'ops at example' is not an e-mail"),
        ({"cdn_realtime_metrics": True}, "cdn_realtime_metrics needs distribution_id"),
        ({"thresholds": AlarmThresholds(lambda_errors=0)}, "thresholds.lambda_errors must be > 0"),
        ({"thresholds": AlarmThresholds(period_seconds=90)}, "period_seconds must be 10, 30"),
    ],
)
def test_bad_arguments_name_the_component_and_the_value(
    overrides: dict[str, Any], complaint: str
) -> None:
    build: Callable[[], object] = lambda: Observability(  # noqa: E731
        NAME, ObservabilityArgs(function_name=FUNCTION, api_id=API_ID, **overrides)
    )
    with pytest.raises(ValueError, match=f"Observability {NAME}") as raised:
        offline.run("dev", program=build)
    assert complaint in str(raised.value)


# ---------------------------------------------------------------------------------------------
# In the program: each stack's stage config reaches the component.


def test_every_stack_watches_its_own_function_and_api(run: offline.OfflineRun) -> None:
    stack = run.stack
    component = f"skyline-{stack}-observability"
    api_id = run.one("aws:apigatewayv2/stage:Stage").inputs["apiId"]
    alarms = {r.name: r.inputs for r in run.of_type(ALARM)}
    labels = ["api-5xx-rate", "api-p99-latency", "function-errors", "function-throttles"]
    # CloudFront, in us-east-1: each distribution's 5xx rate, the site's 4xx rate, and origin
    # latency where the stage pays for additional metrics.
    labels += ["site-5xx-rate", "api-edge-5xx-rate", "site-4xx-rate"]
    if run.config.get("skyline:cdnMetrics") == "true":
        labels.append("site-origin-latency")
    if int(run.config.get("skyline:apiEdgeHitRatePercent", "0")):
        labels += ["api-edge-hit-rate", "api-edge-origin-latency"]
    assert set(alarms) == {f"{component}-{label}" for label in labels}
    for label in labels:
        expected = "us-east-1" if label.startswith(("site-", "api-edge-")) else None
        assert alarms[f"{component}-{label}"].get("region") == expected, label
    assert alarms[f"{component}-function-errors"]["dimensions"] == {
        "FunctionName": run.outputs["functionName"]
    }
    assert api_id in str(alarms[f"{component}-api-p99-latency"])
    assert run.outputs["alarmTopicArn"].endswith(f":{component}-alarms")


def test_alarm_email_and_cdn_metrics_follow_the_stage_config(run: offline.OfflineRun) -> None:
    config = offline.read_stack_config(run.stack)
    email = config.get("skyline:alarmEmail")
    edge_alarm = int(config.get("skyline:apiEdgeHitRatePercent", "0")) > 0
    subscriptions = run.of_type(SUBSCRIPTION)
    # One per topic: the stack region's, and us-east-1's for CloudFront's alarms.
    expected_emails = [email] * 2 if email else []
    assert [s.inputs["endpoint"] for s in subscriptions] == expected_emails
    watched = {m.inputs["distributionId"] for m in run.of_type(MONITORING)}
    expected = set()
    if config.get("skyline:cdnMetrics") == "true":
        expected.add(run.outputs["distributionId"])
    if edge_alarm:
        expected.add(run.named(f"skyline-{run.stack}-api-edge-cdn").id)
    assert watched == expected
