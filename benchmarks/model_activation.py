"""Closing figures of the admin workbench (issue 7):

1. time to activate a model on the running Rasa server (the workbench's own activation code:
   the gateway channel's non-blocking swap, then /status; --rasa-put: Rasa's own `PUT /model`
   for comparison), and how customers' requests fare meanwhile (a client keeps
   asking /model/parse: answered, failed, slowest answer), next to the alternative of
   restarting Rasa (its cold start, during which nothing is answered);
2. with --train: training time of the assistant through the workbench's training job
   (`rasa train` in .venv-rasa, niced, then `rasa test` on the held-out data).

    .venv/bin/python benchmarks/model_activation.py --model models/A.tar.gz --model models/B.tar.gz
    .venv/bin/python benchmarks/model_activation.py --train   # trains the assistant (minutes)

Training goes to a temporary models folder unless --models-dir is given, so the registry of
models/ is not touched. ADMIN_DATA_DIR / ADMIN_CONFIG / ADMIN_DOMAIN pick other data.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.admin.__main__ import load_dotenv  # noqa: E402
from tests.support.stack import Stack, newest_model  # noqa: E402


@dataclass
class Benchmarker:
    id: int = 0
    name: str = "benchmark"
    token: str = ""


class NoAudit:
    """The benchmark changes no training data; activations are not worth an audit entry here."""

    def record(self, *args, **kwargs) -> None:
        return None


def model_service(models_dir: Path, rasa_url: str, rasa_token: str):
    from bot.admin.data import TrainingData
    from bot.admin.models import ModelService
    from bot.admin.settings import get_admin_settings

    settings = get_admin_settings().model_copy(update={"models_dir": models_dir})
    data = TrainingData(settings, NoAudit())
    return ModelService(settings, data, NoAudit(), rasa_url, rasa_token)


def train(models_dir: Path) -> None:
    service = model_service(models_dir, "http://127.0.0.1:9", "unused")
    print(f"training the assistant: data {service.settings.data_dir}, config {service.settings.config}")
    started = time.monotonic()
    job = service.start_training(Benchmarker(), wait=True)
    total = time.monotonic() - started
    if job["status"] != "succeeded":
        print(f"training failed: {job['error']}")
        raise SystemExit(1)
    entry = service.registry.get(job["model"])
    nlu = (entry["evaluation"] or {}).get("nlu") or {}
    print(f"model {job['model']} ({entry['size_bytes'] / 1e6:.1f} MB)")
    print(f"training (rasa train, wall clock, nice {service.settings.nice}): {entry['training_s']:.1f} s")
    print(f"training + evaluation job: {total:.1f} s")
    if nlu:
        print(f"held-out intent accuracy {nlu['accuracy']:.3f}, macro F1 {nlu['macro_f1']:.3f}")


def activation(sources: list[Path], rounds: int, rasa_put: bool = False) -> None:
    # Copies in a scratch folder: the benchmark's activations never touch models/ACTIVE or the registry.
    scratch = Path(tempfile.mkdtemp(prefix="activation-bench-"))
    models = []
    for number, source in enumerate(sources):
        models.append(scratch / "models" / f"{number}-{source.name}")
        models[-1].parent.mkdir(exist_ok=True)
        models[-1].write_bytes(source.read_bytes())
    rasa = Stack(scratch / "stack", model=models[0])
    started = time.monotonic()
    rasa.start("rasa")
    cold_start = time.monotonic() - started
    url, token = rasa.url("rasa"), rasa.env["RASA_TOKEN"]
    service = model_service(models[0].parent, url, token)
    try:
        latencies, failures, stop = [], [], threading.Event()

        def ask() -> None:
            with httpx.Client(timeout=120) as client:
                while not stop.is_set():
                    t0 = time.monotonic()
                    try:
                        answer = client.post(f"{url}/model/parse", params={"token": token}, json={"text": "hello"})
                        (latencies if answer.status_code == 200 else failures).append(time.monotonic() - t0)
                    except httpx.HTTPError:
                        failures.append(time.monotonic() - t0)
                    time.sleep(0.05)

        # steady state first: how fast /model/parse answers without an activation
        asker = threading.Thread(target=ask, daemon=True)
        asker.start()
        time.sleep(5)
        steady = list(latencies)
        latencies.clear()
        times = []
        for number in range(rounds):
            target = models[(number + 1) % len(models)]
            t0 = time.monotonic()
            if rasa_put:  # Rasa's own PUT /model, for comparison
                answer = httpx.put(f"{url}/model", params={"token": token}, json={"model_file": str(target)},
                                   timeout=300)
                assert answer.status_code == 204, answer.text
                method = "rasa_put_model"
            else:
                result = service.activate(Benchmarker(), target.name)
                assert result["active"] == target.name
                method = result["method"]
            times.append(time.monotonic() - t0)
            time.sleep(2)
        stop.set()
        asker.join()
        print(f"Rasa cold start (the downtime of a restart instead): {cold_start:.1f} s")
        print(f"activation via {method} (until Rasa serves the new model), {rounds} rounds: "
              f"median {statistics.median(times):.2f} s, max {max(times):.2f} s")
        print(f"/model/parse without activation: median {1000 * statistics.median(steady):.0f} ms, "
              f"max {1000 * max(steady):.0f} ms ({len(steady)} requests)")
        print(f"/model/parse during activations: {len(latencies)} answered, {len(failures)} failed, "
              f"median {1000 * statistics.median(latencies):.0f} ms, slowest {1000 * max(latencies):.0f} ms")
    finally:
        rasa.stop()


def main() -> None:
    load_dotenv()
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", action="append", type=Path, help="model files to alternate (default: newest)")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--rasa-put", action="store_true", help="activate with Rasa's own PUT /model instead")
    parser.add_argument("--train", action="store_true", help="measure training of the assistant instead")
    parser.add_argument("--models-dir", type=Path, help="where --train writes (default: a temporary folder)")
    args = parser.parse_args()
    if args.train:
        train(args.models_dir or Path(tempfile.mkdtemp(prefix="train-bench-")))
        return
    models = [m.resolve() for m in (args.model or [newest_model()])]
    if len(models) == 1:  # the same model twice under two names: Rasa still loads it afresh each time
        models.append(models[0])
    activation(models, args.rounds, args.rasa_put)


if __name__ == "__main__":
    main()
