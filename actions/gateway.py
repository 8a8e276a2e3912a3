"""The only code that knows the gateway's internal API (docs/INTERFACES.md, "Action server ->
gateway"): handoff to a person and knowledge-base search, with GATEWAY_SERVICE_TOKEN.

Errors of any kind (down, slow, 5xx, 503 while the knowledge model loads) raise
GatewayUnavailable; the actions turn that into a plain message for the customer.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import httpx

logger = logging.getLogger(__name__)


class GatewayUnavailable(Exception):
    pass


def _settings() -> tuple[str, str, float]:
    return (os.environ.get("GATEWAY_URL", "http://127.0.0.1:8000").rstrip("/"),
            os.environ.get("GATEWAY_SERVICE_TOKEN", ""),
            float(os.environ.get("ACTIONS_GATEWAY_TIMEOUT_S", "3")))


async def _post(path: str, body: dict) -> Any:
    url, token, timeout = _settings()
    try:
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(url + path, json=body, headers={"Authorization": f"Bearer {token}"})
    except httpx.HTTPError as exc:
        logger.warning("gateway %s failed: %s", path, type(exc).__name__)
        raise GatewayUnavailable(path) from exc
    if response.status_code >= 400:
        logger.warning("gateway %s answered %d", path, response.status_code)
        raise GatewayUnavailable(f"{path}: {response.status_code}")
    try:
        return response.json()
    except ValueError as exc:
        raise GatewayUnavailable(f"{path}: not JSON") from exc


async def request_handoff(sender_id: str, reason: str, priority: str | None = None) -> dict:
    """-> {outcome: queued|no_agents|closed, queue_position?, expected_reply?}"""
    body: dict[str, Any] = {"sender_id": sender_id, "reason": reason}
    if priority:
        body["priority"] = priority
    answer = await _post("/internal/handoff", body)
    if not isinstance(answer, dict) or answer.get("outcome") not in ("queued", "no_agents", "closed"):
        raise GatewayUnavailable("/internal/handoff: unexpected answer")
    return answer


async def search_knowledge(query: str, language: str, top_k: int = 3) -> dict:
    """-> {matches: [{id, score, title}], threshold}"""
    answer = await _post("/internal/knowledge/search", {"query": query, "language": language, "top_k": top_k})
    if not isinstance(answer, dict) or not isinstance(answer.get("matches"), list):
        raise GatewayUnavailable("/internal/knowledge/search: unexpected answer")
    return answer
