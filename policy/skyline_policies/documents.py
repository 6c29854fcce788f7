"""Reading IAM and S3 bucket policy documents the way AWS does.

AWS accepts a single statement or a list, a single action or a list, and a principal written as
"*" or {"AWS": "*"}; keys of a Condition are case-insensitive. These helpers absorb all of that
so the controls read as rules.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .controls import items

# `*` alone or `service:*`: every action (of a service). `s3:Get*` is narrower and allowed.
WILDCARD_ACTION = re.compile(r"^(\*|[A-Za-z0-9-]+:\*)$")
# Condition keys that tie an Allow to a known caller or network, so "*" is not the public.
RESTRICTING_CONDITION_KEYS = frozenset(
    key.lower()
    for key in (
        "aws:SourceArn",
        "aws:SourceAccount",
        "aws:SourceOwner",
        "aws:SourceOrgID",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:PrincipalOrgID",
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:SourceIp",
    )
)


class DocumentError(ValueError):
    """A policy document that is not JSON or not shaped like one AWS accepts."""


def parse(document: Any) -> Mapping[str, Any]:
    """A policy document from its JSON text (as the provider takes it) or an object."""
    if isinstance(document, str):
        try:
            parsed = json.loads(document)
        except json.JSONDecodeError as error:
            raise DocumentError(f"not valid JSON ({error.msg})") from error
    else:
        parsed = document
    if not isinstance(parsed, Mapping):
        raise DocumentError("not a JSON object")
    return parsed


def statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = items(document.get("Statement"))
    if not all(isinstance(statement, Mapping) for statement in found):
        raise DocumentError("a Statement is not an object")
    return found


def effect(statement: Mapping[str, Any]) -> str:
    return str(statement.get("Effect", "")).capitalize()


def actions(statement: Mapping[str, Any]) -> list[str]:
    return [str(action) for action in items(statement.get("Action"))]


def is_everyone(principal: Any) -> bool:
    """Whether the principal is anyone at all: "*" or {"AWS": "*"}."""
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return "*" in [str(p) for p in items(principal.get("AWS"))]
    return False


def condition(statement: Mapping[str, Any], operator: str, key: str) -> list[str]:
    """The values a statement's Condition gives `key` under `operator` (both case-insensitive),
    as lowercase strings: JSON may spell `false` as a string or a boolean."""
    found: list[str] = []
    for op, clauses in (statement.get("Condition") or {}).items():
        if op.lower() != operator.lower() or not isinstance(clauses, Mapping):
            continue
        for clause_key, values in clauses.items():
            if clause_key.lower() == key.lower():
                found.extend(str(v).lower() for v in items(values))
    return found


def is_restricted(statement: Mapping[str, Any]) -> bool:
    """Whether a Condition limits the statement to known callers or networks."""
    for clauses in (statement.get("Condition") or {}).values():
        if isinstance(clauses, Mapping) and any(
            key.lower() in RESTRICTING_CONDITION_KEYS for key in clauses
        ):
            return True
    return False
