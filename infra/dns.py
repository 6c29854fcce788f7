"""DNS and certificates: the stage's zone, the site's and the API's certificates, alias records."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.config import Names

# CloudFront only accepts certificates from us-east-1, whatever the stack's region.
CLOUDFRONT_CERTIFICATE_REGION = "us-east-1"


@dataclass
class Hostname:
    """A public hostname and its validated certificate."""

    name: str
    certificate_arn: pulumi.Input[str]


@dataclass
class DomainArgs:
    # With `delegate_zone`, a zone for `domain` is created and delegated from `hosted_zone`, so
    # the stage owns its records.
    names: Names
    protect: bool = False
    # The API's certificate: in us-east-1 for the API edge (CloudFront), else in the stack's
    # region, where an API Gateway custom domain needs it.
    api_behind_cloudfront: bool = True


class Domain(pulumi.ComponentResource):
    """The stage's zone and two DNS-validated certificates: the site's and the API's."""

    names: Names
    zone_id: pulumi.Output[str]
    # `api.<domain>` with its validated certificate.
    api_host: Hostname
    site_certificate_arn: pulumi.Output[str]
    api_certificate_arn: pulumi.Output[str]

    def __init__(
        self, name: str, args: DomainArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("skyline:index:Domain", name, None, opts)
        self._name = name
        self._args = args
        self.names = args.names

        self.zone_id, zone_ready = self._zone()
        self.site_certificate_arn = self._certificate(
            "site", args.names.domain, CLOUDFRONT_CERTIFICATE_REGION, zone_ready
        )
        api_region = CLOUDFRONT_CERTIFICATE_REGION if args.api_behind_cloudfront else None
        self.api_certificate_arn = self._certificate(
            "api", args.names.api_domain, api_region, zone_ready
        )
        self.api_host = Hostname(args.names.api_domain, self.api_certificate_arn)

        self.register_outputs(
            {
                "zoneId": self.zone_id,
                "siteCertificateArn": self.site_certificate_arn,
                "apiCertificateArn": self.api_certificate_arn,
            }
        )

    def _zone(self) -> tuple[pulumi.Output[str], list[pulumi.Resource]]:
        names = self._args.names
        parent = aws.route53.get_zone_output(
            name=names.hosted_zone,
            private_zone=False,
            opts=pulumi.InvokeOutputOptions(parent=self),
        )
        if not names.delegate_zone:
            return parent.zone_id, []
        zone = aws.route53.Zone(
            f"{self._name}-zone",
            name=names.domain,
            comment=f"Delegated from {names.hosted_zone}",
            opts=pulumi.ResourceOptions(parent=self, protect=self._args.protect),
        )
        delegation = aws.route53.Record(
            f"{self._name}-delegation",
            zone_id=parent.zone_id,
            name=names.domain,
            type="NS",
            ttl=3600,
            records=zone.name_servers,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # Validation records in the new zone only resolve once the parent delegates to it.
        return zone.zone_id, [delegation]

    def _certificate(
        self, label: str, hostname: str, region: str | None, zone_ready: list[pulumi.Resource]
    ) -> pulumi.Output[str]:
        certificate = aws.acm.Certificate(
            f"{self._name}-{label}-certificate",
            domain_name=hostname,
            validation_method="DNS",
            region=region,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # One hostname per certificate gives exactly one validation record, known by index,
        # so no resource has to be created inside an apply().
        option = certificate.domain_validation_options[0]
        record = aws.route53.Record(
            f"{self._name}-{label}-validation",
            zone_id=self.zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=300,
            # Two certificates for related names may ask for the same record.
            allow_overwrite=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=zone_ready),
        )
        validation = aws.acm.CertificateValidation(
            f"{self._name}-{label}-certificate-validation",
            certificate_arn=certificate.arn,
            validation_record_fqdns=[record.fqdn],
            region=region,
            opts=pulumi.ResourceOptions(parent=self),
        )
        return validation.certificate_arn


@dataclass
class AliasTarget:
    """Where an alias record points: a CloudFront distribution or an API Gateway domain."""

    domain: pulumi.Input[str]
    zone_id: pulumi.Input[str]


@dataclass
class AliasRecordsArgs:
    zone_id: pulumi.Input[str]
    hostname: str
    target: AliasTarget


class AliasRecords(pulumi.ComponentResource):
    """A and AAAA alias records for one hostname, pointing at a CloudFront or API Gateway target."""

    def __init__(
        self, name: str, args: AliasRecordsArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("skyline:index:AliasRecords", name, None, opts)
        for record_type in ("A", "AAAA"):
            aws.route53.Record(
                f"{name}-{record_type.lower()}",
                zone_id=args.zone_id,
                name=args.hostname,
                type=record_type,
                aliases=[
                    {
                        "name": args.target.domain,
                        "zone_id": args.target.zone_id,
                        "evaluate_target_health": False,
                    }
                ],
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({"hostname": args.hostname})


def alias_records(
    prefix: str, domain: Domain, site: AliasTarget, api: AliasTarget, api_parent: pulumi.Resource
) -> None:
    """Every public hostname's A and AAAA aliases, made in one place: the site's and the API's."""
    AliasRecords(
        f"{prefix}-site-records", AliasRecordsArgs(domain.zone_id, domain.names.domain, site)
    )
    AliasRecords(
        f"{prefix}-api-records",
        AliasRecordsArgs(domain.zone_id, domain.names.api_domain, api),
        # Once made inside the Api component: the alias keeps these records, not replaces them.
        opts=pulumi.ResourceOptions(aliases=[pulumi.Alias(parent=api_parent)]),
    )
