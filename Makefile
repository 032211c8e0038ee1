# MonLycéePro — the two commands of the README, and their parts.
#   make run    serve the national catalogue at http://localhost:8080
#   make test   every check: fmt, clippy, unit and integration tests on
#               SQLite and PostgreSQL, browser tests in Chromium
# Each installs what it needs when missing (npm packages, PostgreSQL,
# Chromium). CI (.ci/run) calls `make test`.

SHELL := /bin/bash
CARGO ?= cargo

.PHONY: run test setup front lint unit bench clean-test-db

front:
	@scripts/ensure-front.sh

setup: front
	@scripts/ensure-test-tools.sh

run: front
	$(CARGO) run --release -- serve

lint: front
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

# MLP_DATA_REFRESH=0: no `serve` started by a test downloads the reference
# data again behind its back (docs/operations.md).
test: setup lint
	MLP_DATA_REFRESH=0 MLP_TEST_POSTGRES_URL="$$(scripts/ensure-postgres.sh)" $(CARGO) test --workspace --all-targets --no-fail-fast
	$(CARGO) test --workspace --doc

bench: front
	bench/run.sh
