"""Held-out NLU figures of the assistant's own data, per language.

Snapshots the training data and held-out test files into a temporary folder, trains the
NLU pipeline of config.yml once on all languages together (as scripts/train.sh does),
then parses every held-out example through Rasa (Agent.parse_message) and prints per test
file: intent accuracy and macro-F1, entity precision/recall/F1 (a predicted entity counts
when type, start and end all match the annotation; all extractors together, duplicates of
one span counted once), how often the normalised value (synonyms) is right, and the
training time. Targets (issue 4): intent macro-F1 >= 0.93 and entity F1 >= 0.90 for
English, intent accuracy >= 0.90 for es, de and fr.

    nice -n 10 .venv-rasa/bin/python benchmarks/assistant_nlu.py                 # this repository
    nice -n 10 .venv-rasa/bin/python benchmarks/assistant_nlu.py \\
        --train ../assistant/data/nlu ../data-es/data/nlu/es --test ../assistant/tests/rasa/nlu/en.yml ...

Defaults: --train data/nlu, --test tests/rasa/nlu/*.yml of this repository.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nlu_common import ROOT, macro_f1, percentile, prepare_rasa, train_nlu_timed  # noqa: E402


def snapshot(sources: list[Path], target: Path) -> None:
    """Copies files and folders (YAML only) so that the evaluation sees one fixed state."""
    for index, source in enumerate(sources):
        destination = target / f"{index}_{source.name}"
        if source.is_dir():
            shutil.copytree(source, destination, ignore=lambda d, names: [
                n for n in names if not (Path(d, n).is_dir() or n.endswith((".yml", ".yaml")))])
        else:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, destination)


def entity_key(entity: dict) -> tuple:
    return entity["entity"], entity["start"], entity["end"]


async def evaluate(agent, path: Path) -> dict:
    from rasa.shared.nlu.training_data.loading import load_data

    examples = [m for m in load_data(str(path)).training_examples if m.get("text") and m.get("intent")]
    gold_intents, predicted_intents, latencies, cpu_times, confidences = [], [], [], [], []
    tp = fp = fn = 0
    value_right = value_total = 0
    per_type: dict[str, Counter] = defaultdict(Counter)
    fell_back = 0
    mistakes = []
    for message in examples:
        start, cpu_start = time.perf_counter(), time.process_time()
        parsed = await agent.parse_message(message.get("text"))
        latencies.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
        ranking = [r for r in parsed.get("intent_ranking") or [] if r["name"] != "nlu_fallback"]
        gold_intents.append(message.get("intent"))
        predicted_intents.append(ranking[0]["name"] if ranking else None)
        confidences.append(ranking[0]["confidence"] if ranking else 0.0)
        fell_back += (parsed.get("intent") or {}).get("name") == "nlu_fallback"

        gold = {entity_key(e): e for e in message.get("entities") or []}
        predicted = {}
        for entity in parsed.get("entities") or []:
            predicted.setdefault(entity_key(entity), entity)
        for key, entity in gold.items():
            if key in predicted:
                tp += 1
                per_type[key[0]]["tp"] += 1
                value_total += 1
                value_right += str(predicted[key].get("value")) == str(entity.get("value"))
            else:
                fn += 1
                per_type[key[0]]["fn"] += 1
        for key in predicted.keys() - gold.keys():
            fp += 1
            per_type[key[0]]["fp"] += 1
        text = message.get("text")
        if gold.keys() != predicted.keys() or message.get("intent") != predicted_intents[-1]:
            mistakes.append({
                "text": text, "intent": message.get("intent"), "predicted_intent": predicted_intents[-1],
                "confidence": round(confidences[-1], 3),
                "missed": [f"{k[0]}:{text[k[1]:k[2]]}" for k in gold.keys() - predicted.keys()],
                "spurious": [f"{k[0]}:{text[k[1]:k[2]]}" for k in predicted.keys() - gold.keys()],
            })

    def f1(counts: Counter) -> float:
        return 2 * counts["tp"] / max(1, 2 * counts["tp"] + counts["fp"] + counts["fn"])

    correct = [g == p for g, p in zip(gold_intents, predicted_intents, strict=True)]
    wrong = Counter((g, p) for g, p in zip(gold_intents, predicted_intents, strict=True) if g != p)
    return {
        "examples": len(examples),
        "intent_accuracy": sum(correct) / max(1, len(correct)),
        "intent_macro_f1": macro_f1(gold_intents, predicted_intents),
        "fallback_rate": fell_back / max(1, len(examples)),
        "entity_precision": tp / max(1, tp + fp),
        "entity_recall": tp / max(1, tp + fn),
        "entity_f1": f1(Counter(tp=tp, fp=fp, fn=fn)),
        "entity_value_accuracy": value_right / max(1, value_total),
        "entity_f1_by_type": {name: round(f1(c), 4) for name, c in sorted(per_type.items())},
        "entity_counts_by_type": {name: dict(c) for name, c in sorted(per_type.items())},
        "parse_ms_p50": 1000 * statistics.median(latencies),
        "parse_ms_p95": 1000 * percentile(latencies, 95),
        "parse_cpu_ms_p50": 1000 * statistics.median(cpu_times),
        "top_confusions": [f"{g} -> {p} ({n})" for (g, p), n in wrong.most_common(6)],
        "mistakes": mistakes,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--config", type=Path, default=ROOT / "config.yml")
    parser.add_argument("--train", type=Path, nargs="+", default=[ROOT / "data" / "nlu"])
    parser.add_argument("--test", type=Path, nargs="+", default=sorted((ROOT / "tests" / "rasa" / "nlu").glob("*.yml")))
    parser.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = parser.parse_args()
    if not args.test:
        sys.exit("no held-out test files (tests/rasa/nlu/*.yml); pass --test")

    work = Path(tempfile.mkdtemp(prefix="assistant-nlu-"))
    try:
        snapshot([p.resolve() for p in args.train], work / "train")
        snapshot([p.resolve() for p in args.test], work / "test")
        prepare_rasa(work)
        from rasa.core.agent import Agent
        from rasa.shared.nlu.training_data.loading import load_data

        train_examples = len(load_data(str(work / "train")).intent_examples)
        print(f"training on {train_examples} examples from {', '.join(str(p) for p in args.train)}; "
              f"config {args.config}", flush=True)
        model_path, wall, cpu, load = train_nlu_timed(args.config.resolve(), work / "train", work / "models")
        agent = Agent.load(model_path)
        asyncio.run(agent.parse_message("warm up"))
        results = {"config": str(args.config), "train_examples": train_examples, "train_seconds": wall,
                   "train_cpu_seconds": cpu, "load_average_before_training": load, "files": {}}
        for index, test_file in enumerate(args.test):
            results["files"][test_file.stem] = asyncio.run(evaluate(agent, work / "test" / f"{index}_{test_file.name}"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print(f"\ntraining: {wall:.0f} s wall, {cpu:.0f} s CPU on {os.cpu_count()} cores, {train_examples} examples "
          f"(load average {load:.1f} before)\n")
    print(f"{'test file':<10} {'n':>5} {'intent acc':>10} {'macro-F1':>9} {'fallback':>9} {'ent P':>6} {'ent R':>6} "
          f"{'ent F1':>7} {'value':>6} {'p50 ms':>7} {'p95 ms':>7} {'CPU ms':>7}")
    for name, r in results["files"].items():
        print(f"{name:<10} {r['examples']:>5} {r['intent_accuracy']:>10.3f} {r['intent_macro_f1']:>9.3f} "
              f"{r['fallback_rate']:>9.1%} {r['entity_precision']:>6.3f} {r['entity_recall']:>6.3f} "
              f"{r['entity_f1']:>7.3f} {r['entity_value_accuracy']:>6.3f} {r['parse_ms_p50']:>7.1f} "
              f"{r['parse_ms_p95']:>7.1f} {r['parse_cpu_ms_p50']:>7.1f}")
    for name, r in results["files"].items():
        print(f"\n{name}: entity F1 by type {r['entity_f1_by_type']}")
        print(f"{name}: most frequent intent confusions (gold -> predicted): {'; '.join(r['top_confusions'])}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
