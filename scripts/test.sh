#!/usr/bin/env bash
# `make test` and CI: set up (including test-only tools), train the assistant once
# (skipped when models/ already matches data and configs), then run every test.
# The trained model is shared by all tests of the run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --test
source scripts/load_env.sh
export PYTHONUNBUFFERED=1 RASA_TELEMETRY_ENABLED=false

step() { printf '\n\033[1;34m[test]\033[0m %s\n' "$*"; }

step "lint (ruff)"
.venv/bin/ruff check .

step "Rasa data validation"
.venv-rasa/bin/rasa data validate --data data/nlu data/stories data/rules --domain domain.yml --config config.yml

step "action server tests (Python 3.10 environment)"
.venv-rasa/bin/python -m pytest tests/actions "$@"

step "Rasa NLU components (Python 3.10 environment)"
.venv-rasa/bin/python -m pytest tests/rasa_extensions "$@"

step "everything else (Python 3.11 environment)"
.venv/bin/python -m pytest tests --ignore=tests/actions --ignore=tests/rasa_extensions "$@"
