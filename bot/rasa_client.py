"""The gateway's async client for the Rasa server.

Messages go through the token-protected gateway channel
(rasa_extensions/gateway_channel.py); conversation control (pause, resume,
slots) goes through Rasa's HTTP API with RASA_TOKEN. Model status and
activation belong to the admin workbench (bot/admin/models.py), which is
synchronous and also runs from the command line.
"""

from typing import Any

import httpx


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error."""


class RasaClient:
    def __init__(self, base_url: str, token: str, timeout_s: float) -> None:
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            timeout=httpx.Timeout(timeout_s, connect=3.0),
        )
        self._token = token

    async def close(self) -> None:
        await self._http.aclose()

    async def send_message(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict]:
        """Runs one customer turn and returns the bot messages Rasa produced."""
        payload = {"sender": sender, "message": text, "metadata": metadata or {}}
        return await self._call("POST", "/webhooks/gateway/webhook", json=payload)

    async def append_events(self, sender: str, events: list[dict[str, Any]]) -> dict:
        return await self._call(
            "POST", f"/conversations/{sender}/tracker/events", json=events, params={"token": self._token}
        )

    async def tracker(self, sender: str) -> dict:
        """The conversation's current state (slots), without its event history."""
        return await self._call("GET", f"/conversations/{sender}/tracker",
                                params={"token": self._token, "include_events": "NONE"})

    async def trigger_intent(self, sender: str, intent: str, entities: dict | None = None) -> list[dict]:
        """Injects an intent (e.g. after a handback) and returns the bot messages."""
        result = await self._call(
            "POST",
            f"/conversations/{sender}/trigger_intent",
            json={"name": intent, "entities": entities or {}},
            params={"token": self._token, "output_channel": "latest"},
        )
        return result.get("messages", [])

    async def is_ready(self) -> bool:
        try:
            response = await self._http.get("/status", params={"token": self._token}, timeout=2.0)
            return response.status_code == 200
        except httpx.HTTPError:
            return False

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise RasaUnavailable(f"{method} {path}: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            raise RasaUnavailable(f"{method} {path}: HTTP {response.status_code} {response.text[:200]}")
        return response.json()
