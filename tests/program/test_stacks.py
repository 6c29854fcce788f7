"""The committed stacks are the three stages, and Pulumi.yaml declares exactly the config keys."""

from pathlib import Path

import yaml

from infra import offline
from infra.config import KEYS

ROOT = Path(__file__).resolve().parents[2]


def test_three_stages_are_committed() -> None:
    assert offline.stacks() == ["dev", "prod", "staging"]


def test_pulumi_yaml_declares_every_key_with_type_default_and_description() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == "skyline"
    assert project["runtime"] == {"name": "python", "options": {"toolchain": "uv"}}
    assert project["stackConfigDir"] == "stacks"
    declared = project["config"]
    assert set(declared) == {key.name for key in KEYS}
    for key in KEYS:
        assert declared[key.name] == {
            "type": key.kind,
            "default": key.default,
            "description": key.description,
        }, key.name


def test_stack_files_use_only_declared_keys() -> None:
    known = {f"skyline:{key.name}" for key in KEYS} | {"aws:region"}
    for stack in offline.stacks():
        assert set(offline.read_stack_config(stack)) <= known, stack


def test_readme_documents_every_key_with_its_default() -> None:
    readme = (ROOT / "README.md").read_text()
    for key in KEYS:
        default = str(key.default).lower() if isinstance(key.default, bool) else key.default
        shown = f"`{default}`" if default != "" else "(empty)"
        assert f"| `{key.name}` | {shown} |" in readme, key.name


def test_dev_has_no_domain_and_the_cheapest_price_class() -> None:
    dev = offline.read_stack_config("dev")
    assert "skyline:domain" not in dev
    assert dev["skyline:priceClass"] == "PriceClass_100"


def test_staging_and_prod_have_a_domain_in_their_zone() -> None:
    # Teams put their own names here; the committed files carry example.com placeholders.
    for stack in ("staging", "prod"):
        config = offline.read_stack_config(stack)
        assert config["skyline:domain"].endswith(f".{config['skyline:hostedZone']}")
