"""Run the real program under Pulumi's mocks: no cloud, no credentials, no Pulumi CLI.

Used by the offline plan (`python -m infra.plan`) and by the tests, so both see exactly the
resources and inputs that `pulumi up` would send to the engine.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import runpy
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import wait_for_rpcs

from infra import stage
from infra.release.deploy import DeployResult

ROOT = Path(__file__).resolve().parent.parent
PROGRAM = ROOT / "__main__.py"
ACCOUNT = "123456789012"
# Credentials must never reach a mocked run: a stray real call would fail instead of billing.
AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
)


@dataclass
class Registered:
    """One resource as the engine would receive it, and what the mock answered."""

    urn: str
    type: str
    name: str
    parent: str
    provider: str
    custom: bool
    dependencies: list[str]
    inputs: dict[str, Any]
    protect: bool
    # Which resources each input property came from, as the engine sends it to policies.
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    # The resource's state after the (mock) create: inputs plus computed outputs.
    outputs: dict[str, Any] = field(default_factory=dict)
    # The top-level inputs that hold a secret, which the engine encrypts in the state.
    secret_inputs: set[str] = field(default_factory=set)
    # The provider's id for it ("" for components, and in a preview).
    id: str = ""
    # Former identities the engine should carry over (`aliases`), as their protobuf text.
    aliases: list[str] = field(default_factory=list)


@dataclass
class Invoked:
    token: str
    args: dict[str, Any]


@dataclass
class OfflineRun:
    stack: str
    config: dict[str, str]
    preview: bool = False
    resources: list[Registered] = field(default_factory=list)
    invokes: list[Invoked] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    # A `pulumi.RunError` (a bad config, say) stops the program as it stops `pulumi up`.
    error: pulumi.RunError | None = None

    def of_type(self, type_token: str) -> list[Registered]:
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str) -> Registered:
        found = self.of_type(type_token)
        if len(found) != 1:
            names = [r.name for r in found]
            raise AssertionError(f"expected one {type_token}, found {len(found)}: {names}")
        return found[0]

    def named(self, name: str) -> Registered:
        for resource in self.resources:
            if resource.name == name:
                return resource
        raise AssertionError(f"no resource named {name!r}")

    def by_urn(self, urn: str) -> Registered:
        for resource in self.resources:
            if resource.urn == urn:
                return resource
        raise AssertionError(f"no resource with urn {urn!r}")


@dataclass(frozen=True)
class CommandOutput:
    """What a `local.Command` really stores: its script's stdout and stderr, trailing newline cut
    (pulumi-command 1.2.1, local/commandOutputs.go)."""

    stdout: str
    stderr: str = ""


# The release Command's stdout when the build's output went to stderr: exactly the release
# tool's `--json` summary line, written by the tool's own serializer. The real-script test
# (tests/program/test_release_script.py) checks that the real script prints this shape and
# nothing else on stdout.
RELEASE_COMMAND_OUTPUT = CommandOutput(
    stdout=json.dumps(DeployResult(release="0123456789ab").as_json()),
    # The build's and the tool's progress; the program never reads it.
    stderr="",
)


def _is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig


def _has_secret(value: Any) -> bool:
    if _is_secret(value):
        return True
    if isinstance(value, dict):
        return any(_has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secret(v) for v in value)
    return False


def _plain(value: Any) -> Any:
    """Inputs as plain data: 403 rather than the wire's 403.0, archives by their path, secrets
    by their value (`Registered.secret_inputs` says which were secret)."""
    if _is_secret(value):
        return _plain(value["value"])
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, pulumi.FileArchive | pulumi.FileAsset):
        return f"{type(value).__name__}({value.path})"
    return value


def _fake_id(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()[:13]


class RecordingMocks(pulumi.runtime.Mocks):
    """Answers each resource with its inputs plus the outputs the provider would compute.

    Each computed value has the shape the AWS provider (pulumi-aws 7.x, Terraform AWS provider v6)
    or pulumi-command stores, as its comment says. In a preview, every computed output and every
    id is unknown, as on a first `pulumi preview`, where nothing exists yet.
    """

    def __init__(
        self, region: str, preview: bool = False, command: CommandOutput = RELEASE_COMMAND_OUTPUT
    ) -> None:
        self.region = region
        self.preview = preview
        self.command = command
        self.invokes: list[Invoked] = []

    def call(
        self, args: pulumi.runtime.MockCallArgs
    ) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        # Data sources are read in previews too, so these answer the same in both modes.
        self.invokes.append(Invoked(args.token, dict(args.args)))
        if args.token == "aws:route53/getZone:getZone":
            name = str(args.args["name"]).rstrip(".")
            # Route53 zone ids are "Z" and upper-case alphanumerics; four awsdns name servers.
            return {
                "id": f"Z{_fake_id(name).upper()}",
                "zoneId": f"Z{_fake_id(name).upper()}",
                "name": name,
                "nameServers": [f"ns-{i}.awsdns-{i}.org" for i in range(1, 5)],
            }, []
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:root"}, []
        return {}, []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        name, inputs = args.name, dict(args.inputs)
        resource_id, computed = self._computed(args.typ, name, inputs)
        if self.preview:
            # Nothing exists yet: the engine knows only the inputs.
            return "", {**inputs, **{key: rpc.UNKNOWN for key in computed}}
        return resource_id, {**inputs, **computed}

    def _computed(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        region = inputs.get("region") or self.region
        uid = _fake_id(name)
        # Pulumi's auto-naming: the logical name, a dash and random characters.
        auto_name = f"{name}-{uid[:7]}"
        resource_id = f"{name}-{uid}"
        service = typ.split(":")[1].split("/")[0]
        # Most resources: an ARN of the usual form; the provider's id is not read by the program.
        computed: dict[str, Any] = {"arn": f"arn:aws:{service}:{region}:{ACCOUNT}:{name}"}
        match typ:
            case "aws:s3/bucket:Bucket":
                # The id is the bucket's name; S3 ARNs carry no region or account.
                resource_id = bucket = auto_name
                computed = {
                    "bucket": bucket,
                    "arn": f"arn:aws:s3:::{bucket}",
                    "bucketRegionalDomainName": f"{bucket}.s3.{region}.amazonaws.com",
                }
            case "aws:cloudfront/distribution:Distribution":
                # Distribution ids are "E" and 13 upper-case alphanumerics.
                resource_id = f"E{uid.upper()}"
                computed = {
                    "arn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/{resource_id}",
                    "domainName": f"d{uid}.cloudfront.net",
                    # CloudFront's fixed alias zone.
                    "hostedZoneId": "Z2FDTNDATAQYW2",
                }
            case "aws:acm/certificate:Certificate":
                host = inputs["domainName"]
                # One DNS validation option per name, CNAME with ACM's trailing dots.
                computed["domainValidationOptions"] = [
                    {
                        "domainName": host,
                        "resourceRecordName": f"_{uid}.{host}.",
                        "resourceRecordType": "CNAME",
                        "resourceRecordValue": f"_{uid}.acm-validations.aws.",
                    }
                ]
            case "aws:acm/certificateValidation:CertificateValidation":
                # Its certificateArn is its input, passed through.
                computed = {}
            case "aws:route53/zone:Zone":
                resource_id = f"Z{uid.upper()}"
                computed = {
                    "zoneId": resource_id,
                    "nameServers": [f"ns-{i}.awsdns-{uid[:2]}.net" for i in range(1, 5)],
                }
            case "aws:route53/record:Record":
                computed = {"fqdn": str(inputs.get("name", "")).rstrip(".")}
            case "aws:lambda/function:Function":
                function = inputs.get("name", auto_name)
                arn = f"arn:aws:lambda:{region}:{ACCOUNT}:function:{function}"
                resource_id = function
                computed = {
                    "arn": arn,
                    # The form API Gateway integrations take (Lambda's GetFunction docs).
                    "invokeArn": f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/"
                    f"{arn}/invocations",
                    "name": function,
                }
            case "aws:apigatewayv2/api:Api":
                # HTTP API ids are 10 lower-case alphanumerics.
                resource_id = uid[:10]
                computed = {
                    "apiEndpoint": f"https://{resource_id}.execute-api.{region}.amazonaws.com",
                    "executionArn": f"arn:aws:execute-api:{region}:{ACCOUNT}:{resource_id}",
                }
            case "aws:cloudwatch/logGroup:LogGroup":
                group = inputs.get("name", auto_name)
                resource_id = group
                # The provider's arn has no ":*" suffix (pulumi-aws 6+).
                computed = {
                    "name": group,
                    "arn": f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{group}",
                }
            case "aws:iam/role:Role":
                resource_id = inputs.get("name", auto_name)
                computed = {"arn": f"arn:aws:iam::{ACCOUNT}:role/{resource_id}"}
            case "random:index/randomPassword:RandomPassword":
                # pulumi-random's `result`: `length` characters; letters and digits here, as
                # `special=False` asks.
                computed = {"result": (uid * 4)[: int(inputs.get("length", 16))]}
            case "aws:cloudfront/cachePolicy:CachePolicy":
                # Cache policy ids are UUIDs.
                resource_id = f"{uid[:8]}-{uid[8:12]}-4000-8000-{uid[:12]}"
            case "command:local:Command":
                # What the script printed, as the provider stores it (see CommandOutput).
                computed = {"stdout": self.command.stdout, "stderr": self.command.stderr}
            case "aws:apigatewayv2/domainName:DomainName":
                configuration = dict(inputs.get("domainNameConfiguration") or {})
                # The regional target API Gateway assigns; the alias zone is per region, a
                # stand-in here.
                configuration.update(
                    targetDomainName=f"d-{uid[:10]}.execute-api.{region}.amazonaws.com",
                    hostedZoneId="ZAPIGATEWAY0000",
                )
                computed = {"domainNameConfiguration": configuration}
        if "name" not in inputs and typ.startswith("aws:") and "name" not in computed:
            computed["name"] = auto_name
        return resource_id, computed


class RecordingMonitor(mocks.MockMonitor):
    """Keeps what the mock monitor drops: parent, provider, dependencies and protect."""

    def __init__(self, recording: RecordingMocks) -> None:
        super().__init__(recording)
        self.registered: list[Registered] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            wire = rpc.deserialize_properties(request.object)
            self.registered.append(
                Registered(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    provider=request.provider,
                    custom=request.custom,
                    dependencies=list(request.dependencies),
                    inputs=_plain(wire),
                    protect=bool(request.protect),
                    property_dependencies={
                        key: list(value.urns) for key, value in request.propertyDependencies.items()
                    },
                    outputs=_plain(rpc.deserialize_properties(response.object)),
                    secret_inputs={key for key, value in wire.items() if _has_secret(value)},
                    id=response.id,
                    aliases=[str(alias) for alias in request.aliases],
                )
            )
        return response


# The stack files, as `make stage` and CI's stage selection read them.
stack_file = stage.stack_file
stacks = stage.available


def as_config_string(value: Any) -> str:
    """A stack file's value as the engine hands config to the program: a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def read_stack_config(stack: str) -> dict[str, str]:
    """The stack file's `config:` map as the engine hands it to the program: strings."""
    path = stack_file(stack)
    if not path.is_file():
        raise FileNotFoundError(f"no stack file {path.relative_to(ROOT)}; stacks: {stacks()}")
    document = yaml.safe_load(path.read_text()) or {}
    return {key: as_config_string(v) for key, v in (document.get("config") or {}).items()}


