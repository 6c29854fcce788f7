"""The local stack behind `make dev`: the site through the CDN's rules, the API as on Lambda.

`python -m devserver` starts two servers: a local edge that serves the built frontend with the
rules of infra/edge.py (what CloudFront applies), and a local API that turns each request into
an API Gateway HTTP API event for the real Lambda handler in backend/handler.py.
"""
