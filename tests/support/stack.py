"""Starts the real services as subprocesses, each on a free port, for tests and
benchmarks: CRM (uvicorn), action server, Rasa server and gateway.

Every stack gets its own secrets, SQLite files and logs under `workdir`, so it
never touches the developer's .env or var/. Standard library only: it is imported
from both Python environments.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP_PYTHON = ROOT / ".venv" / "bin" / "python"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
SERVICES = ("crm", "actions", "rasa", "gateway")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def newest_model(models_dir: Path = ROOT / "models") -> Path:
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise FileNotFoundError(f"no trained model in {models_dir}: run scripts/train.sh (make test does)")
    return models[-1]


def http_get(url: str, timeout: float = 2.0) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def http_json(method: str, url: str, body: object | None = None, headers: dict | None = None,
              timeout: float = 30.0) -> tuple[int, object]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        try:
            return exc.code, json.loads(raw)
        except ValueError:
            return exc.code, raw.decode(errors="replace")


@dataclass
class Stack:
    workdir: Path
    model: Path = field(default_factory=newest_model)
    extra_env: dict[str, str] = field(default_factory=dict)
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        (self.workdir / "logs").mkdir(exist_ok=True)
        self.ports = {name: free_port() for name in SERVICES}
        self.env = self._environment()

    # --- configuration ---------------------------------------------------------
    def _environment(self) -> dict[str, str]:
        p = self.ports
        tokens = {name: secrets.token_urlsafe(24) for name in (
            "CRM_GATEWAY_TOKEN", "CRM_ACTIONS_TOKEN", "RASA_TOKEN", "ACTION_SERVER_TOKEN",
            "GATEWAY_SERVICE_TOKEN", "JWT_SECRET", "CUSTOMER_TOKEN_SECRET", "SHOP_SIGNING_SECRET",
            "DEMO_ADMIN_PASSWORD", "DEMO_AGENT_PASSWORD")}
        env = {
            key: value for key, value in os.environ.items()
            if key in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYENV_ROOT", "SSL_CERT_FILE")
        }
        env.update(tokens)
        env.update({
            "BIND_HOST": "127.0.0.1",
            "GATEWAY_PORT": str(p["gateway"]), "CRM_PORT": str(p["crm"]),
            "RASA_PORT": str(p["rasa"]), "ACTIONS_PORT": str(p["actions"]),
            "GATEWAY_URL": f"http://127.0.0.1:{p['gateway']}",
            "CRM_URL": f"http://127.0.0.1:{p['crm']}",
            "RASA_URL": f"http://127.0.0.1:{p['rasa']}",
            "ACTION_SERVER_URL": f"http://127.0.0.1:{p['actions']}/webhook",
            "NLG_URL": f"http://127.0.0.1:{p['gateway']}/nlg",
            "DATABASE_URL": f"sqlite:///{self.workdir}/crm.db",
            "TRACKER_STORE_URL": f"sqlite:///{self.workdir}/rasa_tracker.db",
            "TRACKER_STORE_DIALECT": "sqlite",
            "LOCK_STORE_TYPE": "in_memory", "REDIS_HOST": "127.0.0.1", "REDIS_PORT": "6379",
            "EVENT_BROKER_TYPE": "sql", "EVENT_BROKER_URL": f"sqlite:///{self.workdir}/rasa_events.db",
            "EVENT_BROKER_USERNAME": "guest", "EVENT_BROKER_PASSWORD": "guest",
            "REDIS_URL": "", "SEED_DEMO_DATA": "true", "LANGUAGES": "en,es,de,fr",
            "LOG_LEVEL": "INFO", "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2",
            "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", "VAR_DIR": str(self.workdir),
        })
        env.update(self.extra_env)
        return env

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def commands(self) -> dict[str, list[str]]:
        p = self.ports
        return {
            "crm": [str(APP_PYTHON), "-m", "uvicorn", "crm_backend.main:app", "--host", "127.0.0.1",
                    "--port", str(p["crm"]), "--no-access-log"],
            "actions": [str(RASA_PYTHON), "-m", "actions.server"],
            "rasa": [str(RASA_PYTHON), "-m", "rasa", "run", "--enable-api",
                     # "=": a URL-safe token may start with "-", which argparse would take for an option
                     f"--auth-token={self.env['RASA_TOKEN']}",
                     "--interface", "127.0.0.1", "--port", str(p["rasa"]), "--model", str(self.model),
                     "--endpoints", "endpoints.yml", "--credentials", "credentials.yml"],
            "gateway": [str(APP_PYTHON), "-m", "uvicorn", "bot.main:app", "--host", "127.0.0.1",
                        "--port", str(p["gateway"]), "--no-access-log"],
        }

    def health_url(self, service: str) -> str:
        return {"crm": "/health", "actions": "/health", "rasa": "/", "gateway": "/health"}[service]

    # --- lifecycle -------------------------------------------------------------
    def prepare_database(self) -> None:
        subprocess.run([str(APP_PYTHON), "-m", "crm_backend.manage", "init"], cwd=ROOT, env=self.env,
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self, *services: str, timeout: float = 240.0) -> Stack:
        wanted = services or SERVICES
        if "crm" in wanted and not Path(self.env["DATABASE_URL"].removeprefix("sqlite:///")).exists():
            self.prepare_database()
        for name in wanted:
            self.start_service(name)
        for name in wanted:
            self.wait_healthy(name, timeout)
        return self

    def start_service(self, name: str) -> None:
        log = open(self.workdir / "logs" / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            self.commands()[name], cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait_healthy(self, name: str, timeout: float = 240.0) -> None:
        deadline = time.monotonic() + timeout
        url = self.url(name) + self.health_url(name)
        while time.monotonic() < deadline:
            process = self.processes.get(name)
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"{name} exited with {process.returncode}; log:\n{self.log_tail(name)}")
            if http_get(url) == 200:
                return
            time.sleep(0.3)
        raise TimeoutError(f"{name} not healthy after {timeout}s; log:\n{self.log_tail(name)}")

    def stop_service(self, name: str, sig: int = signal.SIGTERM) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def stop(self) -> None:
        for name in list(self.processes):
            self.stop_service(name)

    def log_tail(self, name: str, lines: int = 60) -> str:
        path = self.workdir / "logs" / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def fresh_workdir(base: Path, name: str) -> Path:
    path = base / name
    shutil.rmtree(path, ignore_errors=True)
    return path