@contextmanager
def _without_aws_credentials() -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in AWS_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


async def _resolve(outputs: Mapping[str, Any]) -> dict[str, Any]:
    resolved = {}
    for key, value in outputs.items():
        resolved[key] = await pulumi.Output.from_input(value).future()
    return resolved


def run(
    stack: str,
    config: Mapping[str, str] | None = None,
    program: Callable[[], object] | None = None,
    *,
    preview: bool = False,
    command: CommandOutput = RELEASE_COMMAND_OUTPUT,
) -> OfflineRun:
    """Run `__main__.py` (or `program`) for `stack` with `config` under mocks.

    `config` defaults to the stack file's; `program` lets a test build one component alone.
    `preview` runs it as a first `pulumi preview`: every computed output unknown. `command` is
    what the release Command's script printed.

    A fresh event loop and fresh Pulumi settings each time, so runs never leak into each other.
    """
    values = dict(read_stack_config(stack) if config is None else config)
    result = OfflineRun(stack=stack, config=values, preview=preview)
    recording = RecordingMocks(values.get("aws:region", "us-east-1"), preview, command)
    monitor = RecordingMonitor(recording)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        with _without_aws_credentials():
            settings.reset_options(project="skyline", stack=stack, preview=preview)
            set_all_config(values)
            pulumi.runtime.set_mocks(
                recording, project="skyline", stack=stack, preview=preview, monitor=monitor
            )
            try:
                if program is None:
                    runpy.run_path(str(PROGRAM), run_name="__main__")
                else:
                    program()
            except pulumi.RunError as error:
                result.error = error
            try:
                # Whatever happened, what was registered so far is part of the answer.
                loop.run_until_complete(wait_for_rpcs())
                if result.error is None:
                    stack_outputs = getattr(settings.get_root_resource(), "outputs", {})
                    result.outputs = loop.run_until_complete(_resolve(stack_outputs))
            except pulumi.RunError as error:
                # Raised inside an apply (a Command's output the program cannot read, say).
                result.error = error
            result.resources = monitor.registered
            result.invokes = recording.invokes
    finally:
        # Outputs nobody awaited (stack outputs of a failed run, say) would otherwise be
        # reported as destroyed-while-pending when the loop closes.
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        set_all_config({})
        settings.reset_options()
        loop.close()
        asyncio.set_event_loop(None)
    return result
