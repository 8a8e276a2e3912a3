"""A stand-in for the Rasa server, for gateway tests that run before a model is trained.

It speaks the gateway's side of the contract (POST /webhooks/gateway/webhook with the bearer
token, POST /conversations/{id}/tracker/events) and records what it received. Like the real
`action_handoff`, a `/request_human` message makes it call the gateway's /internal/handoff
with GATEWAY_SERVICE_TOKEN and answer according to the outcome. Runs uvicorn in a thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, HTTPException, Request

from tests.support.stack import free_port


class FakeRasa:
    def __init__(self, token: str, service_token: str) -> None:
        self.token = token
        self.service_token = service_token
        self.gateway_url = ""  # set once the gateway's port is known
        self.messages: list[dict[str, Any]] = []
        self.events: list[tuple[str, list]] = []
        self.slots: dict[str, dict[str, Any]] = {}  # per sender, as a test sets them (e.g. customer_token)
        self.delay_s = 0.0
        self.port = free_port()
        self.app = self._build()
        self._server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> FakeRasa:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(5)

    def texts_for(self, sender: str) -> list[str]:
        return [m["message"] for m in self.messages if m["sender"] == sender]

    def _check(self, request: Request) -> None:
        if request.headers.get("authorization") != f"Bearer {self.token}" and \
                request.query_params.get("token") != self.token:
            raise HTTPException(401)

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.post("/webhooks/gateway/webhook")
        async def webhook(request: Request) -> list[dict[str, Any]]:
            self._check(request)
            body = await request.json()
            self.messages.append(body)
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            sender, text = body["sender"], body["message"]
            if text == "/request_human":
                async with httpx.AsyncClient(timeout=10) as client:
                    answer = await client.post(f"{self.gateway_url}/internal/handoff",
                                               headers={"Authorization": f"Bearer {self.service_token}"},
                                               json={"sender_id": sender, "reason": "customer_request"})
                outcome = answer.json().get("outcome", f"error {answer.status_code}")
                return [{"recipient_id": sender, "text": f"handoff: {outcome}"}]
            if text == "buttons":
                return [{"recipient_id": sender, "text": "Pick one",
                         "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]}]
            if text == "silence":
                return []
            language = (body.get("metadata") or {}).get("language")
            return [{"recipient_id": sender, "text": f"echo[{language}]: {text}"}]

        @app.post("/conversations/{sender}/tracker/events")
        async def events(sender: str, request: Request) -> dict:
            self._check(request)
            self.events.append((sender, await request.json()))
            return {"sender_id": sender}

        @app.get("/conversations/{sender}/tracker")
        async def tracker(sender: str, request: Request) -> dict:
            self._check(request)
            return {"sender_id": sender, "slots": self.slots.get(sender, {})}

        @app.get("/")
        async def root() -> str:
            return "fake rasa"

        return app
