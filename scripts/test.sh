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

mkdir -p test-artifacts

step "lint (ruff)"
.venv/bin/ruff check .

step "Rasa data validation"
.venv-rasa/bin/rasa data validate --data data/nlu data/stories data/rules --domain domain.yml --config config.yml

step "test stories (rasa test core on the trained model; every prediction must be right)"
.venv-rasa/bin/rasa test core --stories tests/rasa/stories --model models --out test-artifacts/test-stories \
  --fail-on-prediction-errors >test-artifacts/test-stories.log 2>&1 \
  || { tail -40 test-artifacts/test-stories.log; echo "failed stories: test-artifacts/test-stories/failed_test_stories.yml"; exit 1; }
grep -h "Correct:" test-artifacts/test-stories.log | head -1 || true

step "action server tests (Python 3.10 environment)"
.venv-rasa/bin/python -m pytest tests/actions "$@"

step "Rasa NLU components (Python 3.10 environment)"
.venv-rasa/bin/python -m pytest tests/rasa_extensions "$@"

step "everything else (Python 3.11 environment)"
.venv/bin/python -m pytest tests --ignore=tests/actions --ignore=tests/rasa_extensions "$@"
