# The two commands of the README, and the pieces they are made of.
# Each target installs what it needs: a fresh clone needs only python3 (>= 3.11), node and npm.

PYTHON ?= python3
# Set-up steps that do not depend on each other (the venv, node_modules) run side by side.
MAKEFLAGS += --jobs=2
VENV := .venv
BIN := $(VENV)/bin
CODEGEN := $(BIN)/finalpos-codegen
PYTEST := $(BIN)/python -m pytest

.PHONY: generate test contract check drift update bench venv node clean

generate: venv ## Generate generated/ from the vendored spec (no network).
	$(CODEGEN) generate

test: venv node ## Every test: generator, fetch, golden, generated package, contract tests on Prism.
	$(CODEGEN) check
	$(BIN)/ruff check generator tests bench
	$(BIN)/ruff format --check generator tests bench
	$(PYTEST) -n auto --dist worksteal  # one worker per core (pytest-xdist)

contract: venv node ## Only the generated contract tests, against a local Prism.
	$(PYTEST) tests/test_contract.py

check: venv ## Exit 1 if generated/ differs from a fresh generation.
	$(CODEGEN) check

drift: venv ## Fetch the live description, report API and code drift; fails when the fetch fails.
	cp spec/finalpos-openapi.yaml .drift-previous.yaml
	@if ! $(CODEGEN) fetch 2> .drift-fetch.log; then \
		cat .drift-fetch.log >&2; \
		echo "**Drift check failed: the live API description could not be fetched.** $$(tail -n 1 .drift-fetch.log)" > drift-report.md; \
		cat drift-report.md; rm -f .drift-previous.yaml .drift-fetch.log; exit 3; \
	fi
	cat .drift-fetch.log >&2; rm -f .drift-fetch.log
	$(CODEGEN) diff .drift-previous.yaml spec/finalpos-openapi.yaml --format markdown --fail-on never > drift-report.md
	$(CODEGEN) changelog .drift-previous.yaml spec/finalpos-openapi.yaml >> drift-report.md
	cat drift-report.md
	rm .drift-previous.yaml
	$(CODEGEN) check

update: venv ## One API release: fetch, vendor, diff, changelog, version bump, regenerate (ARGS="--file X").
	$(CODEGEN) update $(ARGS)

bench: venv ## Benchmarks (scripts that print figures, not tests).
	$(BIN)/python bench/run.py

venv: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.8  # uv installs the rest in seconds, not a minute
	$(BIN)/python -m uv pip install --quiet --compile-bytecode --python $(BIN)/python -e '.[dev]'
	touch $@

node: node_modules/.installed
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
