#!/usr/bin/env bash
# Trains the assistant into models/ unless the newest model there already matches
# data/, config.yml and domain.yml (Rasa's fingerprint, checked with --dry-run).
#   scripts/train.sh           train only when something changed
#   scripts/train.sh --force   always train
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/load_env.sh
# Only these folders are training data; data/translations and data/knowledge_base are not.
args=(--out models --data data/nlu data/stories data/rules --config config.yml --domain domain.yml)
if [[ "${1:-}" != "--force" ]] && .venv-rasa/bin/rasa train --dry-run "${args[@]}" >/dev/null 2>&1; then
  printf '\033[1;34m[train]\033[0m models/ already holds a model for the current data and configs\n'
  exit 0
fi
[[ "${1:-}" == "--force" ]] && shift
exec .venv-rasa/bin/rasa train "${args[@]}" "$@"
