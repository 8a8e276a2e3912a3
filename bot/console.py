"""Agent console: the page, its JSON API and its live WebSocket.

The agent reads every customer message in their own language with the original beside it,
writes in their language (the customer receives the conversation language; both texts are
stored), takes conversations exclusively (the CRM's 409 already_taken names who has it),
transfers, resolves (the customer is asked for a 1-5 rating) or hands back to the bot.
Actions on a conversation are made with the agent's own JWT, so the CRM enforces who may.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, RedirectResponse
from pydantic import BaseModel, Field

from bot.auth import AgentOrAdmin, StaffUser, signed_in_or_none, staff_from_websocket
from bot.crm_client import CRMError, CRMUnavailable
from bot.rasa_client import RasaUnavailable

logger = logging.getLogger("bot.console")
router = APIRouter(tags=["agent console"])
PAGE = Path(__file__).parent / "web" / "console" / "index.html"
HEARTBEAT_S = 10.0


class AgentMessage(BaseModel):
    text: str = Field(min_length=1, max_length=5000)
    internal: bool = False  # an internal note: stored, never sent to the customer


class Transfer(BaseModel):
    to_staff_id: int = Field(ge=1)


@contextlib.contextmanager
def _crm_errors() -> Iterator[None]:
    """A CRM failure inside the block becomes the console's HTTP answer: 503 crm_unavailable,
    or the CRM's own refusal (its status and detail)."""
    try:
        yield
    except CRMUnavailable:
        raise HTTPException(503, {"code": "crm_unavailable",
                                  "message": "The CRM is unavailable; try again shortly."}) from None
    except CRMError as exc:
        detail = exc.detail if isinstance(exc.detail, dict | list) else {"code": "crm_error",
                                                                         "message": str(exc.detail)}
        raise HTTPException(exc.status, detail) from None


async def agent_language(state: Any, user: StaffUser) -> str:
    cache: dict[int, str] = state.agent_languages
    if user.id not in cache:
        try:
            languages = (await state.crm.staff(user.id)).get("languages") or ["en"]
        except (CRMError, CRMUnavailable):
            return "en"
        cache[user.id] = languages[0]
    return cache[user.id]


async def for_agent(state: Any, message: dict[str, Any], language: str) -> dict[str, Any]:
    """The message with `display_text` in the agent's language (the stored text stays the original)."""
    view = dict(message)
    source = message.get("language") or "en"
    if message.get("sender_type") == "agent" and message.get("original_text"):
        view["display_text"], view["display_language"] = message["original_text"], message.get("original_language")
        return view
    known = (message.get("translations") or {}).get(language)
    if source == language or not message.get("text"):
        view["display_text"], view["display_language"] = message.get("text"), source
    elif known:
        view["display_text"], view["display_language"] = known, language
    else:
        result = await state.translator.translate(message["text"], source, language)
        view["display_text"] = result.text
        view["display_language"] = language if result.translated else source
    return view


@router.get("/console", include_in_schema=False)
async def console_page(request: Request):
    user = signed_in_or_none(request)
    if user is None:
        return RedirectResponse("/login?next=/console", status_code=303)
    if user.role not in ("agent", "admin"):
        raise HTTPException(403, {"code": "forbidden", "message": "The console is for agents and admins."})
    return FileResponse(PAGE, headers={"Cache-Control": "no-store"})


@router.get("/console/api/me")
async def me(request: Request, user: AgentOrAdmin) -> dict[str, Any]:
    return {"id": user.id, "name": user.name, "role": user.role,
            "language": await agent_language(request.app.state, user)}


@router.get("/console/api/queue")
async def queue(request: Request, _user: AgentOrAdmin) -> list[dict[str, Any]]:
    with _crm_errors():
        return await request.app.state.crm.queue()


@router.get("/console/api/mine")
async def mine(request: Request, user: AgentOrAdmin) -> list[dict[str, Any]]:
    with _crm_errors():
        page = await request.app.state.crm.request("GET", "/conversations", params={
            "state": "with_agent", "assignee_id": user.id, "limit": 50})
    return page["items"]


@router.get("/console/api/staff")
async def colleagues(request: Request, _user: AgentOrAdmin) -> list[dict[str, Any]]:
    with _crm_errors():
        return [{"id": s["id"], "name": s["name"], "languages": s.get("languages", []), "role": s["role"]}
                for s in await request.app.state.crm.staff_list()]


@router.get("/console/api/conversations/{session_id}")
async def conversation_view(session_id: str, request: Request, user: AgentOrAdmin) -> dict[str, Any]:
    state = request.app.state
    language = await agent_language(state, user)
    with _crm_errors():
        conversation = await state.crm.get_conversation(session_id)
        messages = await state.crm.messages(session_id, include_notes=True)
        customer = await state.crm.customer(conversation["customer_id"]) if conversation.get("customer_id") else None
    views = await asyncio.gather(*(for_agent(state, m, language) for m in messages))
    return {"conversation": conversation, "messages": list(views), "customer": customer, "agent_language": language,
            "suggestions": await _suggestions(state, messages, language)}


