"""The pack's entry point. It only builds the pack; the controls live in skyline_policies.

The Pulumi CLI runs it as `python policy/`, which puts policy/ itself on sys.path; putting the
repository root there too lets it import `policy.skyline_policies` by the same name that tests,
type checking and `python -m policy.check` use.
"""

import sys
from pathlib import Path

from pulumi_policy import EnforcementLevel, PolicyPack

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policy.skyline_policies import ALL

PolicyPack(name="skyline", policies=ALL, enforcement_level=EnforcementLevel.MANDATORY)
