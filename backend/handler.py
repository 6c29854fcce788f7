"""The Lambda entry point: API Gateway events in, through Mangum, to the Flask app."""

from __future__ import annotations

from lambda_adapter import LambdaAdapter

from app import create_app

# Built during the init phase, once per execution environment, so requests only route.
handler = LambdaAdapter(create_app())
