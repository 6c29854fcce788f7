"""The API under mocks: least-privilege role, function, HTTP API stage, permission, domain."""

from __future__ import annotations

import json

import pytest

from infra import offline

FUNCTION = "aws:lambda/function:Function"
HTTP_API = "aws:apigatewayv2/api:Api"
STAGE = "aws:apigatewayv2/stage:Stage"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"


def _log_group(run: offline.OfflineRun, label: str) -> offline.Registered:
    return run.named(f"skyline-{run.stack}-api-{label}-logs")


def test_role_may_only_write_its_own_log_group(run: offline.OfflineRun) -> None:
    role = run.one("aws:iam/role:Role")
    trust = json.loads(role.inputs["assumeRolePolicy"])
    assert trust["Statement"] == [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ]
    policy = json.loads(run.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])
    [statement] = policy["Statement"]
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["logs:CreateLogStream", "logs:PutLogEvents"]
    group = _log_group(run, "function")
    assert statement["Resource"].startswith("arn:aws:logs:")
    assert statement["Resource"].endswith(":*")
    assert "*" not in statement["Resource"][:-2]
    assert ":log-group:skyline-" in statement["Resource"]
    assert group.name in statement["Resource"]
    assert not run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")


def test_function_runtime_architecture_and_sizing(run: offline.OfflineRun) -> None:
    inputs = run.one(FUNCTION).inputs
    config = run.config
    assert inputs["runtime"] == config.get("skyline:lambdaRuntime", "python3.13")
    assert inputs["architectures"] == ["arm64"]
    assert inputs["handler"] == "handler.handler"
    assert inputs["memorySize"] == int(config.get("skyline:lambdaMemoryMb", 256))
    assert inputs["timeout"] == int(config.get("skyline:lambdaTimeoutSeconds", 10))
    assert inputs["code"].startswith("FileArchive(") and inputs["code"].endswith(".zip)")
    assert len(inputs["sourceCodeHash"]) == 64
    variables = inputs["environment"]["variables"]
    assert variables["STAGE"] == run.stack
    assert variables["ALLOWED_ORIGIN"] == run.outputs["siteUrl"]
    assert variables["RELEASE"] == inputs["sourceCodeHash"][:12]


def test_function_logs_to_the_group_the_stack_owns(run: offline.OfflineRun) -> None:
    # Compared with the group's resolved name, not with the expression that made the input.
    logging_config = run.one(FUNCTION).inputs["loggingConfig"]
    assert logging_config == {
        "logFormat": "JSON",
        "logGroup": _log_group(run, "function").outputs["name"],
    }


def test_log_groups_keep_logs_as_long_as_the_stage_says(run: offline.OfflineRun) -> None:
    expected = {"dev": 7, "staging": 30, "prod": 365}[run.stack]
    groups = run.of_type(LOG_GROUP)
    # The function's, API Gateway's access log, and CloudFront's for the site and the API edge.
    assert sorted(g.name.removeprefix(f"skyline-{run.stack}-") for g in groups) == [
        "api-access-logs",
        "api-edge-access-logs-group",
        "api-function-logs",
        "site-access-logs-group",
    ]
    for group in groups:
        assert group.inputs["retentionInDays"] == expected


def test_stage_is_throttled_and_logs_json(run: offline.OfflineRun) -> None:
    stage = run.one(STAGE).inputs
    assert stage["name"] == "$default"
    assert stage["autoDeploy"] is True
    limits = stage["defaultRouteSettings"]
    assert limits["throttlingBurstLimit"] == int(run.config.get("skyline:throttleBurst", 100))
    assert limits["throttlingRateLimit"] == int(run.config.get("skyline:throttleRate", 50))
    access = stage["accessLogSettings"]
    assert access["destinationArn"] == _log_group(run, "access").outputs["arn"]
    fields = json.loads(access["format"])
    assert fields["requestId"] == "$context.requestId"
    # API Gateway's own refusals (throttling, integration failures) and the route they hit.
    assert fields["routeKey"] == "$context.routeKey"
    assert fields["error"] == "$context.error.message"
    assert fields["integrationError"] == "$context.integrationErrorMessage"
    assert fields["integrationRequestId"] == "$context.integration.requestId"


def test_default_route_proxies_to_the_function_with_payload_2(run: offline.OfflineRun) -> None:
    integration = run.one("aws:apigatewayv2/integration:Integration").inputs
    assert integration["integrationType"] == "AWS_PROXY"
    assert integration["payloadFormatVersion"] == "2.0"
    assert integration["integrationUri"].startswith("arn:aws:apigateway:")
    route = run.one("aws:apigatewayv2/route:Route").inputs
    assert route["routeKey"] == "$default"
    assert route["target"].startswith("integrations/")


def test_permission_is_scoped_to_this_api(run: offline.OfflineRun) -> None:
    permission = run.one("aws:lambda/permission:Permission").inputs
    assert permission["action"] == "lambda:InvokeFunction"
    assert permission["principal"] == "apigateway.amazonaws.com"
    # Any stage, method and route of this API, and of no other.
    assert permission["sourceArn"] == run.one(HTTP_API).outputs["executionArn"] + "/*/*"
    assert permission["function"] == run.one(FUNCTION).outputs["name"]


