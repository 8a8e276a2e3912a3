"""Rasa's socket.io contract, served by the gateway, so rasa-webchat and our widget work unchanged.

- `session_request {session_id}` -> `session_confirm {session_id}`: the gateway issues the id
  (signed, unguessable); a client presenting an id the gateway did not issue gets a new one.
- `user_uttered {message, session_id, customData|metadata}` -> acknowledged with the stored
  message (`{message_id, seq}`) once it is stored; replies come as `bot_uttered {text,
  quick_replies?}` (Rasa's exact shape); a client that sends `client: "support-widget"` in its
  session_request (our widget) also gets `message_id, seq, sender_type` and `typing {on}`.
- `sync {session_id, after_seq}` -> the messages stored after `after_seq` (reconnect, reload).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from typing import Any

import socketio

from bot.conversations import is_issued_session_id, new_session_id
from bot.crm_client import CRMError, CRMUnavailable

logger = logging.getLogger("bot.socket")
MAX_TEXT = 5000
CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,80}$")

sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*", logger=False, engineio_logger=False)
_state: Any = None  # the FastAPI app's state, set by bind()
_forwarders: dict[str, asyncio.Task] = {}


def bind(app_state: Any) -> None:
    global _state
    _state = app_state


class SocketIOMiddleware(socketio.ASGIApp):
    """Serves /socket.io/ and passes everything else (and the lifespan) to the FastAPI app."""

    def __init__(self, app) -> None:
        super().__init__(sio, other_asgi_app=app, socketio_path="socket.io")


def rasa_shape(message: dict[str, Any]) -> dict[str, Any]:
    """Exactly Rasa's bot_uttered: rasa-webchat recognises a message by its set of keys."""
    shaped = {"text": message["text"]}
    if message.get("quick_replies"):
        shaped["quick_replies"] = message["quick_replies"]
    return shaped


async def _forward(sid: str, session_id: str, enriched: bool) -> None:
    """Relays the conversation's live events (from any gateway process) to this socket.
    Our widget asks for `enriched` messages (ids, seq, sender) to dedupe and catch up;
    other clients (rasa-webchat) get Rasa's exact shape."""
    async with _state.broker.subscribe(f"session:{session_id}") as queue:
        while True:
            event = await queue.get()
            if event["type"] == "bot_uttered":
                message = event["message"]
                if message.get("sender_type") == "customer":
                    continue  # the customer's own words are not echoed live (sync returns them)
                await sio.emit("bot_uttered", message if enriched else rasa_shape(message), to=sid)
            elif event["type"] == "typing" and enriched:
                await sio.emit("typing", {"on": event["on"]}, to=sid)


def client_message_id(metadata: dict[str, Any], prefix: str) -> str | None:
    """The client's own id of its message (`metadata.message_id`), under the channel's prefix
    so channels cannot collide; None when absent or malformed (the gateway makes one)."""
    client_id = metadata.get("message_id")
    return f"{prefix}-{client_id}" if isinstance(client_id, str) and CLIENT_ID.match(client_id) else None


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


@sio.event
async def connect(sid, environ, auth=None):
    return True


@sio.event
async def disconnect(sid, *args):
    task = _forwarders.pop(sid, None)
    if task:
        task.cancel()


@sio.event
async def session_request(sid, data=None):
    requested = data.get("session_id") if isinstance(data, dict) else None
    key = _state.session_key
    session_id = requested if is_issued_session_id(key, requested) else new_session_id(key)
    await sio.save_session(sid, {"session_id": session_id})
    old = _forwarders.pop(sid, None)
    if old:
        old.cancel()
    enriched = isinstance(data, dict) and data.get("client") == "support-widget"
    _forwarders[sid] = asyncio.create_task(_forward(sid, session_id, enriched))
    await asyncio.sleep(0)  # the subscription is in place before the client can send
    await sio.emit("session_confirm", {"session_id": session_id}, to=sid)
    return {"session_id": session_id}


async def _bound_session(sid: str, data: Any) -> str | None:
    session = await sio.get_session(sid)
    session_id = session.get("session_id")
    claimed = data.get("session_id") if isinstance(data, dict) else None
    if session_id is None or (claimed is not None and claimed != session_id):
        return None  # a socket speaks only for the session the gateway confirmed to it
    return session_id


@sio.event
async def user_uttered(sid, data=None):
    session_id = await _bound_session(sid, data)
    if session_id is None:
        await sio.emit("gateway_error", _error("no_session", "Send session_request first."), to=sid)
        return _error("no_session", "Send session_request first.")
    text = data.get("message") if isinstance(data, dict) else None
    if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT:
        return _error("invalid_message", f"message must be 1-{MAX_TEXT} characters of text.")
    metadata = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    custom = data.get("customData") if isinstance(data.get("customData"), dict) else {}
    metadata = {**custom, **metadata}
    try:
        stored = await _state.conversations.handle_in_background(
            session_id, text.strip(), client_message_id=client_message_id(metadata, "w"), metadata=metadata,
            channel="web")
    except CRMError as exc:
        logger.error("CRM refused a message of %s: %s", session_id, exc)
        return _error("rejected", "The message could not be stored.")
    return {"message_id": stored["client_message_id"], "seq": stored.get("seq"), "stored": True}


@sio.event
async def sync(sid, data=None):
    session_id = await _bound_session(sid, data)
    if session_id is None:
        return _error("no_session", "Send session_request first.")
    after = data.get("after_seq", 0) if isinstance(data, dict) else 0
    after = after if isinstance(after, int) and after >= 0 else 0
    try:
        return {"messages": await _state.conversations.missed(session_id, after)}
    except CRMUnavailable:
        return _error("crm_unavailable", "History is unavailable right now.")


async def close_all() -> None:
    for task in list(_forwarders.values()):
        task.cancel()
    for task in list(_forwarders.values()):
        with contextlib.suppress(BaseException):
            await task
    _forwarders.clear()
