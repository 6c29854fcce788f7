"""The local stack behind `make dev`: the site through the CDN's rules, the API as on Lambda.

`python -m devserver` starts three servers: a local edge that serves the built frontend with the
rules of infra/edge.py (what CloudFront applies to the site); a local API edge with the rules of
infra/api_cache.py (what the API's distribution applies: its cache, its origin secret); and
behind it the local API, which turns each request into an API Gateway HTTP API event for the
real Lambda handler in backend/handler.py. With API_EDGE=off the local API takes the API edge's
port, as API Gateway serves a stage without the edge.
"""