def test_cors_is_the_apps_alone(
    run: offline.OfflineRun, gateway_runs: dict[str, offline.OfflineRun]
) -> None:
    # A gateway CORS configuration naming the site would close a cycle with the site's CSP,
    # which names the API: the app answers CORS (backend/app/cors_rules.py) in both layouts.
    for layout in (run, gateway_runs[run.stack]):
        assert "corsConfiguration" not in layout.one(HTTP_API).inputs
        variables = layout.one(FUNCTION).inputs["environment"]["variables"]
        assert variables["ALLOWED_ORIGIN"] == layout.outputs["siteUrl"]


@pytest.mark.parametrize("stack", ["prod", "staging"])
def test_custom_domain_without_the_api_edge(
    stack: str, gateway_runs: dict[str, offline.OfflineRun]
) -> None:
    domain_run = gateway_runs[stack]
    api_domain = f"api.{domain_run.config['skyline:domain']}"
    name = domain_run.one("aws:apigatewayv2/domainName:DomainName").inputs
    assert name["domainName"] == api_domain
    configuration = name["domainNameConfiguration"]
    # The AAAA alias needs an API that answers over IPv6 too.
    assert configuration["ipAddressType"] == "dualstack"
    assert domain_run.one(HTTP_API).inputs["ipAddressType"] == "dualstack"
    assert configuration["endpointType"] == "REGIONAL"
    assert configuration["securityPolicy"] == "TLS_1_2"
    assert configuration["certificateArn"].startswith("arn:aws:acm:us-east-2:")
    assert domain_run.one("aws:apigatewayv2/apiMapping:ApiMapping")
    records = [
        r for r in domain_run.of_type("aws:route53/record:Record") if r.inputs["name"] == api_domain
    ]
    assert sorted(r.inputs["type"] for r in records) == ["A", "AAAA"]
    target = domain_run.one("aws:apigatewayv2/domainName:DomainName").outputs
    for record in records:
        [alias] = record.inputs["aliases"]
        assert alias["name"] == target["domainNameConfiguration"]["targetDomainName"]
        assert alias["zoneId"] == target["domainNameConfiguration"]["hostedZoneId"]
    assert domain_run.outputs["apiUrl"] == f"https://{api_domain}"
    assert domain_run.one(HTTP_API).inputs["disableExecuteApiEndpoint"] is True
    assert not domain_run.of_type("aws:cloudfront/cachePolicy:CachePolicy")


def test_no_custom_domain_on_dev(
    runs: dict[str, offline.OfflineRun], gateway_runs: dict[str, offline.OfflineRun]
) -> None:
    for dev in (runs["dev"], gateway_runs["dev"]):
        assert dev.of_type("aws:apigatewayv2/domainName:DomainName") == []
        assert dev.of_type("aws:apigatewayv2/apiMapping:ApiMapping") == []
        assert dev.one(HTTP_API).inputs["disableExecuteApiEndpoint"] is False
    # Without the edge, the site's CSP names this API's exact endpoint, no wildcard.
    gateway = gateway_runs["dev"]
    endpoint = gateway.one(HTTP_API).outputs["apiEndpoint"]
    assert gateway.outputs["apiUrl"] == endpoint
    csp = gateway.named("skyline-dev-site-headers").inputs["securityHeadersConfig"][
        "contentSecurityPolicy"
    ]["contentSecurityPolicy"]
    assert f"connect-src 'self' {endpoint};" in f"{csp};"


def test_outputs_name_the_api(run: offline.OfflineRun) -> None:
    edge = run.named(f"skyline-{run.stack}-api-edge-cdn").outputs
    expected = (
        f"https://api.{run.config['skyline:domain']}"
        if "skyline:domain" in run.config
        else f"https://{edge['domainName']}"
    )
    assert run.outputs["apiUrl"] == expected
    assert run.outputs["functionName"] == run.one(FUNCTION).outputs["name"]


def test_what_moved_out_of_api_keeps_its_state(run: offline.OfflineRun) -> None:
    # The HTTP API, its stage, access logs and custom domain were children of the Api component
    # of the same name: the alias names that former parent, so existing stacks keep them.
    former = (
        f'parentUrn: "urn:pulumi:{run.stack}::skyline::skyline:index:Api::skyline-{run.stack}-api"'
    )
    for name in ("http-api", "stage", "access-logs"):
        [alias] = run.named(f"skyline-{run.stack}-api-{name}").aliases
        assert former in alias, name


def test_the_api_records_keep_their_state(domain_run: offline.OfflineRun) -> None:
    api = [r for r in domain_run.of_type("skyline:index:Api")]
    [alias] = domain_run.named(f"skyline-{domain_run.stack}-api-records").aliases
    assert f'parentUrn: "{api[0].urn}"' in alias
