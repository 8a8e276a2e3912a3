"""Per-message latency of the assistant, full stack next to Rasa alone, in one run.

Starts the real services (tests/support/stack.py: CRM with demo data, action server, Rasa,
gateway) and plays the same scripted conversation (greeting, order status with verification
against the CRM, a knowledge question, thanks) as 1 and as 20 concurrent customers:

- full stack: POST {gateway}/webhooks/rest/webhook (gateway -> Rasa -> actions -> CRM, every
  reply rendered by the gateway's NLG);
- Rasa alone: POST {rasa}/webhooks/gateway/webhook with RASA_TOKEN (same model, same actions
  and CRM; Rasa still calls the NLG endpoint for the response texts).

Each target plays each load twice in A-B-B-A order (pooled), so neither pays alone for the
other's background work. Prints p50/p95/mean per message for each, and the ratio full stack /
Rasa alone, and the throughput (messages/s over each phase) and its ratio. Unless
--model is given it first trains the full assistant (rasa train, as scripts/train.sh does)
and reports the training time.

    nice -n 10 .venv/bin/python benchmarks/assistant_latency.py [--model models/x.tar.gz] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from nlu_common import percentile  # noqa: E402

from crm_backend.demo import scenarios  # noqa: E402
from tests.support.stack import RASA_PYTHON, Stack, http_json, newest_model  # noqa: E402

CUSTOMERS = [scenarios.EN, scenarios.ES, scenarios.DE, scenarios.FR]


def script(index: int) -> list[str]:
    customer = CUSTOMERS[index % len(CUSTOMERS)]
    return ["hello", f"where is my order {customer.order('shipped').number}", customer.email,
            "how long does delivery take?", "thanks, bye"]


def train(out: Path) -> tuple[Path, float]:
    """Trains from scratch: an empty training cache, so no component is restored from an
    earlier run (.rasa/cache would otherwise make this look several times faster)."""
    env = {**os.environ, "RASA_CACHE_DIRECTORY": str(out / "cache"), "RASA_TELEMETRY_ENABLED": "false"}
    started = time.perf_counter()
    subprocess.run([str(RASA_PYTHON), "-m", "rasa", "train", "--out", str(out), "--data", "data/nlu", "data/stories",
                    "data/rules", "--config", "config.yml", "--domain", "domain.yml"], cwd=ROOT, check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return newest_model(out), time.perf_counter() - started


def play(url: str, headers: dict, customers: int, rounds: int) -> tuple[list[float], int, float]:
    """Each customer plays the script `rounds` times, message after message; all customers
    at once. Returns the per-message latencies (s), how many replies were empty or errors,
    and the wall-clock seconds of the whole phase (for throughput)."""
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def customer(index: int) -> None:
        nonlocal failures
        for _ in range(rounds):
            sender = f"bench-{uuid.uuid4().hex[:10]}"
            for text in script(index):
                started = time.perf_counter()
                status, reply = http_json("POST", url, {"sender": sender, "message": text}, headers, timeout=60)
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if status != 200 or not reply:
                        failures += 1

    phase_started = time.perf_counter()
    with ThreadPoolExecutor(customers) as pool:
        list(pool.map(customer, range(customers)))
    return latencies, failures, time.perf_counter() - phase_started


def summary(latencies: list[float], wall_s: float) -> dict:
    return {"messages": len(latencies), "messages_per_s": round(len(latencies) / wall_s, 2),
            "p50_ms": round(1000 * statistics.median(latencies), 1),
            "p95_ms": round(1000 * percentile(latencies, 95), 1),
            "mean_ms": round(1000 * statistics.fmean(latencies), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="a trained model (default: train the assistant now)")
    parser.add_argument("--rounds-single", type=int, default=4, help="script repetitions of the lone customer")
    parser.add_argument("--rounds-concurrent", type=int, default=1, help="script repetitions per concurrent customer")
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    results: dict = {"load_average_before": round(os.getloadavg()[0], 2)}
    print(f"load average before: {results['load_average_before']} on {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="assistant-latency-") as tmp:
        if args.model is None:
            model, seconds = train(Path(tmp) / "models")
            results["training_s"] = round(seconds, 1)
            print(f"training the full assistant from scratch (rasa train, all four languages): {seconds:.1f} s")
        else:
            model = args.model
        stack = Stack(Path(tmp) / "stack", model=model, extra_env={"KB_CONVERSATIONS": "false"})
        with stack:
            targets = {
                "full stack (gateway)": (stack.url("gateway") + "/webhooks/rest/webhook", {}),
                "Rasa alone": (stack.url("rasa") + "/webhooks/gateway/webhook",
                               {"Authorization": "Bearer " + stack.env["RASA_TOKEN"]}),
            }
            for url, headers in targets.values():  # warm-up: models loaded, connections open
                play(url, headers, 1, 1)
            names = list(targets)
            for customers, rounds in ((1, args.rounds_single), (args.concurrency, args.rounds_concurrent)):
                # A-B-B-A: each target runs once early and once late, so background work left by
                # the other (the gateway's CRM writes, a growing tracker store) weighs on both.
                pooled: dict[str, tuple[list[float], int, float]] = {name: ([], 0, 0.0) for name in names}
                for name in names + names[::-1]:
                    url, headers = targets[name]
                    time.sleep(3)  # let the previous phase's background work settle
                    latencies, failures, wall_s = play(url, headers, customers, rounds)
                    done = pooled[name]
                    pooled[name] = (done[0] + latencies, done[1] + failures, done[2] + wall_s)
                for name, (latencies, failures, wall_s) in pooled.items():
                    results[f"{name} x{customers}"] = {**summary(latencies, wall_s), "failures": failures}
    print(f"\n{'target':<32}{'messages':>9}{'msg/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'failed':>8}")
    for name, figures in results.items():
        if isinstance(figures, dict) and "messages" in figures:
            print(f"{name:<32}{figures['messages']:>9}{figures['messages_per_s']:>8}{figures['p50_ms']:>9}"
                  f"{figures['p95_ms']:>9}{figures['mean_ms']:>9}{figures['failures']:>8}")
    for customers in (1, args.concurrency):
        full, alone = results[f"full stack (gateway) x{customers}"], results[f"Rasa alone x{customers}"]
        ratio = {"p50": round(full["p50_ms"] / alone["p50_ms"], 2), "p95": round(full["p95_ms"] / alone["p95_ms"], 2),
                 "throughput": round(full["messages_per_s"] / alone["messages_per_s"], 2)}
        results[f"ratio x{customers}"] = ratio
        # Targets (issue 4): p50 at most 1.5x Rasa alone, throughput at least 0.8x.
        print(f"full stack / Rasa alone, {customers} concurrent: p50 x{ratio['p50']}, p95 x{ratio['p95']}, "
              f"throughput x{ratio['throughput']}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
