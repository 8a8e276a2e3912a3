#!/usr/bin/env bash
# `make run`: set up what is missing, then start every service under honcho.
# Logs are prefixed by service; Ctrl-C stops them all.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/load_env.sh
# -e /dev/null: the environment is already loaded above, with the shell winning over .env
exec .venv/bin/honcho -e /dev/null start
