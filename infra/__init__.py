"""Skyline's Pulumi program: one module per component, plus the tools that share its rules."""
