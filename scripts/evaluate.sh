#!/usr/bin/env bash
# `make evaluate`: how well the assistant understands and converses, in one command.
#   1. NLU held-out report per language (benchmarks/assistant_nlu.py: trains the NLU pipeline
#      of config.yml on data/nlu, parses tests/rasa/nlu/<lang>.yml): intent accuracy and
#      macro-F1, entity precision/recall/F1.
#   2. Dialogue: the test stories (tests/rasa/stories) against the trained model in models/
#      (trained first when data or configs changed), failing on any wrong prediction.
# Reports go to test-artifacts/evaluation/ (EVALUATION_DIR); the exit status is non-zero when
# a story fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/load_env.sh
export PYTHONUNBUFFERED=1 RASA_TELEMETRY_ENABLED=false
out="${EVALUATION_DIR:-test-artifacts/evaluation}"
mkdir -p "$out"
step() { printf '\n\033[1;34m[evaluate]\033[0m %s\n' "$*"; }

step "NLU held-out sets per language -> $out/nlu.txt, $out/nlu.json"
.venv-rasa/bin/python benchmarks/assistant_nlu.py --json "$out/nlu.json" 2>"$out/nlu.log" | tee "$out/nlu.txt"

step "model for the test stories"
scripts/train.sh >"$out/train.log" 2>&1 || { echo "training failed (see $out/train.log)"; exit 1; }

step "test stories -> $out/core/"
status=0
.venv-rasa/bin/rasa test core --stories tests/rasa/stories --model models --out "$out/core" \
  --fail-on-prediction-errors >"$out/core.log" 2>&1 || status=$?
python3 - "$out/core" <<'PY'
import json, sys, pathlib
folder = pathlib.Path(sys.argv[1])
report = folder / "story_report.json"
if report.exists():
    data = json.loads(report.read_text())
    conversation = data.get("conversation_accuracy", {})
    print(f"stories: {conversation.get('correct', '?')}/{conversation.get('total', '?')} fully correct "
          f"(conversation accuracy {conversation.get('accuracy', 0):.3f}); "
          f"action-level macro F1 {data.get('macro avg', {}).get('f1-score', 0):.3f}")
failed = folder / "failed_test_stories.yml"
if failed.exists() and "story:" in failed.read_text():
    print(f"failed stories: {failed}")
PY
[[ $status -eq 0 ]] || { echo "test stories failed (see $out/core.log)"; exit $status; }
step "done: reports in $out"
