"""Fixtures for the custom actions. They run against a REAL CRM (uvicorn on a free port, its own
SQLite file and the fixed demo data, started by tests/support/stack.py) and, for the gateway's
internal API, a small local HTTP stand-in of its contract (docs/INTERFACES.md "Action server ->
gateway"); the real gateway path is covered by tests/e2e.

    .venv-rasa/bin/python -m pytest tests/actions
"""

from __future__ import annotations

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from tests.support.stack import ROOT, Stack, fresh_workdir

ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def crm_stack():
    stack = Stack(fresh_workdir(ARTIFACTS, "actions-crm"), model=Path("unused"))
    try:
        stack.start("crm", timeout=120)
        yield stack
    finally:
        stack.stop()


@pytest.fixture(autouse=True)
def crm_env(crm_stack, monkeypatch):
    monkeypatch.setenv("CRM_URL", crm_stack.url("crm"))
    monkeypatch.setenv("CRM_ACTIONS_TOKEN", crm_stack.env["CRM_ACTIONS_TOKEN"])
    monkeypatch.setenv("ACTIONS_CRM_TIMEOUT_S", "5")
    monkeypatch.setenv("ACTIONS_CRM_RETRIES", "1")
    return crm_stack


@pytest.fixture(scope="session")
def domain() -> dict:
    return yaml.safe_load((ROOT / "domain.yml").read_text())


class GatewayStandIn:
    """Answers POST /internal/handoff and /internal/knowledge/search like the gateway's
    contract says; records what it was asked. `handoff_answer`/`knowledge_answer` set the
    reply, `status` an error status."""

    def __init__(self) -> None:
        self.token = "stand-in-" + uuid.uuid4().hex
        self.calls: list[tuple[str, dict, str]] = []
        self.handoff_answer: dict = {"outcome": "queued", "queue_position": 2}
        self.knowledge_answer: dict = {"matches": [], "threshold": 0.43}
        self.status = 200
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                stand_in.calls.append((self.path, body, self.headers.get("Authorization", "")))
                if self.headers.get("Authorization") != f"Bearer {stand_in.token}":
                    status, answer = 401, {"detail": "bad token"}
                elif stand_in.status != 200:
                    status, answer = stand_in.status, {"detail": {"code": "knowledge_unavailable"}}
                elif self.path == "/internal/handoff":
                    status, answer = 200, stand_in.handoff_answer
                elif self.path == "/internal/knowledge/search":
                    status, answer = 200, stand_in.knowledge_answer
                else:
                    status, answer = 404, {"detail": "not found"}
                raw = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def gateway(monkeypatch):
    stand_in = GatewayStandIn()
    monkeypatch.setenv("GATEWAY_URL", stand_in.url)
    monkeypatch.setenv("GATEWAY_SERVICE_TOKEN", stand_in.token)
    yield stand_in
    stand_in.server.shutdown()


def make_tracker(slots: dict | None = None, *, intent: str = "inform", text: str = "", entities: list | None = None,
                 set_now: dict | None = None, active_loop: str | None = None, events: list | None = None,
                 metadata: dict | None = None, intent_ranking: list | None = None,
                 sender_id: str | None = None) -> Tracker:
    """A tracker as Rasa sends it: `slots` already held, `set_now` the slot candidates the
    latest message produced (what a form validates)."""
    values = dict(slots or {})
    values.update(set_now or {})
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
               "metadata": metadata or {}, "message_id": uuid.uuid4().hex,
               "intent_ranking": intent_ranking or [{"name": intent, "confidence": 0.9}]}
    history = list(events or [])
    history.append({"event": "user", "text": text, "parse_data": message, "metadata": metadata or {}})
    history += [{"event": "slot", "name": name, "value": value} for name, value in (set_now or {}).items()]
    return Tracker(sender_id or "test-" + uuid.uuid4().hex[:12], values, message, history, False, None,
                   {"name": active_loop} if active_loop else {}, None)


def responses(dispatcher: CollectingDispatcher) -> list[str]:
    return [message.get("response") for message in dispatcher.messages]


def slot_events(events: list) -> dict:
    return {event["name"]: event["value"] for event in events if event.get("event") == "slot"}
