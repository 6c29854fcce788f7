"""The API: the Flask app on Lambda (arm64) behind an API Gateway HTTP API, on its own host."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pulumi
import pulumi_aws as aws

from infra.config import FunctionSettings, Throttle
from infra.dns import AliasTarget
from infra.lambda_package import LambdaPackage


def _app_cors_rules() -> ModuleType:
    """The app's CORS declaration, loaded from its file: importing it through the `app` package
    would load the whole Flask app into the program."""
    path = Path(__file__).resolve().parent.parent / "backend" / "app" / "cors_rules.py"
    spec = importlib.util.spec_from_file_location("skyline_cors_rules", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# API Gateway answers preflights itself with the app's own rules, so they never cost an
# invocation and both answer alike.
CORS = _app_cors_rules()

ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "routeKey": "$context.routeKey",
        "ip": "$context.identity.sourceIp",
        "time": "$context.requestTime",
        "method": "$context.httpMethod",
        "path": "$context.path",
        "status": "$context.status",
        "latencyMs": "$context.responseLatency",
        "integrationLatencyMs": "$context.integrationLatency",
        # API Gateway's own refusals (throttling, 5xx from the integration) told apart from the
        # function's answers.
        "error": "$context.error.message",
        "errorType": "$context.error.responseType",
        "integrationError": "$context.integrationErrorMessage",
        "integrationStatus": "$context.integration.status",
        "userAgent": "$context.identity.userAgent",
    },
    separators=(",", ":"),
)


@dataclass
class ApiArgs:
    stage: str
    package: LambdaPackage
    function: FunctionSettings
    throttle: Throttle
    # The only origin whose pages may call the API (the site's).
    allowed_origin: pulumi.Input[str]
    # Custom host `api.<domain>` and its regional certificate; both None without a domain.
    domain: str | None = None
    certificate_arn: pulumi.Input[str] | None = None


class Api(pulumi.ComponentResource):
    function: aws.lambda_.Function
    http_api: aws.apigatewayv2.Api
    url: pulumi.Output[str]
    # What `api.<domain>`'s alias records point at; None without a domain.
    alias_target: AliasTarget | None

    def __init__(self, name: str, args: ApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("skyline:index:Api", name, None, opts)
        self._name = name
        self._args = args

        self.function = self._function()
        self.http_api = self._http_api()
        stage = self._stage()
        self._permission()
        self.alias_target = self._custom_domain(args.domain, stage) if args.domain else None
        self.url = (
            pulumi.Output.from_input(f"https://{args.domain}")
            if args.domain
            else self.http_api.api_endpoint
        )

        self.register_outputs({"url": self.url, "functionName": self.function.name})

    def _log_group(self, label: str) -> aws.cloudwatch.LogGroup:
        return aws.cloudwatch.LogGroup(
            f"{self._name}-{label}-logs",
            retention_in_days=self._args.function.log_retention_days,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _function(self) -> aws.lambda_.Function:
        args = self._args
        logs = self._log_group("function")
        role = aws.iam.Role(
            f"{self._name}-role",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "lambda.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        # Only writing to its own log group: the app reads nothing else from AWS. No
        # logs:CreateLogGroup either, so a typo cannot create a group without retention.
        role_policy = aws.iam.RolePolicy(
            f"{self._name}-role-policy",
            role=role.id,
            policy=logs.arn.apply(
                lambda arn: json.dumps(
                    {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                                "Resource": f"{arn}:*",
                            }
                        ],
                    }
                )
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        return aws.lambda_.Function(
            f"{self._name}-function",
            runtime=args.function.runtime,
            architectures=["arm64"],
            handler="handler.handler",
            code=pulumi.FileArchive(str(args.package.path)),
            source_code_hash=args.package.sha256,
            memory_size=args.function.memory_mb,
            timeout=args.function.timeout_seconds,
            role=role.arn,
            logging_config={"log_format": "JSON", "log_group": logs.name},
            environment={
                "variables": {
                    "STAGE": args.stage,
                    "RELEASE": args.package.sha256[:12],
                    "ALLOWED_ORIGIN": args.allowed_origin,
                }
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy, logs]),
        )

    def _http_api(self) -> aws.apigatewayv2.Api:
        return aws.apigatewayv2.Api(
            f"{self._name}-http-api",
            protocol_type="HTTP",
            # IPv6 clients reach the API as they reach the site.
            ip_address_type="dualstack",
            cors_configuration={
                "allow_origins": [self._args.allowed_origin],
                "allow_methods": list(CORS.ALLOWED_METHODS),
                "allow_headers": list(CORS.ALLOWED_HEADERS),
                "expose_headers": list(CORS.EXPOSED_HEADERS),
                "max_age": CORS.MAX_AGE_SECONDS,
            },
            # With a custom domain, the execute-api hostname would be a second way in that
            # callers could come to depend on; only the name users know stays open.
            disable_execute_api_endpoint=self._args.domain is not None,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _stage(self) -> aws.apigatewayv2.Stage:
        args = self._args
        integration = aws.apigatewayv2.Integration(
            f"{self._name}-integration",
            api_id=self.http_api.id,
            integration_type="AWS_PROXY",
            integration_uri=self.function.invoke_arn,
            integration_method="POST",
            payload_format_version="2.0",
            timeout_milliseconds=(args.function.timeout_seconds + 1) * 1000,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.apigatewayv2.Route(
            f"{self._name}-route",
            api_id=self.http_api.id,
            route_key="$default",
            target=pulumi.Output.concat("integrations/", integration.id),
            opts=pulumi.ResourceOptions(parent=self),
        )
        access_logs = self._log_group("access")
        return aws.apigatewayv2.Stage(
            f"{self._name}-stage",
            api_id=self.http_api.id,
            name="$default",
            auto_deploy=True,
            default_route_settings={
                "throttling_burst_limit": args.throttle.burst,
                "throttling_rate_limit": args.throttle.rate,
            },
            access_log_settings={
                "destination_arn": access_logs.arn,
                "format": ACCESS_LOG_FORMAT,
            },
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _permission(self) -> None:
        aws.lambda_.Permission(
            f"{self._name}-invoke-permission",
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal="apigateway.amazonaws.com",
            # Only this API may invoke the function: any stage, any route of it.
            source_arn=pulumi.Output.concat(self.http_api.execution_arn, "/*/*"),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _custom_domain(self, domain: str, stage: aws.apigatewayv2.Stage) -> AliasTarget:
        if self._args.certificate_arn is None:
            raise ValueError(f"{self._name}: domain {domain!r} needs its regional certificate_arn")
        domain_name = aws.apigatewayv2.DomainName(
            f"{self._name}-domain",
            domain_name=domain,
            domain_name_configuration={
                "certificate_arn": self._args.certificate_arn,
                "endpoint_type": "REGIONAL",
                "security_policy": "TLS_1_2",
                # The default is IPv4 only: the AAAA alias would then resolve to nothing.
                "ip_address_type": "dualstack",
            },
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.apigatewayv2.ApiMapping(
            f"{self._name}-mapping",
            api_id=self.http_api.id,
            domain_name=domain_name.id,
            stage=stage.id,
            opts=pulumi.ResourceOptions(parent=self),
        )
        target = domain_name.domain_name_configuration
        return AliasTarget(domain=target.target_domain_name, zone_id=target.hosted_zone_id)
