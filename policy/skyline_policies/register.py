"""The exceptions register: controls that knowingly do not apply to a resource, and why.

Each entry names a control, a resource (its logical name, or a glob such as
`skyline-*-site-cdn` for every stage) and the reason it was accepted. A control is a policy of
this pack (`cloudfront-waf`) or a Checkov check id (`CKV_AWS_18`, `CKV2_AWS_23`), which
`python -m policy.checkov` applies to Checkov's findings on the same resources; the pack's
policies never match a Checkov id. The register is checked when the pack loads: an entry
without a reason, or naming a control that is neither the pack's nor shaped like Checkov's,
stops the pack instead of silently excusing nothing (or everything).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "exceptions.yaml"
FIELDS = ("control", "resource", "reason")
# Checkov's check ids: CKV_AWS_18, CKV2_AWS_23 (its graph checks), CKV_GIT_1, ...
CHECKOV_ID = re.compile(r"^CKV2?_[A-Z0-9]+_[0-9]+$")


def is_checkov_id(control: str) -> bool:
    """Whether `control` names a Checkov check rather than a control of this pack."""
    return CHECKOV_ID.match(control) is not None


class RegisterError(ValueError):
    """A malformed exceptions register; the message names the file and the entry."""


@dataclass(frozen=True)
class Exemption:
    control: str
    resource: str
    reason: str

    def covers(self, control: str, resource_name: str) -> bool:
        return control == self.control and fnmatch.fnmatchcase(resource_name, self.resource)


@dataclass(frozen=True)
class Register:
    entries: tuple[Exemption, ...] = ()

    def exempts(self, control: str, resource_name: str) -> Exemption | None:
        """The entry that exempts `resource_name` from `control`, if any."""
        for entry in self.entries:
            if entry.covers(control, resource_name):
                return entry
        return None


def _entry(raw: Any, where: str, known: frozenset[str]) -> Exemption:
    if not isinstance(raw, Mapping):
        raise RegisterError(f"{where}: expected a mapping with {', '.join(FIELDS)}, got {raw!r}")
    unknown_fields = sorted(set(raw) - set(FIELDS))
    if unknown_fields:
        raise RegisterError(f"{where}: unknown field(s) {unknown_fields}; allowed: {FIELDS}")
    values = {}
    for field in FIELDS:
        value = raw.get(field)
        if not isinstance(value, str) or not value.strip():
            raise RegisterError(f"{where}: `{field}` is required and must be non-empty text")
        values[field] = value.strip()
    if values["control"] not in known and not is_checkov_id(values["control"]):
        raise RegisterError(
            f"{where}: unknown control {values['control']!r}; controls: {', '.join(sorted(known))}"
            ", or a Checkov check id such as CKV_AWS_18"
        )
    return Exemption(**values)


def parse(document: Any, known: Iterable[str], source: str = "exceptions") -> Register:
    """Validate a parsed register against the pack's control names."""
    known_names = frozenset(known)
    if document is None:
        return Register()
    if not isinstance(document, Mapping) or set(document) - {"exceptions"}:
        raise RegisterError(f"{source}: expected one top-level key `exceptions` (a list)")
    entries = document.get("exceptions") or []
    if not isinstance(entries, list):
        raise RegisterError(f"{source}: `exceptions` must be a list")
    return Register(
        tuple(
            _entry(raw, f"{source}: exceptions[{index}]", known_names)
            for index, raw in enumerate(entries)
        )
    )


def load(known: Iterable[str], path: Path = DEFAULT_PATH) -> Register:
    """Read and validate the register at `path`."""
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as error:
        raise RegisterError(f"{path}: cannot read the exceptions register: {error}") from error
    return parse(document, known, source=str(path))
