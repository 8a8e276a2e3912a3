"""Past resolved conversations from the CRM, as (customer question, agent answer) pairs.

The agent console's reply suggestions draw on what colleagues answered before. Only
conversations an agent resolved count, and values that belong to one customer
(order and ticket numbers, emails, URLs, amounts) are blanked before indexing, so a
suggestion never carries another customer's data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from bot.translation import placeholders

logger = logging.getLogger(__name__)
REDACTED = "…"


@dataclass(frozen=True)
class ResolvedPair:
    question: str
    question_language: str
    answer: str
    answer_language: str
    session_id: str


class ConversationSource(Protocol):
    async def resolved_pairs(self, limit: int) -> list[ResolvedPair]: ...


def redact(text: str) -> str:
    """Blanks every value translation would protect (numbers, codes, emails, URLs, amounts)."""
    protected = placeholders.protect(text)
    return placeholders.TOKEN.sub(REDACTED, protected.text)


def pairs_from_messages(session_id: str, messages: list[dict[str, Any]]) -> list[ResolvedPair]:
    """Each agent message answers the customer messages since the previous agent message.
    Internal notes and system messages are skipped."""
    pairs: list[ResolvedPair] = []
    pending: list[dict[str, Any]] = []
    for message in messages:
        sender = message.get("sender_type")
        if sender == "customer":
            pending.append(message)
        elif sender == "agent" and pending:
            question = " ".join(str(m.get("original_text") or m.get("text") or "") for m in pending).strip()
            question_language = pending[-1].get("original_language") or pending[-1].get("language") or "en"
            answer = str(message.get("text") or "").strip()
            if len(question) >= 8 and len(answer) >= 8:
                pairs.append(ResolvedPair(redact(question), question_language, redact(answer),
                                          message.get("language") or "en", session_id))
            pending = []
        elif sender == "bot":
            pending = []  # the bot answered; the next agent reply answers something else
    return pairs


def _items(payload: Any) -> list[dict[str, Any]]:
    if isinstance(payload, dict):
        payload = payload.get("items", [])
    return [item for item in payload if isinstance(item, dict)] if isinstance(payload, list) else []


class CRMConversationSource:
    """Reads closed conversations and their messages through the CRM API (docs/INTERFACES.md)."""

    def __init__(self, base_url: str, token: str, timeout_s: float = 10.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/") + "/api/v1",
                                       headers={"Authorization": f"Bearer {token}"},
                                       timeout=httpx.Timeout(timeout_s, connect=3.0))

    async def resolved_pairs(self, limit: int) -> list[ResolvedPair]:
        pairs: list[ResolvedPair] = []
        response = await self._http.get("/conversations", params={"state": "closed", "limit": limit})
        response.raise_for_status()
        for conversation in _items(response.json()):
            session_id = conversation.get("session_id")
            if not session_id:
                continue
            messages = await self._http.get(f"/conversations/{session_id}/messages", params={"limit": 500})
            if messages.status_code != 200:
                logger.warning("knowledge: messages of %s unavailable (HTTP %s)", session_id, messages.status_code)
                continue
            pairs.extend(pairs_from_messages(session_id, _items(messages.json())))
        return pairs

    async def close(self) -> None:
        await self._http.aclose()
