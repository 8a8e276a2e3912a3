"""Models: training jobs, the registry (models/registry.json), evaluation and activation.

- One job (training or evaluation) at a time, across processes: an exclusive `flock` on
  models/.job.lock; a second request while one runs is refused with 409 job_running.
- A training job runs `rasa train` in .venv-rasa (niced) with the log streamed to
  models/jobs/<id>.log, then evaluates the new model and registers both. A failed training
  registers nothing and leaves the active model serving.
- Activation asks the running Rasa server to load the model: `PUT /webhooks/gateway/model`
  (rasa_extensions/model_swap.py: loads in a worker thread, conversations keep being answered),
  else Rasa's own `PUT /model` (which blocks Rasa's event loop while loading). Both build the
  new agent first and swap `app.ctx.agent` only when it loaded and is ready; on failure they
  answer 4xx/5xx and keep serving the old one, so we record models/ACTIVE only after a 204
  and a /status that names the new file.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import re
import shutil
import subprocess
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from bot.admin import yamlio
from bot.admin.audit import Actor
from bot.admin.data import TrainingData
from bot.admin.errors import AdminError
from bot.admin.settings import PROJECT_ROOT, AdminSettings

logger = logging.getLogger("bot.admin.models")
MODEL_NAME = re.compile(r"^[A-Za-z0-9._-]+\.tar\.gz$")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _component_count(config: Path) -> int:
    """Pipeline components + policies: what Rasa logs 'Finished training' or 'Restored' for."""
    try:
        data = yamlio.load(config) or {}
    except AdminError:
        return 0
    return len(data.get("pipeline") or []) + len(data.get("policies") or [])


class Registry:
    """models/registry.json: every registered model with who trained it, when, the data
    fingerprint and its evaluation; plus the activation history. models/ACTIVE names the active one."""

    def __init__(self, models_dir: Path) -> None:
        self.dir = models_dir
        self.path = models_dir / "registry.json"
        self._lock = threading.Lock()

    def read(self) -> dict[str, Any]:
        if not self.path.exists():
            return {"models": [], "activations": []}
        return json.loads(self.path.read_text(encoding="utf-8"))

    def update(self, change) -> dict[str, Any]:
        with self._lock:
            data = self.read()
            change(data)
            yamlio.write_atomic(self.path, json.dumps(data, indent=2, ensure_ascii=False))
            return data

    def get(self, name: str) -> dict[str, Any] | None:
        return next((m for m in self.read()["models"] if m["name"] == name), None)

    def put(self, entry: dict[str, Any]) -> None:
        def change(data: dict[str, Any]) -> None:
            data["models"] = [m for m in data["models"] if m["name"] != entry["name"]] + [entry]

        self.update(change)

    @property
    def active(self) -> str | None:
        path = self.dir / "ACTIVE"
        return path.read_text(encoding="utf-8").strip() or None if path.exists() else None

    def set_active(self, name: str, actor: Actor) -> None:
        yamlio.write_atomic(self.dir / "ACTIVE", name + "\n")
        self.update(lambda d: d["activations"].append({"model": name, "by": {"id": actor.id, "name": actor.name},
                                                        "at": now()}))


class ModelService:
    def __init__(self, settings: AdminSettings, data: TrainingData, auditor: Any,
                 rasa_url: str, rasa_token: str) -> None:
        self.settings, self.data, self.auditor = settings, data, auditor
        self.rasa_url, self.rasa_token = rasa_url.rstrip("/"), rasa_token
        self.dir = settings.models_dir
        self.registry = Registry(self.dir)
        self.jobs_dir = self.dir / "jobs"
        self._threads: dict[str, threading.Thread] = {}

    # --- jobs ----------------------------------------------------------------------
    def _acquire(self) -> Any:
        self.dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.dir / ".job.lock", "a+")  # noqa: SIM115 - released by the job thread
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            running = self.running_job()
            raise AdminError(409, "job_running", "A training or evaluation is already running; wait for it to finish.",
                             job=running) from None
        return handle

    def _save_job(self, job: dict[str, Any]) -> None:
        yamlio.write_atomic(self.jobs_dir / f"{job['id']}.json", json.dumps(job, indent=2))

    def job(self, job_id: str, log_offset: int = 0) -> dict[str, Any]:
        if not re.fullmatch(r"[a-f0-9]{12}", job_id) or not (self.jobs_dir / f"{job_id}.json").exists():
            raise AdminError(404, "job_not_found", f"there is no job {job_id!r}")
        job = self._mark_interrupted(json.loads((self.jobs_dir / f"{job_id}.json").read_text(encoding="utf-8")))
        log_path = self.jobs_dir / f"{job_id}.log"
        log = ""
        if log_path.exists():
            with open(log_path, "rb") as handle:
                handle.seek(max(0, log_offset))
                raw = handle.read(200_000)
            log, log_offset = raw.decode(errors="replace"), max(0, log_offset) + len(raw)
        return {**job, "log": log, "next_offset": log_offset}

    def jobs(self, limit: int = 20) -> list[dict[str, Any]]:
        if not self.jobs_dir.exists():
            return []
        paths = sorted(self.jobs_dir.glob("*.json"), key=lambda p: p.stat().st_mtime, reverse=True)[:limit]
        return [self._mark_interrupted(json.loads(p.read_text(encoding="utf-8"))) for p in paths]

    def running_job(self) -> dict[str, Any] | None:
        return next((j for j in self.jobs(5) if j["status"] == "running"), None)

    def _lock_free(self) -> bool:
        path = self.dir / ".job.lock"
        if not path.exists():
            return True
        with open(path, "a+") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            fcntl.flock(handle, fcntl.LOCK_UN)
            return True

    def _mark_interrupted(self, job: dict[str, Any]) -> dict[str, Any]:
        """A job file says running but no process holds the lock: its gateway or CLI died."""
        if job["status"] == "running" and self._lock_free():
            job = json.loads((self.jobs_dir / f"{job['id']}.json").read_text(encoding="utf-8"))
            if job["status"] == "running":
                job.update(status="failed", stage="failed", finished_at=now(),
                           error="interrupted: the process running this job stopped; the active model keeps serving")
                self._save_job(job)
        return job

    def _new_job(self, kind: str, actor: Actor, **extra: Any) -> dict[str, Any]:
        job = {"id": uuid.uuid4().hex[:12], "kind": kind, "status": "running", "started_at": now(),
               "finished_at": None, "by": {"id": actor.id, "name": actor.name}, "progress": 0.0,
               "stage": "starting", "error": None, "model": None, **extra}
        self._save_job(job)
        return job

    def _run(self, job: dict[str, Any], command: list[str], log, total_components: int = 0) -> int:
        """Runs one Rasa command, appending its output to the job log and updating progress."""
        env = {**os.environ, "PYTHONUNBUFFERED": "1", "RASA_TELEMETRY_ENABLED": "false"}
        full = ["nice", "-n", str(self.settings.nice), *command] if self.settings.nice else command
        log.write(f"$ {' '.join(command)}\n")
        log.flush()
        process = subprocess.Popen(full, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True)
        deadline = time.monotonic() + self.settings.train_timeout_s
        finished = 0
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            log.flush()
            # Rasa reuses unchanged components from its training cache (.rasa/cache): "Restored component"
            if total_components and ("Finished training component" in line or "Restored component" in line):
                finished += 1
                job["progress"] = round(min(0.95, finished / total_components), 3)
                self._save_job(job)
            if time.monotonic() > deadline:
                os.killpg(process.pid, 9)
                log.write(f"\n[admin] stopped after {self.settings.train_timeout_s}s (ADMIN_TRAIN_TIMEOUT_S)\n")
                break
        return process.wait()

    def _finish(self, job: dict[str, Any], status: str, error: str | None = None) -> None:
        job.update(status=status, error=error, finished_at=now(), stage=status)
        if status == "succeeded":
            job["progress"] = 1.0
        self._save_job(job)

    def start_training(self, actor: Actor, wait: bool = False) -> dict[str, Any]:
        handle = self._acquire()
        try:
            fingerprint = self.data.fingerprint()
            stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
            job = self._new_job("train", actor, fingerprint=fingerprint)
            name = f"{stamp}-{job['id'][:6]}.tar.gz"
            job["model"] = name
            self._save_job(job)
        except BaseException:
            handle.close()
            raise
        return self._run_in_background(job, lambda: self._train(job, actor, handle), wait)

    def _run_in_background(self, job: dict[str, Any], work, wait: bool) -> dict[str, Any]:
        """Runs a job's work in a thread; `wait` (the CLI) blocks until it is done."""
        thread = threading.Thread(target=work, daemon=True, name=f"{job['kind']}-{job['id']}")
        self._threads[job["id"]] = thread
        thread.start()
        if wait:
            thread.join()
            return self.job(job["id"])
        return job

    def _train(self, job: dict[str, Any], actor: Actor, handle) -> None:
        s = self.settings
        started = time.monotonic()
        try:
            with open(self.jobs_dir / f"{job['id']}.log", "a", encoding="utf-8") as log:
                data_paths = [str(s.data_dir / f) for f in ("nlu", "stories", "rules") if (s.data_dir / f).exists()]
                job["stage"] = "training"
                self._save_job(job)
                code = self._run(job, [str(s.rasa_bin), "train", "--data", *data_paths, "--config", str(s.config),
                                       "--domain", str(s.domain), "--out", str(self.dir),
                                       "--fixed-model-name", job["model"].removesuffix(".tar.gz")],
                                 log, _component_count(s.config))
                model_path = self.dir / job["model"]
                if code != 0 or not model_path.exists():
                    tail = self._log_tail(job["id"])
                    self._finish(job, "failed",
                                 f"rasa train exited with {code}; the active model keeps serving.\n{tail}")
                    return
                duration = round(time.monotonic() - started, 1)
                entry = {"name": job["model"], "trained_by": job["by"], "trained_at": job["started_at"],
                         "training_s": duration, "fingerprint": job["fingerprint"], "job": job["id"],
                         "size_bytes": model_path.stat().st_size, "config": self._label(s.config),
                         "data_dir": self._label(s.data_dir), "evaluation": None}
                self.registry.put(entry)
                job.update(stage="evaluating", progress=0.95, training_s=duration)
                self._save_job(job)
                entry["evaluation"] = self._evaluate(job, job["model"], log)
                self.registry.put(entry)
            self._finish(job, "succeeded")
        except Exception as exc:  # never leave a job "running" forever
            logger.exception("training job %s failed", job["id"])
            self._finish(job, "failed", f"{type(exc).__name__}: {exc}")
        finally:
            handle.close()

    @staticmethod
    def _label(path: Path) -> str:
        try:
            return path.relative_to(PROJECT_ROOT).as_posix()
        except ValueError:
            return str(path)

    def _log_tail(self, job_id: str, lines: int = 25) -> str:
        path = self.jobs_dir / f"{job_id}.log"
        text = path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    # --- evaluation ------------------------------------------------------------------
    def start_evaluation(self, actor: Actor, name: str, wait: bool = False) -> dict[str, Any]:
        self._model_path(name)
        handle = self._acquire()
        job = self._new_job("evaluate", actor, model=name)

        def run() -> None:
            try:
                with open(self.jobs_dir / f"{job['id']}.log", "a", encoding="utf-8") as log:
                    job["stage"] = "evaluating"
                    self._save_job(job)
                    evaluation = self._evaluate(job, name, log)
                entry = self.registry.get(name) or self._external_entry(name)
                entry["evaluation"] = evaluation
                self.registry.put(entry)
                self._finish(job, "succeeded" if evaluation.get("nlu") or evaluation.get("core") else "failed",
                             None if evaluation.get("nlu") or evaluation.get("core") else evaluation.get("error"))
            except Exception as exc:
                logger.exception("evaluation job %s failed", job["id"])
                self._finish(job, "failed", f"{type(exc).__name__}: {exc}")
            finally:
                handle.close()

        return self._run_in_background(job, run, wait)

    def _external_entry(self, name: str) -> dict[str, Any]:
        """A model trained outside the workbench (scripts/train.sh) gets a registry entry on first use."""
        path = self._model_path(name)
        return {"name": name, "trained_by": None, "trained_at": datetime.fromtimestamp(path.stat().st_mtime, UTC)
                .isoformat(timespec="seconds"), "training_s": None, "fingerprint": None, "job": None,
                "size_bytes": path.stat().st_size, "config": None, "data_dir": None, "evaluation": None}

    def _evaluate(self, job: dict[str, Any], name: str, log) -> dict[str, Any]:
        """`rasa test nlu` on the held-out set and `rasa test core` on the test stories."""
        s, model = self.settings, str(self._model_path(name))
        out = self.dir / "evaluations" / name.removesuffix(".tar.gz")
        shutil.rmtree(out, ignore_errors=True)
        result: dict[str, Any] = {"evaluated_at": now(), "nlu": None, "core": None, "error": None}
        nlu_tests, story_tests = s.tests_dir / "nlu", s.tests_dir / "stories"
        errors = []
        if nlu_tests.exists() and any(nlu_tests.glob("*.yml")):
            code = self._run(job, [str(s.rasa_bin), "test", "nlu", "--model", model, "--nlu", str(nlu_tests),
                                   "--out", str(out / "nlu")], log)
            if code == 0 and (out / "nlu" / "intent_report.json").exists():
                result["nlu"] = self._nlu_summary(out / "nlu")
            else:
                errors.append(f"rasa test nlu exited with {code}")
        if story_tests.exists() and any(story_tests.glob("*.yml")):
            code = self._run(job, [str(s.rasa_bin), "test", "core", "--model", model, "--stories", str(story_tests),
                                   "--out", str(out / "core")], log)
            if code == 0:
                result["core"] = self._core_summary(out / "core")
            else:
                errors.append(f"rasa test core exited with {code}")
        if not nlu_tests.exists() and not story_tests.exists():
            errors.append(f"no test data under {self._label(s.tests_dir)} (nlu/*.yml, stories/*.yml)")
        result["error"] = "; ".join(errors) or None
        return result

    @staticmethod
    def _nlu_summary(folder: Path) -> dict[str, Any]:
        report = json.loads((folder / "intent_report.json").read_text(encoding="utf-8"))
        intents = {name: {"precision": round(v["precision"], 4), "recall": round(v["recall"], 4),
                          "f1": round(v["f1-score"], 4), "support": v["support"],
                          "confused_with": v.get("confused_with", {})}
                   for name, v in report.items() if isinstance(v, dict) and "support" in v
                   and name not in ("micro avg", "macro avg", "weighted avg")}
        macro = report.get("macro avg", {})
        weighted = report.get("weighted avg", {})
        summary = {"accuracy": round(report.get("accuracy", report.get("micro avg", {}).get("f1-score", 0.0)), 4),
                   "macro_f1": round(macro.get("f1-score", 0.0), 4),
                   "weighted_f1": round(weighted.get("f1-score", 0.0), 4),
                   "intents": intents,
                   "confusion_matrix": (folder / "intent_confusion_matrix.png").exists()}
        entities = {}
        for path in folder.glob("*Extractor_report.json"):
            rep = json.loads(path.read_text(encoding="utf-8"))
            entities[path.name.removesuffix("_report.json")] = round(rep.get("macro avg", {}).get("f1-score", 0.0), 4)
        summary["entity_macro_f1"] = entities
        return summary

    @staticmethod
    def _core_summary(folder: Path) -> dict[str, Any]:
        report_path = folder / "story_report.json"
        summary: dict[str, Any] = {}
        if report_path.exists():
            report = json.loads(report_path.read_text(encoding="utf-8"))
            summary["accuracy"] = round(report.get("accuracy", 0.0), 4)
            summary["macro_f1"] = round(report.get("macro avg", {}).get("f1-score", 0.0), 4)
        failed = folder / "failed_test_stories.yml"
        text = failed.read_text(encoding="utf-8") if failed.exists() else ""
        summary["failed_stories"] = text.count("- story:")
        return summary

    def evaluation_file(self, name: str, kind: str) -> Path:
        files = {"nlu_confusion": "nlu/intent_confusion_matrix.png", "nlu_histogram": "nlu/intent_histogram.png",
                 "core_confusion": "core/story_confusion_matrix.png"}
        if kind not in files:
            raise AdminError(404, "not_found", f"no evaluation file {kind!r}")
        self._model_path(name)
        path = self.dir / "evaluations" / name.removesuffix(".tar.gz") / files[kind]
        if not path.exists():
            raise AdminError(404, "not_found", f"model {name} has no {kind} image (not evaluated yet?)")
        return path

    # --- models and activation -------------------------------------------------------------
    def _model_path(self, name: str) -> Path:
        if not MODEL_NAME.fullmatch(name) or not (self.dir / name).is_file():
            raise AdminError(404, "model_not_found", f"there is no model {name!r} in {self._label(self.dir)}")
        return self.dir / name

    def rasa_status(self) -> dict[str, Any] | None:
        try:
            answer = httpx.get(f"{self.rasa_url}/status", params={"token": self.rasa_token}, timeout=5)
            return answer.json() if answer.status_code == 200 else None
        except (httpx.HTTPError, ValueError):
            return None

    def active_name(self) -> str | None:
        """models/ACTIVE, else the file the running Rasa says it serves."""
        if self.registry.active:
            return self.registry.active
        status = self.rasa_status()
        return Path(status["model_file"]).name if status and status.get("model_file") else None

    def models(self) -> dict[str, Any]:
        data = self.registry.read()
        registered = {m["name"]: m for m in data["models"]}
        for path in self.dir.glob("*.tar.gz"):
            if path.name not in registered:
                registered[path.name] = self._external_entry(path.name)
        active = self.active_name()
        items = sorted(registered.values(), key=lambda m: m["trained_at"] or "", reverse=True)
        for item in items:
            item["active"] = item["name"] == active
            item["present"] = (self.dir / item["name"]).exists()
        serving = self.rasa_status()
        return {"models": items, "active": active, "activations": data["activations"][-20:],
                "rasa": {"reachable": serving is not None,
                         "model_file": Path(serving["model_file"]).name if serving else None},
                "running_job": self.running_job()}

    def compare(self, candidate: str) -> dict[str, Any]:
        entry = self.registry.get(candidate) or self._external_entry(candidate)
        active = self.active_name()
        active_entry = (self.registry.get(active) or self._external_entry(active)) if active and \
            (self.dir / active).exists() else None
        return {"candidate": entry, "active": active_entry}

    def activate(self, actor: Actor, name: str) -> dict[str, Any]:
        path = self._model_path(name)
        previous = self.active_name()
        started = time.monotonic()
        body = {"model_file": str(path.resolve())}
        try:
            # Our channel's swap loads the model in a worker thread (rasa_extensions/model_swap.py);
            # Rasa's own PUT /model blocks its event loop while loading, so it is only the fallback.
            method = "gateway_channel"
            answer = httpx.put(f"{self.rasa_url}/webhooks/gateway/model", json=body, timeout=300,
                               headers={"Authorization": f"Bearer {self.rasa_token}"})
            if answer.status_code in (404, 405):
                method = "rasa_put_model"
                answer = httpx.put(f"{self.rasa_url}/model", params={"token": self.rasa_token}, json=body, timeout=300)
        except httpx.HTTPError as exc:
            raise AdminError(503, "rasa_unavailable", f"The Rasa server is unreachable ({exc}); nothing changed.") \
                from None
        if answer.status_code != 204:
            try:
                message = answer.json().get("message", answer.text)
            except ValueError:
                message = answer.text
            raise AdminError(502, "model_load_failed",
                             f"Rasa could not load {name}; it keeps serving {previous or 'the previous model'}. "
                             f"Rasa said: {message[:500]}", model=name, active=previous)
        status = self.rasa_status()
        if not status or Path(status.get("model_file", "")).name != name:
            raise AdminError(502, "model_load_failed", f"Rasa did not report {name} as loaded after the swap.",
                             model=name, active=previous)
        seconds = round(time.monotonic() - started, 2)
        self.registry.set_active(name, actor)
        if not self.registry.get(name):
            self.registry.put(self._external_entry(name))
        audit_warning = None
        try:
            self.auditor.record(actor, "model.activated", name, {"model": previous}, {"model": name},
                                entity_type="model")
        except AdminError as exc:  # the swap already happened: report, do not undo it
            audit_warning = exc.message
        return {"active": name, "previous": previous, "load_s": seconds, "method": method,
                "audit_warning": audit_warning}

