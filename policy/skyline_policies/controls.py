"""A control: one rule over some resource types, turned into a CrossGuard policy.

Props arrive as the engine sends them: camelCase names, and during `pulumi preview` wrapped so
that reading a value that is not known yet raises `UnknownValueError` (CrossGuard then reports
"can't run during preview" and the control runs again, with known values, in `pulumi up`).
Checks therefore read through `value()` and `is_set()` and treat props as Mapping/Sequence,
never as dict/list, which the preview proxies are not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from .register import Register

MANDATORY = EnforcementLevel.MANDATORY
ADVISORY = EnforcementLevel.ADVISORY

# (resource type, props) -> one message per violation.
Check = Callable[[str, Mapping[str, Any]], Iterable[str]]
# (every resource, register) -> (message, urn of the resource at fault) per violation.
StackCheck = Callable[[Sequence[PolicyResource], Register], Iterable[tuple[str, str | None]]]


def value(props: Any, *path: str | int) -> Any:
    """The value at `path` (keys and list indexes), or None when any step is absent.

    An unknown value raises UnknownValueError, as CrossGuard intends.
    """
    current = props
    for step in path:
        if isinstance(step, int):
            if not is_list(current) or step >= len(current):
                return None
        elif not isinstance(current, Mapping) or step not in _keys(current):
            return None
        current = current[step]
    return current


def is_set(props: Any, *path: str | int) -> bool:
    """Whether `path` holds a non-empty value. A value that is unknown during preview is set:
    it is another resource's output (an ARN, an id), which is what presence checks ask for."""
    try:
        found = value(props, *path)
    except UnknownValueError:
        return True
    if found is None:
        return False
    if isinstance(found, str):
        return found != ""
    if isinstance(found, Mapping) or is_list(found):
        # len(), not `== {}`: comparing a preview proxy would read (and raise on) its values.
        return len(found) > 0
    return True


def known(props: Any, *path: str | int) -> Any:
    """The value at `path`, or None when it is absent or not known yet."""
    try:
        return value(props, *path)
    except UnknownValueError:
        return None


def is_list(candidate: Any) -> bool:
    return isinstance(candidate, Sequence) and not isinstance(candidate, str | bytes)


def items(candidate: Any) -> list[Any]:
    """A list from a value that may be absent, one item, or a list of them (as in IAM JSON)."""
    if candidate is None:
        return []
    if is_list(candidate):
        return list(candidate)
    return [candidate]


def made_from(resource: PolicyResource, prop: str, target: PolicyResource) -> bool | None:
    """Whether `resource`'s `prop` was made from `target`'s outputs, as the engine's per-property
    dependencies say (they say it in preview too, when the value itself is unknown).

    None when there are none for `prop` (a literal value, or a resource built by hand in a
    test): the caller decides what else counts.
    """
    by_property = resource.property_dependencies.get(prop)
    if not by_property:
        return None
    return any(dependency.urn == target.urn for dependency in by_property)


def depends_on(resource: PolicyResource, target: PolicyResource) -> bool:
    """Whether `resource` depends on `target` as a whole (any property, or `depends_on`)."""
    return any(dependency.urn == target.urn for dependency in resource.dependencies)


def _keys(mapping: Mapping[str, Any]) -> Iterator[str]:
    # Iterating a preview proxy yields its keys without reading (and so raising on) values.
    return iter(mapping)


@dataclass(frozen=True)
class ResourceControl:
    """A rule checked on each resource of `types`, before it is created or updated."""

    name: str
    description: str
    types: frozenset[str]
    check: Check
    remediation: str
    level: EnforcementLevel = MANDATORY

    def policy(self, register: Register) -> ResourceValidationPolicy:
        def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
            if args.resource_type not in self.types or register.exempts(self.name, args.name):
                return
            for message in self.check(args.resource_type, args.props):
                report(message, None)

        return ResourceValidationPolicy(
            name=self.name,
            description=self.description,
            validate=validate,
            enforcement_level=self.level,
            remediation_steps=self.remediation,
        )


@dataclass(frozen=True)
class StackControl:
    """A rule over the whole stack, for what no single resource shows ("every bucket has...")."""

    name: str
    description: str
    check: StackCheck
    remediation: str
    level: EnforcementLevel = MANDATORY

    def policy(self, register: Register) -> StackValidationPolicy:
        def validate(args: StackValidationArgs, report: ReportViolation) -> None:
            for message, urn in self.check(args.resources, register):
                report(message, urn)

        return StackValidationPolicy(
            name=self.name,
            description=self.description,
            validate=validate,
            enforcement_level=self.level,
            remediation_steps=self.remediation,
        )
