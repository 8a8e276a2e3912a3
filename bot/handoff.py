"""Escalation to a human: POST /internal/handoff (called by the action server).

Answers `closed` outside SUPPORT_HOURS, `no_agents` when no agent has a console open
(presence, shared through Redis when REDIS_URL is set), else hands the conversation to the
CRM queue (ticket with transcript and a short summary) and tells the consoles.
`expected_reply` is the estimated wait in whole minutes (queue position x
MINUTES_PER_QUEUED_CONVERSATION).
"""

from __future__ import annotations

import logging
import re
from datetime import datetime, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Body, HTTPException, Request
from pydantic import BaseModel, Field

from bot.crm_client import CRMError, CRMUnavailable
from bot.rasa_client import RasaUnavailable
from bot.security import ServiceCaller

logger = logging.getLogger("bot.handoff")
router = APIRouter(tags=["handoff"])
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
HOURS = re.compile(r"^\s*(\w{3})(?:-(\w{3}))?\s+(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})(?:\s+(\S+))?\s*$")


class SupportHours:
    """`Mon-Fri 08:00-18:00 Europe/Madrid`; several ranges separated by `,` or `;`
    (`Mon-Fri 08:00-18:00 Europe/Madrid; Sat 10:00-14:00 Europe/Madrid`). Empty: always open."""

    def __init__(self, spec: str) -> None:
        self.ranges: list[tuple[set[int], time, time, ZoneInfo]] = []
        for part in filter(str.strip, re.split(r"[;,]", spec or "")):
            match = HOURS.match(part)
            if not match:
                raise ValueError(f"SUPPORT_HOURS: cannot read {part.strip()!r} "
                                 "(example: 'Mon-Fri 08:00-18:00 Europe/Madrid')")
            first, last, h1, m1, h2, m2, zone = match.groups()
            try:
                start, end = DAYS.index(first.lower()), DAYS.index((last or first).lower())
            except ValueError:
                raise ValueError(f"SUPPORT_HOURS: unknown day in {part.strip()!r}") from None
            days = {d % 7 for d in range(start, end + 1 if end >= start else end + 8)}
            self.ranges.append((days, time(int(h1), int(m1)), time(int(h2), int(m2)), ZoneInfo(zone or "UTC")))

    def is_open(self, now: datetime | None = None) -> bool:
        if not self.ranges:
            return True
        now = now or datetime.now(tz=ZoneInfo("UTC"))
        for days, start, end, zone in self.ranges:
            local = now.astimezone(zone)
            if local.weekday() in days and start <= local.time().replace(tzinfo=None) < end:
                return True
        return False


class HandoffRequest(BaseModel):
    sender_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:@\-]+$")
    reason: str = Field(min_length=1, max_length=200)
    priority: Literal["low", "normal", "high", "urgent"] | None = None


def summarise(reason: str, conversation: dict[str, Any], transcript: list[dict[str, Any]], limit: int = 600) -> str:
    """A short, factual summary for the agent: why, in which language, what the customer said last."""
    customer_turns = [m for m in transcript if m["sender_type"] == "customer"]
    lines = [f"Reason: {reason}. Language: {conversation.get('language', '?')}. "
             f"{len(customer_turns)} customer messages, {len(transcript)} in all."]
    for message in customer_turns[-3:]:
        english = (message.get("translations") or {}).get("en")
        text = message["text"] if not english or english == message["text"] else f"{message['text']} (en: {english})"
        lines.append(f"Customer: {text}")
    summary = "\n".join(lines)
    return summary if len(summary) <= limit else summary[: limit - 1] + "…"


async def link_verified_customer(state: Any, conversation: dict[str, Any]) -> dict[str, Any]:
    """If the customer verified with the bot (its `customer_token` slot), record who they are on
    the conversation, so the agent sees their profile, orders and tickets. Best effort."""
    session_id = conversation["session_id"]
    try:
        slots = (await state.rasa.tracker(session_id)).get("slots") or {}
        token = slots.get("customer_token")
        if not isinstance(token, str) or not token:
            return conversation
        customer = await state.crm.verified_customer(token)
        return await state.crm.update_conversation(session_id, customer_id=customer["id"])
    except (RasaUnavailable, CRMError, CRMUnavailable, KeyError) as exc:
        logger.info("handoff of %s: customer not linked (%s)", session_id, exc)
        return conversation


@router.post("/internal/handoff", dependencies=[ServiceCaller])
async def handoff(request: Request, body: Annotated[HandoffRequest, Body()]) -> dict[str, Any]:
    state = request.app.state
    if not state.support_hours.is_open():
        return {"outcome": "closed"}
    if await state.broker.present_count() == 0:
        return {"outcome": "no_agents"}
    try:
        conversation = await state.crm.get_conversation(body.sender_id)
        if not conversation.get("customer_id"):
            conversation = await link_verified_customer(state, conversation)
        transcript = await state.crm.messages(body.sender_id)
        result = await state.crm.handoff(body.sender_id, body.reason, summarise(body.reason, conversation, transcript),
                                         body.priority)
    except CRMError as exc:
        if exc.status == 404:
            raise HTTPException(404, {"code": "conversation_not_found",
                                      "message": "No conversation with this sender_id."}) from None
        raise HTTPException(409 if exc.status == 409 else 422, exc.detail) from None
    except CRMUnavailable as exc:
        logger.error("handoff of %s: CRM unavailable: %s", body.sender_id, exc)
        raise HTTPException(503, {"code": "crm_unavailable", "message": "The CRM is unavailable."}) from None
    state.conversations.remember(result)
    await state.broker.publish("console", {"type": "queue_changed", "session_id": body.sender_id})
    position = result.get("queue_position")
    minutes = max(1, (position or 1) * state.settings.minutes_per_queued_conversation)
    return {"outcome": "queued", "queue_position": position, "expected_reply": minutes,
            "ticket_number": result.get("ticket_number")}
