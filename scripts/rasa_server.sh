#!/usr/bin/env bash
# Starts the Rasa server on the active model: models/ACTIVE names it when an admin
# has activated one; otherwise Rasa takes the newest model in models/.
set -euo pipefail
cd "$(dirname "$0")/.."
model=models
if [[ -f models/ACTIVE && -f "models/$(cat models/ACTIVE)" ]]; then
  model="models/$(cat models/ACTIVE)"
fi
# --auth-token=...: a URL-safe token may start with "-", which argparse would read as an option.
exec .venv-rasa/bin/rasa run --enable-api --auth-token="$RASA_TOKEN" \
  --interface "$BIND_HOST" --port "$RASA_PORT" --model "$model" \
  --endpoints endpoints.yml --credentials credentials.yml "$@"
