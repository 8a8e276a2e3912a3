"""Banking77 intent benchmark for the assistant's Rasa NLU pipeline.

Converts Banking77 (77 banking intents, 10,003 training / 3,080 test messages) to Rasa
NLU YAML in a temporary folder, trains the pipeline of the repository's config.yml (or
--config) on it in-process, classifies every test message through Rasa's own parsing
path (Agent.parse_message), and prints accuracy, macro-F1, training time and per-message
parse latency next to the published figures (Casanueva et al. 2020):
BERT-large fine-tuned 93.66 %, USE+ConveRT 93.36 %.

Run it in Rasa's environment, at low priority (the machine's cores are shared):

    nice -n 10 .venv-rasa/bin/python benchmarks/banking77.py
    nice -n 10 .venv-rasa/bin/python benchmarks/banking77.py --limit-per-intent 20   # quick check
    nice -n 10 .venv-rasa/bin/python benchmarks/banking77.py --split validation      # tune without test
    nice -n 10 .venv-rasa/bin/python benchmarks/banking77.py --config other.yml --json out.json

Data: --data, else $BANKING77_DIR, else ../shared/benchmarks/banking77 next to the
repository, else /work/shared/benchmarks/banking77. It is read in place, never copied
into the repository.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nlu_common import ROOT, macro_f1, percentile, prepare_rasa, train_nlu_timed  # noqa: E402

DATA_CANDIDATES = [ROOT.parent / "shared" / "benchmarks" / "banking77", Path("/work/shared/benchmarks/banking77")]
PUBLISHED = [("BERT-large, fine-tuned (Casanueva et al. 2020)", 0.9366),
             ("USE+ConveRT, dual encoders (Casanueva et al. 2020)", 0.9336)]
# Rasa reads `[text](entity)` / `[text]{...}` inside examples as entity annotations.
ANNOTATION = re.compile(r"\[[^\]]*\][({]")


def find_data_dir(explicit: str | None) -> Path:
    candidates = [Path(explicit)] if explicit else []
    if os.environ.get("BANKING77_DIR"):
        candidates.append(Path(os.environ["BANKING77_DIR"]))
    candidates += DATA_CANDIDATES
    for candidate in candidates:
        if (candidate / "train.csv").is_file() and (candidate / "test.csv").is_file():
            return candidate
    sys.exit("Banking77 not found; looked in: " + ", ".join(str(c) for c in candidates)
             + ". Pass --data DIR or set BANKING77_DIR.")


def read_csv(path: Path) -> list[tuple[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["text"].strip(), row["category"].strip()) for row in csv.DictReader(handle)]


def split_train(rows: list[tuple[str, str]], split: str, limit: int | None,
                seed: int) -> tuple[list[tuple[str, str]], list[tuple[str, str]] | None]:
    """(training rows, held-out rows or None for the official test set)."""
    rng = random.Random(seed)
    by_intent: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        by_intent[row[1]].append(row)
    train, held_out = [], []
    for intent in sorted(by_intent):
        examples = by_intent[intent][:]
        rng.shuffle(examples)
        if split == "validation":  # 10 % of each intent, carved from train.csv only
            cut = max(1, len(examples) // 10)
            held_out += examples[:cut]
            examples = examples[cut:]
        train += examples[:limit] if limit else examples
    return train, (held_out if split == "validation" else None)


def write_nlu_yaml(rows: list[tuple[str, str]], path: Path) -> int:
    """Rasa 3 NLU YAML; returns how many examples were dropped for looking like annotations."""
    by_intent: dict[str, list[str]] = defaultdict(list)
    dropped = 0
    for text, intent in rows:
        text = " ".join(text.split())
        if not text or ANNOTATION.search(text):
            dropped += 1
            continue
        by_intent[intent].append(text)
    lines = ['version: "3.1"', "nlu:"]
    for intent in sorted(by_intent):
        lines += [f"- intent: {intent}", "  examples: |"]
        lines += [f"    - {text}" for text in by_intent[intent]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dropped


def fallback_threshold(config: Path) -> float | None:
    import ruamel.yaml

    for component in ruamel.yaml.YAML(typ="safe").load(config.read_text()).get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3))
    return None


async def evaluate(model_path: str, rows: list[tuple[str, str]]) -> dict:
    from rasa.core.agent import Agent

    agent = Agent.load(model_path)
    await agent.parse_message("warm up")  # first call builds lazy state; not a customer's latency
    latencies, cpu_times, gold, predicted, confidences = [], [], [], [], []
    for text, intent in rows:
        start, cpu_start = time.perf_counter(), time.process_time()
        parsed = await agent.parse_message(text)
        latencies.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        # The classifier's own best guess: FallbackClassifier may have put nlu_fallback on top.
        ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
        best = ranking[0] if ranking else {"name": None, "confidence": 0.0}
        gold.append(intent)
        predicted.append(best["name"])
        confidences.append(float(best["confidence"]))
    return {"gold": gold, "predicted": predicted, "confidences": confidences, "latencies": latencies,
            "cpu_times": cpu_times}


def calibration(correct: list[bool], confidences: list[float], bins: int = 10) -> float:
    """Expected calibration error: |accuracy - confidence| averaged over confidence bins."""
    total, error = len(correct), 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidences) if low < c <= high or (b == 0 and c == 0)]
        if members:
            accuracy = sum(correct[i] for i in members) / len(members)
            mean_conf = sum(confidences[i] for i in members) / len(members)
            error += len(members) / total * abs(accuracy - mean_conf)
    return error


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--data", help="folder with train.csv and test.csv")
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml", help="Rasa config (its pipeline)")
    parser.add_argument("--limit-per-intent", type=int, default=None, help="train on at most N examples per intent")
    parser.add_argument("--split", choices=["test", "validation"], default="test",
                        help="evaluate on test.csv, or on 10%% of train.csv held out (for tuning)")
    parser.add_argument("--eval-limit", type=int, default=None, help="evaluate on the first N held-out rows only")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (data, model)")
    args = parser.parse_args()

    data_dir = find_data_dir(args.data)
    config = args.config.resolve()
    work = Path(tempfile.mkdtemp(prefix="banking77-"))
    train_rows, held_out = split_train(read_csv(data_dir / "train.csv"), args.split, args.limit_per_intent, args.seed)
    eval_rows = held_out if held_out is not None else read_csv(data_dir / "test.csv")
    if args.eval_limit:
        eval_rows = random.Random(args.seed).sample(eval_rows, min(args.eval_limit, len(eval_rows)))
    dropped = write_nlu_yaml(train_rows, work / "nlu.yml")
    prepare_rasa(work)

    print(f"Banking77 from {data_dir}: training on {len(train_rows) - dropped} examples "
          f"({len({r[1] for r in train_rows})} intents), evaluating on {len(eval_rows)} {args.split} examples; "
          f"config {config}", flush=True)
    model_path, train_seconds, train_cpu_seconds, load_before = train_nlu_timed(config, work / "nlu.yml",
                                                                                work / "models")
    result = asyncio.run(evaluate(model_path, eval_rows))
    load_after = os.getloadavg()[0]
    gold, predicted = result["gold"], result["predicted"]
    correct = [g == p for g, p in zip(gold, predicted, strict=True)]
    accuracy = sum(correct) / len(correct)
    paired = list(zip(result["confidences"], correct, strict=True))
    threshold = fallback_threshold(config)
    latencies_ms = [1000 * s for s in result["latencies"]]
    figures = {
        "config": str(config), "split": args.split, "train_examples": len(train_rows) - dropped,
        "eval_examples": len(eval_rows), "limit_per_intent": args.limit_per_intent,
        "accuracy": accuracy, "macro_f1": macro_f1(gold, predicted), "train_seconds": train_seconds,
        "train_cpu_seconds": train_cpu_seconds, "load_average_before": load_before, "load_average_after": load_after,
        "parse_ms_p50": statistics.median(latencies_ms), "parse_ms_p95": percentile(latencies_ms, 95),
        "parse_cpu_ms_p50": 1000 * statistics.median(result["cpu_times"]),
        "parse_cpu_ms_p95": 1000 * percentile(result["cpu_times"], 95),
        "ece": calibration(correct, result["confidences"]),
        "mean_confidence_correct": statistics.mean([c for c, ok in paired if ok] or [0]),
        "mean_confidence_wrong": statistics.mean([c for c, ok in paired if not ok] or [0]),
        "cpu_count": os.cpu_count(),
    }
    if threshold is not None:
        below = [c < threshold for c in result["confidences"]]
        kept = [ok for ok, b in zip(correct, below, strict=True) if not b]
        figures.update({
            "fallback_threshold": threshold,
            "fallback_rate": sum(below) / len(below),
            "errors_caught_by_fallback": (sum(1 for ok, b in zip(correct, below, strict=True) if b and not ok)
                                          / max(1, correct.count(False))),
            "accuracy_when_not_falling_back": sum(kept) / max(1, len(kept)),
        })

    print()
    print(f"{'Banking77 ' + args.split + ' accuracy':<52} {'accuracy':>9} {'macro-F1':>9}")
    print(f"{'this pipeline (' + config.name + ')':<52} {accuracy:>9.2%} {figures['macro_f1']:>9.2%}")
    for name, published in PUBLISHED:
        print(f"{name:<52} {published:>9.2%} {'':>9}")
    print()
    print(f"training time          {train_seconds:.1f} s wall, {train_cpu_seconds:.1f} s CPU, on "
          f"{os.cpu_count()} cores ({figures['train_examples']} examples, in-process, no cache)")
    print(f"machine load average   {load_before:.1f} before training, {load_after:.1f} after evaluation "
          f"(other work on the machine slows wall-clock figures)")
    print(f"parse latency          p50 {figures['parse_ms_p50']:.1f} ms, p95 {figures['parse_ms_p95']:.1f} ms "
          f"(Agent.parse_message, in-process, one message at a time); CPU time per parse p50 "
          f"{figures['parse_cpu_ms_p50']:.1f} ms, p95 {figures['parse_cpu_ms_p95']:.1f} ms")
    print(f"confidence             mean {figures['mean_confidence_correct']:.2f} when right, "
          f"{figures['mean_confidence_wrong']:.2f} when wrong; calibration error (ECE) {figures['ece']:.3f}")
    if threshold is not None:
        print(f"fallback at {threshold:<10} {figures['fallback_rate']:.1%} of messages; catches "
              f"{figures['errors_caught_by_fallback']:.0%} of the errors; accuracy on the rest "
              f"{figures['accuracy_when_not_falling_back']:.2%}")
    confusions = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p).most_common(5)
    print("most frequent confusions (gold -> predicted): "
          + "; ".join(f"{g} -> {p} ({n})" for (g, p), n in confusions))
    if dropped:
        print(f"note: {dropped} training examples dropped (text looked like a Rasa entity annotation)")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    if args.keep:
        print(f"kept {work}")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
