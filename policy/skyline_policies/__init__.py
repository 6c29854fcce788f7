"""Skyline's controls as CrossGuard policies, with the exceptions register applied.

`ALL` is what the pack enforces. `build(register)` makes the same policies with another
register (tests use it); `CONTROLS` and `CONTROL_NAMES` list every control once.
"""

from __future__ import annotations

from pulumi_policy import Policy

from . import api_and_certificates, cloudfront, compute, s3, sns
from .controls import ResourceControl, StackControl
from .register import Register, RegisterError, load

CONTROLS: tuple[ResourceControl | StackControl, ...] = (
    *s3.RESOURCE_CONTROLS,
    *s3.STACK_CONTROLS,
    *cloudfront.RESOURCE_CONTROLS,
    *cloudfront.STACK_CONTROLS,
    *compute.RESOURCE_CONTROLS,
    *api_and_certificates.RESOURCE_CONTROLS,
    *sns.RESOURCE_CONTROLS,
)
CONTROL_NAMES = tuple(control.name for control in CONTROLS)
if len(set(CONTROL_NAMES)) != len(CONTROL_NAMES):
    raise RuntimeError(f"two controls share a name: {sorted(CONTROL_NAMES)}")


def build(register: Register) -> list[Policy]:
    """One policy per control; each skips the resources the register exempts from it."""
    return [control.policy(register) for control in CONTROLS]


REGISTER = load(CONTROL_NAMES)
ALL: list[Policy] = build(REGISTER)

__all__ = [
    "ALL",
    "CONTROLS",
    "CONTROL_NAMES",
    "REGISTER",
    "Policy",
    "Register",
    "RegisterError",
    "build",
    "load",
]
