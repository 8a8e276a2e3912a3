"""Helpers shared by the benchmarks (NLU: banking77.py, assistant_nlu.py; percentile for all); Rasa's environment."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def prepare_rasa(work: Path) -> None:
    """Quiet, cache-free Rasa in this process; call before importing Rasa modules that train."""
    import logging

    # A private, disabled training cache: every run really trains (no cached components).
    os.environ["RASA_CACHE_DIRECTORY"] = str(work / "cache")
    os.environ["RASA_MAX_CACHE_SIZE"] = "0"
    os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # custom components (rasa_extensions.*) as Rasa finds them from the repo root
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    # Rasa logs every parsed message at debug level by default here; that would be
    # measured as latency. The Rasa server logs at LOG_LEVEL=INFO, which skips them too.
    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)


def pipeline_only_config(config: Path, out: Path) -> None:
    """The config's recipe, language and pipeline (policies are irrelevant to NLU)."""
    import ruamel.yaml  # ships with Rasa

    yaml = ruamel.yaml.YAML(typ="safe")
    loaded = yaml.load(config.read_text())
    kept = {k: loaded[k] for k in ("recipe", "language", "pipeline", "assistant_id") if k in loaded}
    with out.open("w") as handle:
        yaml.dump(kept, handle)


def train_nlu_timed(config: Path, data: Path, out: Path) -> tuple[str, float, float, float]:
    """(model path, wall seconds, CPU seconds of this process, load average before)."""
    from rasa.model_training import train_nlu

    out.mkdir(parents=True, exist_ok=True)
    pipeline_only_config(config, out / "config.yml")
    load = os.getloadavg()[0]
    start, cpu_start = time.perf_counter(), time.process_time()
    model_path = train_nlu(str(out / "config.yml"), str(data), str(out))
    if not model_path:
        sys.exit("training failed (see the log above)")
    return model_path, time.perf_counter() - start, time.process_time() - cpu_start, load


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def macro_f1(gold: list[str], predicted: list[str | None]) -> float:
    """Unweighted mean of per-intent F1 over the intents of the gold labels."""
    scores = []
    for label in sorted(set(gold)):
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p == label)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != label and p == label)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == label and p != label)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)