async def _suggestions(state: Any, messages: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    if state.knowledge is None:
        return []
    transcript = [m for m in messages if m["sender_type"] in ("customer", "bot", "agent")]
    try:
        found = await asyncio.wait_for(state.knowledge.suggest_replies(transcript, language), timeout=5)
    except Exception as exc:  # loading, disabled or slow: the console works without suggestions
        logger.info("no suggestions: %s", exc)
        return []
    return [{"text": s.text, "language": s.language, "source": s.source, "title": s.title, "score": round(s.score, 3)}
            for s in found]


async def _changed(state: Any, conversation: dict[str, Any]) -> None:
    state.conversations.remember(conversation)
    await state.broker.publish("console", {"type": "conversation_changed", "session_id": conversation["session_id"],
                                           "conversation": conversation})


@router.post("/console/api/conversations/{session_id}/take")
async def take(session_id: str, request: Request, user: AgentOrAdmin) -> dict[str, Any]:
    state = request.app.state
    with _crm_errors():
        conversation = await state.crm.take(session_id, user.token)
    await state.conversations.system_line(session_id, "utter_gateway_agent_joined", conversation["language"],
                                          f"joined-{conversation['version']}",
                                          {"agent_name": (conversation.get("assignee") or {}).get("name") or user.name})
    await _changed(state, conversation)
    return conversation


@router.post("/console/api/conversations/{session_id}/messages", status_code=201)
async def send(session_id: str, body: AgentMessage, request: Request, user: AgentOrAdmin) -> dict[str, Any]:
    state = request.app.state
    language = await agent_language(state, user)
    with _crm_errors():
        conversation = await state.crm.get_conversation(session_id)
    client_message_id = f"a-{uuid.uuid4().hex}"
    if body.internal:
        message = {"client_message_id": client_message_id, "sender_type": "note", "sender_staff_id": user.id,
                   "text": body.text, "language": language}
    else:
        if (conversation.get("assignee") or {}).get("id") != user.id or conversation["state"] != "with_agent":
            raise HTTPException(403, {"code": "not_assignee",
                                      "message": "Take the conversation before writing to the customer."})
        target = conversation["language"]
        message = {"client_message_id": client_message_id, "sender_type": "agent", "sender_staff_id": user.id,
                   "text": body.text, "language": language, "metadata": {"agent_name": user.name}}
        if target != language:
            translated = await state.translator.translate(body.text, language, target)
            if translated.translated:
                message.update(text=translated.text, language=target, original_text=body.text,
                               original_language=language)
    with _crm_errors():
        stored = await state.crm.add_message(session_id, message)
    await state.conversations.emit(session_id, stored)
    return await for_agent(state, stored, language)


@router.post("/console/api/conversations/{session_id}/transfer")
async def transfer(session_id: str, body: Transfer, request: Request, user: AgentOrAdmin) -> dict[str, Any]:
    with _crm_errors():
        conversation = await request.app.state.crm.transfer(session_id, body.to_staff_id, user.token)
    await _changed(request.app.state, conversation)
    return conversation


async def _resume_rasa(state: Any, session_id: str) -> None:
    try:
        await state.rasa.append_events(session_id, [{"event": "resume"}])
    except RasaUnavailable as exc:
        logger.error("could not resume Rasa for %s: %s", session_id, exc)


@router.post("/console/api/conversations/{session_id}/resolve")
async def resolve(session_id: str, request: Request, user: AgentOrAdmin) -> dict[str, Any]:
    state = request.app.state
    with _crm_errors():
        conversation = await state.crm.resolve(session_id, user.token)
    await _changed(state, conversation)
    # A resolved conversation goes back to the bot when the customer writes again (closed -> bot):
    # Rasa, paused by the handoff, must be listening by then.
    await _resume_rasa(state, session_id)
    await state.conversations.system_line(session_id, "utter_gateway_csat_request", conversation["language"],
                                          f"csat-{conversation['version']}")
    return conversation


@router.post("/console/api/conversations/{session_id}/handback")
async def handback(session_id: str, request: Request, user: AgentOrAdmin) -> dict[str, Any]:
    state = request.app.state
    with _crm_errors():
        conversation = await state.crm.handback(session_id, user.token)
    await _changed(state, conversation)
    language = conversation["language"]
    await _resume_rasa(state, session_id)  # paused by the handoff action; then the bot picks the thread up again
    reply_to = f"handback-{conversation['version']}"
    await state.conversations.system_line(session_id, "utter_gateway_handed_back", language, reply_to)
    state.conversations.resume_bot(session_id, "/handed_back", {"language": language, "message_id": reply_to},
                                   reply_to, language)
    return conversation


@router.websocket("/console/ws")
async def live(websocket: WebSocket) -> None:
    """Queue and conversation events for one console; being connected is the agent's presence."""
    user = staff_from_websocket(websocket)
    if user is None or user.role not in ("agent", "admin"):
        await websocket.close(code=4401)
        return
    state = websocket.app.state
    await websocket.accept()
    language = await agent_language(state, user)
    member = f"staff:{user.id}:{uuid.uuid4().hex[:8]}"
    await state.broker.mark_present(member)
    await state.broker.publish("console", {"type": "presence_changed"})

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_S)
            await state.broker.mark_present(member)

    async def relay(queue: asyncio.Queue) -> None:
        while True:
            event = await queue.get()
            if event.get("type") == "message":
                message = event["message"]
                event = {**event, "message": await for_agent(state, message, language)}
            await websocket.send_json(event)

    async with state.broker.subscribe("console") as queue:
        tasks = [asyncio.create_task(heartbeat()), asyncio.create_task(relay(queue))]
        await websocket.send_json({"type": "hello", "agent": {"id": user.id, "name": user.name, "language": language}})
        try:
            while True:
                await websocket.receive_text()  # pings; the console's actions go through the HTTP API
        except WebSocketDisconnect:
            pass
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(BaseException):
                    await task
            await state.broker.mark_absent(member)
