"""The exceptions register: an excepted resource passes, a bad register stops the pack."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra import offline
from policy import check
from policy.skyline_policies import CONTROL_NAMES, REGISTER, build
from policy.skyline_policies.register import (
    Register,
    RegisterError,
    is_checkov_id,
    load,
    parse,
)

Edited = Callable[[str, Callable[[offline.OfflineRun], None]], offline.OfflineRun]


def _allow_http(run: offline.OfflineRun) -> None:
    distribution = run.named(f"skyline-{run.stack}-site-cdn")
    distribution.inputs["defaultCacheBehavior"]["viewerProtocolPolicy"] = "allow-all"


def _register(*entries: dict[str, Any]) -> Register:
    """The repository's register plus `entries`."""
    return Register(
        (*REGISTER.entries, *parse({"exceptions": list(entries)}, CONTROL_NAMES).entries)
    )


def test_an_excepted_resource_passes(edited: Edited) -> None:
    run = edited("dev", _allow_http)
    register = _register(
        {"control": "cloudfront-https-only", "resource": "skyline-dev-site-cdn", "reason": "test"}
    )
    assert check.policy_violations(run, build(register)) == []


def test_a_glob_excepts_every_stage_and_nothing_else(edited: Edited) -> None:
    register = _register(
        {"control": "cloudfront-https-only", "resource": "skyline-*-site-cdn", "reason": "test"}
    )
    for stack in offline.stacks():
        assert check.policy_violations(edited(stack, _allow_http), build(register)) == []
    other = _register(
        {"control": "cloudfront-https-only", "resource": "skyline-*-api-*", "reason": "test"}
    )
    found = check.policy_violations(edited("dev", _allow_http), build(other))
    assert [v.policy for v in found] == ["cloudfront-https-only"]


def test_an_exception_covers_only_its_own_control(edited: Edited) -> None:
    register = _register(
        {"control": "cloudfront-waf", "resource": "skyline-dev-site-cdn", "reason": "test"}
    )
    found = check.policy_violations(edited("dev", _allow_http), build(register))
    assert [v.policy for v in found] == ["cloudfront-https-only"]


def test_an_exception_for_a_bucket_setting_covers_the_every_bucket_check(edited: Edited) -> None:
    def drop_versioning(run: offline.OfflineRun) -> None:
        run.resources.remove(run.named("skyline-dev-site-versioning"))

    register = _register(
        {"control": "s3-versioning", "resource": "skyline-dev-site-bucket", "reason": "test"}
    )
    assert check.policy_violations(edited("dev", drop_versioning), build(register)) == []


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ({"control": "cloudfront-waf", "resource": "x"}, "`reason` is required"),
        ({"control": "cloudfront-waf", "resource": "x", "reason": "   "}, "`reason` is required"),
        ({"control": "cloudfront-waf", "resource": "x", "reason": 3}, "`reason` is required"),
        ({"control": "cloudfront-waf", "reason": "because"}, "`resource` is required"),
        ({"control": "no-such-control", "resource": "x", "reason": "because"}, "unknown control"),
        # Shaped almost like Checkov's ids, but not quite: a typo must not excuse nothing.
        ({"control": "CKV_AWS", "resource": "x", "reason": "because"}, "unknown control"),
        ({"control": "ckv_aws_18", "resource": "x", "reason": "because"}, "unknown control"),
        ({"control": "CKV3_AWS_18", "resource": "x", "reason": "because"}, "unknown control"),
        (
            {"control": "cloudfront-waf", "resource": "x", "reason": "r", "until": "2030"},
            "unknown field(s) ['until']",
        ),
        ("cloudfront-waf on x", "expected a mapping"),
    ],
)
def test_a_bad_entry_fails_loudly(entry: Any, complaint: str) -> None:
    with pytest.raises(RegisterError, match=r"exceptions\[0\]") as raised:
        parse({"exceptions": [entry]}, CONTROL_NAMES)
    assert complaint in str(raised.value)


@pytest.mark.parametrize("control", ["CKV_AWS_18", "CKV2_AWS_23", "CKV_GIT_1"])
def test_a_checkov_id_is_a_control_the_pack_itself_never_matches(
    control: str, edited: Edited
) -> None:
    entry = {"control": control, "resource": "*", "reason": "Checkov's"}
    register = parse({"exceptions": [entry]}, CONTROL_NAMES)
    assert is_checkov_id(control)
    assert register.exempts(control, "skyline-dev-site-bucket") is not None
    # An entry for every resource under a Checkov id leaves every control of the pack in force.
    found = check.policy_violations(edited("dev", _allow_http), build(_register(entry)))
    assert [v.policy for v in found] == ["cloudfront-https-only"]


@pytest.mark.parametrize(
    "document", [{"exceptions": {"control": "x"}}, {"exception": []}, ["a", "list"]]
)
def test_a_malformed_register_fails_loudly(document: Any) -> None:
    with pytest.raises(RegisterError):
        parse(document, CONTROL_NAMES)


def test_loading_a_file_names_it_in_the_error(tmp_path: Path) -> None:
    path = tmp_path / "exceptions.yaml"
    path.write_text("exceptions:\n  - control: cloudfront-waf\n    resource: '*'\n")
    with pytest.raises(RegisterError, match=str(path)):
        load(CONTROL_NAMES, path)
    with pytest.raises(RegisterError, match="cannot read"):
        load(CONTROL_NAMES, tmp_path / "missing.yaml")


def test_the_repository_register_loads_with_reasons() -> None:
    register = load(CONTROL_NAMES)
    assert register.entries
    assert all(len(entry.reason.split()) >= 5 for entry in register.entries)


def test_the_readme_s_security_section_lists_every_control_and_exception() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme.split("\n## Security\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    for control in CONTROL_NAMES:
        assert any(row.startswith(f"| `{control}`") for row in rows), control
    exceptions = section.split("\n### Exceptions\n", 1)[1]
    for entry in REGISTER.entries:
        assert any(
            f"`{entry.control}`" in row.split("|")[1] and f"`{entry.resource}`" in row.split("|")[2]
            for row in exceptions.splitlines()
            if row.startswith("| `")
        ), f"README's Security section does not list {entry.control} on {entry.resource}"
