"""Skyline's CrossGuard policy pack.

`policy/skyline_policies/` holds the controls (importable as `policy.skyline_policies` from the
repository root, or as `skyline_policies` when the Pulumi CLI runs this directory);
`policy/exceptions.yaml` is the register of accepted exceptions; `python -m policy.check` runs
every control offline over the program's mocked resources.
"""
