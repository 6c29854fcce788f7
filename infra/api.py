"""The API: the Flask app on Lambda (arm64) behind an API Gateway HTTP API, on its own host."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.api_edge import ApiEdge, ApiEdgeArgs
from infra.config import FunctionSettings, GatewaySettings
from infra.dns import AliasTarget, Hostname
from infra.lambda_package import LambdaPackage

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
        # Lambda's request id, which stamps the function's log line that names the edge's
        # request id (X-Amz-Cf-Id): CloudFront's log -> the function's log -> this line.
        "integrationRequestId": "$context.integration.requestId",
        "userAgent": "$context.identity.userAgent",
    },
    separators=(",", ":"),
)


@dataclass
class GatewayArgs:
    # Throttle, log retention, and whether the API edge (infra/api_edge.py), at the stage's
    # price class, serves the API's public name.
    settings: GatewaySettings
    # `api.<domain>` with its certificate (in us-east-1 for the edge, else in the stack's
    # region); None for the edge's or the endpoint's own name.
    hostname: Hostname | None = None
    # The stage's WAF web ACL for the edge (infra/waf.py), if any.
    web_acl_arn: pulumi.Input[str] | None = None


class Gateway(pulumi.ComponentResource):
    """The API's front door: an HTTP API, its throttled and logged stage, and its own host.

    Made before the site and the function: the site's CSP names the API's exact origin, and the
    function lets in only the site's. Neither depends on the gateway's CORS configuration,
    because there is none: the app answers CORS itself, with the one declaration in
    backend/app/cors_rules.py, which breaks the cycle a configuration naming the site would close.
    """

    http_api: aws.apigatewayv2.Api
    stage: aws.apigatewayv2.Stage
    endpoint: pulumi.Output[str]
    # The API edge in front, or None.
    edge: ApiEdge | None
    # The API's public URL: the edge's, the custom domain's or the endpoint's.
    url: pulumi.Output[str]
    # What `api.<domain>`'s alias records point at; None without a custom domain.
    alias_target: AliasTarget | None
    # The secret the edge adds to every request it forwards; None without the edge.
    origin_secret: pulumi.Output[str] | None

    def __init__(self, name: str, args: GatewayArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("skyline:index:ApiGateway", name, None, opts)
        self._name = name
        self._args = args

        self.http_api = aws.apigatewayv2.Api(
            f"{name}-http-api",
            protocol_type="HTTP",
            # IPv6 clients reach the API as they reach the site.
            ip_address_type="dualstack",
            # With a custom domain, the execute-api hostname would be a second way in that
            # callers could come to depend on; only the name users know stays open. (Behind
            # the API edge it is the edge's origin, guarded by the origin secret.)
            disable_execute_api_endpoint=args.hostname is not None and not args.settings.edge,
            opts=self._moved(),
        )
        self.stage = self._stage()
        self.endpoint = self.http_api.api_endpoint
        self.edge = None
        self.origin_secret = None
        if args.settings.edge:
            self.edge = ApiEdge(
                f"{name}-edge",
                ApiEdgeArgs(
                    self.endpoint,
                    args.settings.price_class,
                    args.hostname,
                    args.settings.log_retention_days,
                    args.web_acl_arn,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.url, self.alias_target = self.edge.url, self.edge.alias_target
            self.origin_secret = self.edge.origin_secret
        elif args.hostname:
            self.url = pulumi.Output.from_input(f"https://{args.hostname.name}")
            self.alias_target = self._custom_domain(args.hostname)
        else:
            self.url, self.alias_target = self.endpoint, None

        self.register_outputs({"endpoint": self.endpoint})

    def _moved(self) -> pulumi.ResourceOptions:
        # Once children of the Api component of the same name: the alias keeps them instead of
        # replacing them (a new HTTP API would change the endpoint every client knows).
        former_parent = pulumi.create_urn(self._name, "skyline:index:Api")
        return pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(parent=former_parent)])

    def _stage(self) -> aws.apigatewayv2.Stage:
        args = self._args
        access_logs = aws.cloudwatch.LogGroup(
            f"{self._name}-access-logs",
            retention_in_days=args.settings.log_retention_days,
            opts=self._moved(),
        )
        return aws.apigatewayv2.Stage(
            f"{self._name}-stage",
            api_id=self.http_api.id,
            name="$default",
            auto_deploy=True,
            default_route_settings={
                "throttling_burst_limit": args.settings.throttle.burst,
                "throttling_rate_limit": args.settings.throttle.rate,
            },
            access_log_settings={
                "destination_arn": access_logs.arn,
                "format": ACCESS_LOG_FORMAT,
            },
            opts=self._moved(),
        )

    def _custom_domain(self, hostname: Hostname) -> AliasTarget:
        domain_name = aws.apigatewayv2.DomainName(
            f"{self._name}-domain",
            domain_name=hostname.name,
            domain_name_configuration={
                "certificate_arn": hostname.certificate_arn,
                "endpoint_type": "REGIONAL",
                "security_policy": "TLS_1_2",
                # The default is IPv4 only: the AAAA alias would then resolve to nothing.
                "ip_address_type": "dualstack",
            },
            opts=self._moved(),
        )
        aws.apigatewayv2.ApiMapping(
            f"{self._name}-mapping",
            api_id=self.http_api.id,
            domain_name=domain_name.id,
            stage=self.stage.id,
            opts=self._moved(),
        )
        target = domain_name.domain_name_configuration
        return AliasTarget(domain=target.target_domain_name, zone_id=target.hosted_zone_id)


@dataclass
class ApiArgs:
    stage: str
    package: LambdaPackage
    function: FunctionSettings
    gateway: Gateway
    # The only origin whose pages may call the API (the site's).
    allowed_origin: pulumi.Input[str]


class Api(pulumi.ComponentResource):
    """The Flask app on Lambda, wired to the gateway's `$default` route."""

    function: aws.lambda_.Function
    url: pulumi.Output[str]

    def __init__(self, name: str, args: ApiArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("skyline:index:Api", name, None, opts)
        self._name = name
        self._args = args

        self.function = self._function()
        self._route()
        self._permission()
        self.url = args.gateway.url

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
                    # Behind the edge the app refuses requests without the edge's secret.
                    **({"ORIGIN_SECRET": secret} if (secret := args.gateway.origin_secret) else {}),
                }
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy, logs]),
        )

    def _route(self) -> None:
        http_api = self._args.gateway.http_api
        integration = aws.apigatewayv2.Integration(
            f"{self._name}-integration",
            api_id=http_api.id,
            integration_type="AWS_PROXY",
            integration_uri=self.function.invoke_arn,
            integration_method="POST",
            payload_format_version="2.0",
            timeout_milliseconds=(self._args.function.timeout_seconds + 1) * 1000,
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.apigatewayv2.Route(
            f"{self._name}-route",
            api_id=http_api.id,
            route_key="$default",
            target=pulumi.Output.concat("integrations/", integration.id),
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _permission(self) -> None:
        aws.lambda_.Permission(
            f"{self._name}-invoke-permission",
            action="lambda:InvokeFunction",
            function=self.function.name,
            principal="apigateway.amazonaws.com",
            # Only this API may invoke the function: any stage, any route of it.
            source_arn=pulumi.Output.concat(self._args.gateway.http_api.execution_arn, "/*/*"),
            opts=pulumi.ResourceOptions(parent=self),
        )
