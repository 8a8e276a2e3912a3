"""Clients for the gateway's two live ends, shared by tests and benchmarks: the widget's side
of Rasa's socket.io contract (python-socketio client, polling) and an agent console's WebSocket."""

from __future__ import annotations

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import socketio
from websockets.sync.client import connect as ws_connect

from tests.support.fake_rasa import FakeRasa
from tests.support.stack import ROOT, Stack, free_port, fresh_workdir, http_json

ARTIFACTS = ROOT / "test-artifacts"


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


class Customer:
    """The widget's side of Rasa's socket.io contract (python-socketio client, polling)."""

    def __init__(self, url: str, session_id: str | None = None, enriched: bool = True) -> None:
        self.url = url
        self.enriched = enriched
        self.received: list[dict] = []
        self.typing: list[bool] = []
        self.confirmed: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("bot_uttered", lambda data: self.received.append(data))
        self.client.on("typing", lambda data: self.typing.append(data["on"]))
        self.client.on("session_confirm", lambda data: self.confirmed.put(data["session_id"]))
        self.session_id = session_id

    def connect(self) -> Customer:
        self.client.connect(self.url, transports=["polling"], socketio_path="socket.io", wait_timeout=10)
        self.client.emit("session_request", {"session_id": self.session_id,
                                             "client": "support-widget" if self.enriched else None})
        self.session_id = self.confirmed.get(timeout=10)
        return self

    def say(self, text: str, **metadata: Any) -> dict:
        return self.client.call("user_uttered", {"message": text, "session_id": self.session_id,
                                                 "metadata": metadata}, timeout=15)

    def texts(self) -> list[str]:
        return [m["text"] for m in self.received]

    def wait_text(self, fragment: str, timeout: float = 15) -> dict:
        return wait_for(lambda: next((m for m in self.received if fragment in m["text"]), None), timeout,
                        f"a message containing {fragment!r}; got {self.texts()}")

    def close(self) -> None:
        # A polling client's disconnect waits out the pending long-poll (up to 25 s): don't block on it.
        threading.Thread(target=self.client.disconnect, daemon=True).start()


class Console:
    """An agent console's live WebSocket, read in a thread."""

    def __init__(self, url: str, token: str) -> None:
        self.events: list[dict] = []
        self.ws = ws_connect(url.replace("http", "ws", 1) + "/console/ws",
                             additional_headers={"Authorization": f"Bearer {token}"})
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        wait_for(lambda: any(e["type"] == "hello" for e in self.events), 10, "console hello")

    def _read(self) -> None:
        with contextlib.suppress(Exception):  # closed at the end of the test
            for raw in self.ws:
                self.events.append(json.loads(raw))

    def wait_message(self, fragment: str, timeout: float = 15) -> dict:
        return wait_for(lambda: next((e["message"] for e in self.events if e["type"] == "message"
                                      and fragment in (e["message"].get("text") or "")), None), timeout,
                        f"console message {fragment!r}")

    def close(self) -> None:
        self.ws.close()


class GatewayStack(Stack):
    """The CRM and one or more gateways; `gateway2` is a second gateway process."""

    def __init__(self, workdir: Path, rasa: FakeRasa, extra_env: dict[str, str] | None = None) -> None:
        super().__init__(workdir, model=Path("/nonexistent"), extra_env={
            # The shared test machine can be slow: tests check translations, not the time budget.
            "KB_ENABLED": "false", "TRANSLATION_PRELOAD": "false", "TRANSLATION_TIMEOUT_S": "20",
            **(extra_env or {})})
        self.rasa = rasa
        self.ports["gateway2"] = free_port()
        self.env["RASA_URL"] = rasa.url
        self.env["RASA_TOKEN"] = rasa.token
        self.env["GATEWAY_SERVICE_TOKEN"] = rasa.service_token
        rasa.gateway_url = self.url("gateway")

    def commands(self) -> dict[str, list[str]]:
        commands = super().commands()
        commands["gateway2"] = [*commands["gateway"][:-5], "--host", "127.0.0.1", "--port", str(self.ports["gateway2"]),
                                "--no-access-log"]
        return commands

    def health_url(self, service: str) -> str:
        return "/health" if service == "gateway2" else super().health_url(service)

    def login(self, email: str = "agent@example.com") -> str:
        status, body = http_json("POST", self.url("crm") + "/api/v1/auth/login",
                                 {"email": email, "password": self.env["DEMO_AGENT_PASSWORD"]})
        assert status == 200, body
        return body["access_token"]


def make_stack(name: str, extra_env: dict[str, str] | None = None):
    rasa = FakeRasa("fake-rasa-token-0123456789", "fake-gateway-service-token-0123").start()
    running = GatewayStack(fresh_workdir(ARTIFACTS, name), rasa, extra_env)
    return rasa, running


@contextlib.contextmanager
def crm_and_gateway(name: str):
    """A real CRM and gateway (Rasa is the recording stand-in), stopped on exit."""
    rasa, running = make_stack(name)
    try:
        running.start("crm", "gateway")
        yield running
    finally:
        running.stop()
        rasa.stop()
