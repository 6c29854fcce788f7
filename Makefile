# Skyline: `make dev` runs the whole stack locally, `make test` runs every check.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

STACK ?= dev
# Never let uv fetch an interpreter: the machine's Python (3.11+) is the one we test on.
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := .venv/bin/python

.PHONY: help setup test lint typecheck test-python plan plans dev bench clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

setup: .venv/.synced ## Install the locked Python dependencies (installs uv if missing)

.venv/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.8"
	$(UV) sync --locked --quiet
	@touch $@

test: setup lint typecheck test-python ## Install what is needed and run every check

lint: setup ## ruff check and ruff format --check
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: setup ## mypy (strict) on infra/ and backend/
	.venv/bin/mypy

test-python: setup ## pytest: the program under mocks, the API, the release tool, the browser
	.venv/bin/pytest

plan: setup ## Print the offline plan of one stack: make plan STACK=dev
	$(PY) -m infra.plan --stack $(STACK)

plans: setup ## Print the offline plan of every stack
	@for stack in $$($(PY) -c 'from infra import offline; print(*offline.stacks())'); do $(PY) -m infra.plan --stack $$stack; done

dev: plans ## Run the whole stack locally (for now: the offline plan of every stack)

clean: ## Remove build output and caches
	rm -rf .build .pytest_cache .mypy_cache .ruff_cache frontend/dist
