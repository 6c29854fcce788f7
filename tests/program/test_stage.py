"""`make stage` (infra/stage.py): a stage's names written and validated as the program would.

Every test works on copies of the stack files in tmp_path; the committed stacks are never written.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from infra import offline, stage
from infra.config import ConfigError


@pytest.fixture
def stacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "stacks"
    shutil.copytree((offline.ROOT / "stacks"), copy)
    monkeypatch.setattr(stage, "STACKS_DIR", copy)
    return copy


@pytest.fixture(autouse=True)
def committed_stacks_stay_untouched() -> Iterator[None]:
    def digest() -> dict[str, str]:
        return {
            p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((offline.ROOT / "stacks").iterdir())
        }

    before = digest()
    yield
    assert digest() == before


def config_of(path: Path) -> dict[str, object]:
    document = yaml.safe_load(path.read_text())
    config = document["config"]
    assert isinstance(config, dict)
    return config


def run_set(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = stage.main(["set", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- good input ---------------------------------------------------------------------------------


def test_sets_domain_and_zone_keeping_every_other_key_and_comment(
    stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = (stacks / "Pulumi.prod.yaml").read_text()
    code, out, err = run_set(
        capsys, "prod", "--domain", "app.mycompany.com", "--zone", "mycompany.com"
    )
    assert code == 0, err
    after = (stacks / "Pulumi.prod.yaml").read_text()
    # Only the two lines changed, in place; the comment and the other keys are as they were.
    changed = [
        (old, new)
        for old, new in zip(before.splitlines(), after.splitlines(), strict=True)
        if old != new
    ]
    assert changed == [
        ("  skyline:domain: app.example.com", "  skyline:domain: app.mycompany.com"),
        ("  skyline:hostedZone: example.com", "  skyline:hostedZone: mycompany.com"),
    ]
    assert "skyline:domain=app.mycompany.com, skyline:hostedZone=mycompany.com" in out
    assert "valid" in out
    # prod's alarm address is still the template's.
    assert "skyline:alarmEmail is still 'ops@example.com', a placeholder" in err


def test_the_written_stack_runs_under_the_program(
    stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_set(
        capsys,
        "prod",
        "--domain",
        "mycompany.com",
        "--zone",
        "mycompany.com",
        "--alarm-email",
        "ops@mycompany.com",
    )
    assert code == 0, err
    config = {
        key: offline.as_config_string(value)
        for key, value in config_of(stacks / "Pulumi.prod.yaml").items()
    }
    result = offline.run("prod", config)
    assert result.error is None
    assert result.outputs["siteUrl"] == "https://mycompany.com"
    assert "ops@example.com" not in (stacks / "Pulumi.prod.yaml").read_text()


def test_inserts_keys_a_stack_does_not_have(stacks: Path) -> None:
    written = stage.write(
        "dev", {"skyline:domain": "dev.mycompany.com", "skyline:hostedZone": "mycompany.com"}
    )
    text = written.path.read_text()
    assert text.startswith("# dev: no custom domain")
    assert text.endswith(
        "  skyline:throttleRate: 10\n"
        "  skyline:domain: dev.mycompany.com\n"
        "  skyline:hostedZone: mycompany.com\n"
    )
    assert config_of(written.path)["skyline:priceClass"] == "PriceClass_100"


def test_creates_a_new_stage(stacks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_set(
        capsys,
        "qa",
        "--region",
        "eu-west-1",
        "--domain",
        "qa.mycompany.com",
        "--zone",
        "mycompany.com",
    )
    assert code == 0, err
    assert config_of(stacks / "Pulumi.qa.yaml") == {
        "aws:region": "eu-west-1",
        "skyline:domain": "qa.mycompany.com",
        "skyline:hostedZone": "mycompany.com",
    }
    assert stage.region("qa") == "eu-west-1"
    assert "SKYLINE_STAGES" in out


def test_same_values_again_change_nothing(stacks: Path) -> None:
    values = {"skyline:domain": "staging.mycompany.com", "skyline:hostedZone": "mycompany.com"}
    stage.write("staging", values)
    first = (stacks / "Pulumi.staging.yaml").read_text()
    assert stage.write("staging", values).changed == {}
    assert (stacks / "Pulumi.staging.yaml").read_text() == first


def test_keeps_trailing_comments_nested_values_and_other_top_level_keys(stacks: Path) -> None:
    path = stacks / "Pulumi.edge.yaml"
    path.write_text(
        "# edge\n"
        "config:\n"
        "  aws:region: us-east-1  # close to the certificates\n"
        "  aws:assumeRoles:\n"
        "    - roleArn: arn:aws:iam::123456789012:role/deploy\n"
        "  skyline:domain: 'old.mycompany.com'   # to change\n"
        "encryptionsalt: v1:abc\n"
    )
    stage.write(
        "edge", {"skyline:domain": "edge.mycompany.com", "skyline:hostedZone": "mycompany.com"}
    )
    assert path.read_text() == (
        "# edge\n"
        "config:\n"
        "  aws:region: us-east-1  # close to the certificates\n"
        "  aws:assumeRoles:\n"
        "    - roleArn: arn:aws:iam::123456789012:role/deploy\n"
        "  skyline:domain: edge.mycompany.com   # to change\n"
        "  skyline:hostedZone: mycompany.com\n"
        "encryptionsalt: v1:abc\n"
    )


def test_a_flow_style_config_is_rewritten_whole(stacks: Path) -> None:
    path = stacks / "Pulumi.flow.yaml"
    path.write_text(
        "# flow\nconfig: {aws:region: us-east-1, skyline:keepReleases: 4}\nencryptionsalt: x\n"
    )
    stage.write("flow", {"skyline:domain": "mycompany.com", "skyline:hostedZone": "mycompany.com"})
    document = yaml.safe_load(path.read_text())
    assert document == {
        "config": {
            "aws:region": "us-east-1",
            "skyline:keepReleases": 4,
            "skyline:domain": "mycompany.com",
            "skyline:hostedZone": "mycompany.com",
        },
        "encryptionsalt": "x",
    }
    assert path.read_text().startswith("# flow\n")


# --- bad input: the program's one-line error, exit 2, nothing written ----------------------------


BAD = [
    ("prod", ["--domain", "App.MyCompany.com", "--zone", "mycompany.com"], "skyline:domain"),
    ("prod", ["--domain", "https://app.mycompany.com"], "skyline:domain"),
    ("prod", ["--domain", "app.mycompany.com", "--zone", "other.com"], "skyline:hostedZone"),
    ("prod", ["--zone", "mycompany.com"], "skyline:hostedZone"),
    ("prod", ["--alarm-email", "ops"], "skyline:alarmEmail"),
    ("prod", ["--region", "mars-1"], "aws:region"),
    # dev has no domain: a zone alone is refused, naming the domain that is missing.
    ("dev", ["--zone", "mycompany.com"], "skyline:domain"),
    # staging delegates its zone, which needs a subdomain of the zone.
    ("staging", ["--domain", "mycompany.com", "--zone", "mycompany.com"], "skyline:delegateZone"),
]


@pytest.mark.parametrize(("name", "args", "key"), BAD)
def test_bad_input_prints_the_programs_error_and_writes_nothing(
    stacks: Path, capsys: pytest.CaptureFixture[str], name: str, args: list[str], key: str
) -> None:
    before = (stacks / f"Pulumi.{name}.yaml").read_bytes()
    code, out, err = run_set(capsys, name, *args)
    assert code == 2
    assert out == ""
    assert (stacks / f"Pulumi.{name}.yaml").read_bytes() == before
    assert err.count("\n") == 1 and err.startswith(f"{key} is ")

    # The very message `pulumi up` (the program under mocks) stops with on the same config.
    options = dict(zip(args[::2], args[1::2], strict=True))
    keys = {f"--{option.replace('_', '-')}": key for option, key in stage.OPTIONS.items()}
    config = {**offline.read_stack_config(name), **{keys[k]: v for k, v in options.items()}}
    program = offline.run(name, config)
    assert program.error is not None
    assert err == f"{program.error}\n"


def test_a_bad_new_stage_creates_no_file(stacks: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_set(capsys, "qa", "--domain", "qa.mycompany.com", "--zone", "mycompany.com")
    assert code == 2
    assert err == (
        "aws:region is None: an AWS region name. Fix: pulumi config set aws:region us-east-2\n"
    )
    assert not (stacks / "Pulumi.qa.yaml").exists()
    assert sorted(p.name for p in stacks.iterdir()) == sorted(
        p.name for p in (offline.ROOT / "stacks").iterdir()
    )


@pytest.mark.parametrize("name", ["", "my stage", "prod/../x"])
def test_a_bad_stage_name_is_refused(
    stacks: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    code, _, err = run_set(capsys, name, "--domain", "a.mycompany.com")
    assert code == 2
    assert err.startswith(f"STAGE is {name!r}: a stack name") and err.count("\n") == 1


def test_a_stage_name_must_start_with_a_letter_or_digit(stacks: Path) -> None:
    with pytest.raises(stage.StageError, match=r"^STAGE is '-prod': a stack name"):
        stage.write("-prod", {"skyline:domain": "a.mycompany.com"})


def test_a_broken_stack_file_is_reported_in_one_line(
    stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (stacks / "Pulumi.broken.yaml").write_text("config:\n  aws:region: [us-east-1\n")
    code, _, err = run_set(capsys, "broken", "--domain", "a.mycompany.com")
    assert code == 2
    assert err.startswith("Pulumi.broken.yaml is not valid YAML: ") and err.count("\n") == 1


# --- region: what the workflows pass to configure-aws-credentials --------------------------------


def test_region_of_every_committed_stack() -> None:
    for name in offline.stacks():
        assert stage.region(name) == offline.read_stack_config(name)["aws:region"]


def test_region_validates_the_whole_config(
    stacks: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (stacks / "Pulumi.dev.yaml").write_text(
        "config:\n  aws:region: eu-west-1\n  skyline:priceClass: Cheap\n"
    )
    with pytest.raises(ConfigError, match=r"^skyline:priceClass is 'Cheap'"):
        stage.region("dev")
    assert stage.main(["region", "dev"]) == 2
    assert capsys.readouterr().err.startswith("skyline:priceClass is 'Cheap'")
    assert stage.main(["region", "nowhere"]) == 2


# --- configured: the stages CI previews and deploys --------------------------------------------

STACKS = ["dev", "prod", "staging"]
CHAIN = ["dev", "staging", "prod"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, ["dev"]),
        ("", ["dev"]),
        ("  ", ["dev"]),
        ("dev", ["dev"]),
        ("dev,staging", ["dev", "staging"]),
        ("dev, prod", ["dev", "prod"]),
        ("prod staging\ndev", ["prod", "staging", "dev"]),
        ("dev,dev", ["dev"]),
        ("none", []),
        ("None", []),
    ],
)
def test_configured_stages(raw: str | None, expected: list[str]) -> None:
    assert stage.configured(raw, "acme", STACKS, CHAIN).stages == expected


def test_nothing_runs_without_a_pulumi_organization() -> None:
    selection = stage.configured("dev,staging,prod", "", STACKS, CHAIN)
    assert selection.stages == []
    assert selection.messages[0].startswith("::notice::PULUMI_ORG is not set")


def test_a_stage_without_a_stack_file_fails() -> None:
    with pytest.raises(stage.StageError, match=r"^SKYLINE_STAGES is 'dev,prd': prd has no "):
        stage.configured("dev,prd", "acme", STACKS, CHAIN)


def test_a_stage_outside_the_deploy_chain_is_previewed_with_a_warning() -> None:
    selection = stage.configured("dev qa", "acme", [*STACKS, "qa"], CHAIN)
    assert selection.stages == ["dev", "qa"]
    assert selection.messages == [
        "::warning::SKYLINE_STAGES lists qa, which deploy.yml does not deploy "
        "(its chain is dev -> staging -> prod); it is previewed only"
    ]
    assert stage.configured("dev qa", "acme", [*STACKS, "qa"]).messages == []


def test_configured_writes_the_github_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    output = tmp_path / "github_output"
    output.write_text("earlier=1\n")
    monkeypatch.setenv("SKYLINE_STAGES", "staging,dev")
    monkeypatch.setenv("PULUMI_ORG", "acme")
    assert stage.main(["configured", "--github-output", str(output)]) == 0
    assert output.read_text() == 'earlier=1\nstages=["staging", "dev"]\n'

    monkeypatch.setenv("SKYLINE_STAGES", "prod,qa")
    assert stage.main(["configured", "--github-output", str(output)]) == 2
    assert capsys.readouterr().out.splitlines()[-1].startswith("::error::SKYLINE_STAGES is ")
    assert output.read_text() == 'earlier=1\nstages=["staging", "dev"]\n'
