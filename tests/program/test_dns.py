"""Zones, certificates (the site's in us-east-1), validation and alias records."""

from __future__ import annotations

from infra import offline

CERTIFICATE = "aws:acm/certificate:Certificate"
VALIDATION = "aws:acm/certificateValidation:CertificateValidation"
RECORD = "aws:route53/record:Record"


def _records(run: offline.OfflineRun, record_type: str) -> list[offline.Registered]:
    return [r for r in run.of_type(RECORD) if r.inputs["type"] == record_type]


def test_dev_has_no_dns_at_all(runs: dict[str, offline.OfflineRun]) -> None:
    dev = runs["dev"]
    assert dev.of_type(CERTIFICATE) == []
    assert dev.of_type(RECORD) == []
    assert not any(i.token == "aws:route53/getZone:getZone" for i in dev.invokes)


def test_certificates_live_where_their_front_door_needs_them(
    domain_run: offline.OfflineRun, gateway_runs: dict[str, offline.OfflineRun]
) -> None:
    domain = domain_run.config["skyline:domain"]
    certificates = {c.inputs["domainName"]: c for c in domain_run.of_type(CERTIFICATE)}
    assert set(certificates) == {domain, f"api.{domain}"}
    # CloudFront takes certificates from us-east-1 only: the site's, and the API edge's.
    assert certificates[domain].inputs["region"] == "us-east-1"
    assert certificates[f"api.{domain}"].inputs["region"] == "us-east-1"
    # Without the edge, the API Gateway custom domain needs it in the stack's region.
    gateway = gateway_runs[domain_run.stack]
    [api_certificate] = [
        c for c in gateway.of_type(CERTIFICATE) if c.inputs["domainName"] == f"api.{domain}"
    ]
    assert "region" not in api_certificate.inputs
    for certificate in certificates.values():
        assert certificate.inputs["validationMethod"] == "DNS"


def test_each_certificate_is_validated_by_its_dns_record(domain_run: offline.OfflineRun) -> None:
    validations = domain_run.of_type(VALIDATION)
    assert len(validations) == 2
    cnames = {r.inputs["name"].rstrip("."): r for r in _records(domain_run, "CNAME")}
    for validation in validations:
        [fqdn] = validation.inputs["validationRecordFqdns"]
        assert fqdn in cnames
        record = cnames[fqdn]
        assert record.inputs["records"][0].endswith(".acm-validations.aws.")
        assert record.urn in validation.dependencies
    site_validation = next(v for v in validations if "site" in v.name)
    assert site_validation.inputs["region"] == "us-east-1"


def test_site_alias_records_point_at_the_distribution(domain_run: offline.OfflineRun) -> None:
    domain = domain_run.config["skyline:domain"]
    distribution_domain = domain_run.outputs["distributionDomain"]
    for record_type in ("A", "AAAA"):
        [record] = [r for r in _records(domain_run, record_type) if r.inputs["name"] == domain]
        [alias] = record.inputs["aliases"]
        assert alias["name"] == distribution_domain
        assert alias["zoneId"] == "Z2FDTNDATAQYW2"


def test_staging_owns_a_delegated_zone(runs: dict[str, offline.OfflineRun]) -> None:
    staging = runs["staging"]
    domain, parent = staging.config["skyline:domain"], staging.config["skyline:hostedZone"]
    zone = staging.one("aws:route53/zone:Zone")
    assert zone.inputs["name"] == domain
    [delegation] = _records(staging, "NS")
    assert delegation.inputs["name"] == domain
    assert len(delegation.inputs["records"]) == 4
    parent_zone = next(i for i in staging.invokes if i.token == "aws:route53/getZone:getZone")
    assert parent_zone.args["name"] == parent
    assert delegation.inputs["zoneId"] != _records(staging, "A")[0].inputs["zoneId"]
    # Validation records live in the delegated zone and wait for the delegation.
    for record in _records(staging, "CNAME"):
        assert delegation.urn in record.dependencies


def test_prod_uses_the_existing_zone_and_protects(runs: dict[str, offline.OfflineRun]) -> None:
    prod = runs["prod"]
    assert prod.of_type("aws:route53/zone:Zone") == []
    assert _records(prod, "NS") == []
