"""The path of every message of a conversation, whatever the channel (socket.io widget,
REST webhook, agent console).

Customer message: prepared by the language module -> stored (CRM, or the durable outbox
when the CRM is down) -> acknowledged -> in state `bot` sent to Rasa and each bot reply
stored then emitted; in `queued`/`with_agent` published to the agent consoles (Rasa is not
called). Everything the customer sees is published on the `session:<id>` channel and
carries the CRM message id (`client_message_id`) and `seq`, so a widget that reconnects
can fetch what it missed and drop duplicates.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import uuid
import weakref
from collections import OrderedDict
from typing import Any

from bot.crm_client import CRMClient, CRMError, CRMUnavailable
from bot.outbox import Outbox
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.realtime import Broker

logger = logging.getLogger("bot.conversations")
AGENT_STATES = ("queued", "with_agent")
CSAT_SCORE = re.compile(r"^\s*([1-5])\s*(?:/\s*5)?\s*$")
KNOWN_CONVERSATIONS = 10_000
SESSION_ID = re.compile(r"^web-[A-Za-z0-9_-]{22}\.[0-9a-f]{16}$")


def session_key(secret: str) -> bytes:
    return hashlib.sha256(b"gateway-session-ids:" + secret.encode()).digest()


def new_session_id(key: bytes) -> str:
    """An unguessable id the gateway issues, signed so a client cannot pick someone else's."""
    random_part = "web-" + secrets.token_urlsafe(16)
    return f"{random_part}.{hmac.new(key, random_part.encode(), 'sha256').hexdigest()[:16]}"


def is_issued_session_id(key: bytes, session_id: Any) -> bool:
    if not isinstance(session_id, str) or not SESSION_ID.match(session_id):
        return False
    random_part, _, signature = session_id.rpartition(".")
    return hmac.compare_digest(signature, hmac.new(key, random_part.encode(), "sha256").hexdigest()[:16])


def customer_view(message: dict[str, Any]) -> dict[str, Any]:
    """A stored message as the widget shows it (Rasa's bot_uttered shape plus ids)."""
    metadata = message.get("metadata") or {}
    view = {"message_id": message["client_message_id"], "seq": message.get("seq"),
            "sender_type": message["sender_type"], "text": metadata.get("shown_as") or message["text"]}
    if metadata.get("quick_replies"):
        view["quick_replies"] = metadata["quick_replies"]
    if metadata.get("agent_name"):
        view["agent_name"] = metadata["agent_name"]
    return view


def quick_replies(bot_message: dict[str, Any]) -> list[dict[str, str]]:
    return [{"content_type": "text", "title": str(b.get("title", "")),
             "payload": str(b.get("payload", b.get("title", "")))}
            for b in bot_message.get("buttons") or [] if isinstance(b, dict)]


class ConversationService:
    def __init__(self, state: Any, crm: CRMClient, outbox: Outbox, broker: Broker, rasa: RasaClient,
                 default_language: str = "en") -> None:
        self.state = state  # app.state: language, translator, nlg, knowledge
        self.crm = crm
        self.outbox = outbox
        self.broker = broker
        self.rasa = rasa
        self.default_language = default_language
        # Last CRM view of recent conversations (used while the CRM is down), bounded.
        self._known: OrderedDict[str, dict[str, Any]] = OrderedDict()
        # One lock per conversation in flight; dropped once nobody holds or waits for it.
        self._lock_table: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._tasks: set[asyncio.Task] = set()

    # --- conversations -------------------------------------------------------------
    async def conversation(self, session_id: str, language: str | None = None, channel: str = "web") -> dict[str, Any]:
        """The CRM's view of the conversation, created when new; the last known view while the CRM is down."""
        try:
            conv = await self.crm.get_conversation(session_id)
        except CRMError as exc:
            if exc.status != 404:
                raise
            body = {"language": language or self.default_language, "channel": channel}
            conv = await self.outbox.write("upsert", session_id, body) or {
                "session_id": session_id, "state": "bot", "language": body["language"], "last_seq": 0}
        except CRMUnavailable:
            conv = self._known.get(session_id) or {"session_id": session_id, "state": "bot",
                                                   "language": language or self.default_language, "last_seq": 0}
            if session_id not in self._known:
                await self.outbox.write("upsert", session_id, {"language": conv["language"], "channel": channel})
        self.remember(conv)
        return conv

    def remember(self, conv: dict[str, Any]) -> None:
        self._known[conv["session_id"]] = conv
        self._known.move_to_end(conv["session_id"])
        while len(self._known) > KNOWN_CONVERSATIONS:
            self._known.popitem(last=False)

    def _lock(self, session_id: str) -> asyncio.Lock:
        lock = self._lock_table.get(session_id)
        if lock is None:
            lock = self._lock_table[session_id] = asyncio.Lock()
        return lock

    async def missed(self, session_id: str, after_seq: int) -> list[dict[str, Any]]:
        """What the customer may have missed (reconnect, reload): stored messages after `after_seq`."""
        try:
            stored = await self.crm.messages(session_id, after_seq=after_seq)
        except CRMError as exc:
            if exc.status == 404:
                return []
            raise
        return [customer_view(m) for m in stored]

    # --- storing and emitting --------------------------------------------------------
    async def store(self, session_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Stores one message (CRM or outbox) and answers it as stored (seq None while in the outbox)."""
        stored = await self.outbox.write("message", session_id, body)
        return stored or {**body, "seq": None}

    async def emit(self, session_id: str, message: dict[str, Any]) -> None:
        """Sends a stored message to the customer (every tab, every gateway process) and the consoles."""
        if message["sender_type"] != "note":
            await self.broker.publish(f"session:{session_id}",
                                      {"type": "bot_uttered", "message": customer_view(message)})
        await self.broker.publish("console", {"type": "message", "session_id": session_id, "message": message})

    async def system_line(self, session_id: str, response: str, language: str, client_message_id: str,
                          arguments: dict[str, Any] | None = None) -> dict[str, Any]:
        """A customer-facing line of the gateway (agent joined, handed back, ...) in the customer's language."""
        rendered = await self.state.nlg.render(response, arguments or {}, {"slots": {"language": language}}, "web")
        metadata: dict[str, Any] = {"response": response}
        if rendered.message.get("buttons"):
            metadata["quick_replies"] = quick_replies(rendered.message)
        message = await self.store(session_id, {
            "client_message_id": client_message_id, "sender_type": "system",
            "text": rendered.message.get("text") or response,
            "language": rendered.language, "metadata": metadata})
        await self.emit(session_id, message)
        return message

    async def set_typing(self, session_id: str, on: bool) -> None:
        await self.broker.publish(f"session:{session_id}", {"type": "typing", "on": on})

    # --- the customer's message ----------------------------------------------------------
    async def accept(self, session_id: str, text: str, *, client_message_id: str | None = None,
                     metadata: dict[str, Any] | None = None, channel: str = "web") -> tuple[dict, Any, dict]:
        """Stores a customer message; answers (stored message, Inbound, conversation). Call route() next."""
        metadata = metadata or {}
        requested = metadata.get("language") if isinstance(metadata.get("language"), str) else None
        client_message_id = client_message_id or f"c-{uuid.uuid4().hex}"
        conv = await self.conversation(session_id, requested, channel)
        inbound = await self.state.language.prepare_inbound(text, conv.get("language"), requested)
        body: dict[str, Any] = {"client_message_id": client_message_id, "sender_type": "customer", "text": text,
                                "language": _code(inbound.text_language, inbound.language)}
        title = metadata.get("title")
        if text.startswith("/") and isinstance(title, str) and title.strip():
            body["metadata"] = {"shown_as": title.strip()[:200]}  # a quick-reply click: the button's title
        if inbound.original_text:  # pivot-translated for Rasa: keep what Rasa read beside the original
            body["translations"] = {"en": inbound.text_for_rasa}
        stored = await self.store(session_id, body)
        if inbound.switched and inbound.language != conv.get("language"):
            await self.outbox.write("patch", session_id, {"language": inbound.language})
            conv = {**conv, "language": inbound.language}
            self._spawn(self._set_rasa_language(session_id, inbound.language))
        if conv.get("state") == "closed":
            conv = {**conv, "state": "bot"}  # the CRM reopened it when the message was stored
        self.remember(conv)
        await self.broker.publish("console", {"type": "message", "session_id": session_id, "message": stored})
        return stored, inbound, conv

    async def route(self, session_id: str, stored: dict[str, Any], inbound: Any, conv: dict[str, Any],
                    metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Bot turn, or nothing when an agent has the conversation. Answers the replies stored and emitted."""
        if conv.get("state") in AGENT_STATES:
            return []
        rasa_metadata = {**inbound.rasa_metadata(), "message_id": stored["client_message_id"]}
        if metadata and isinstance(metadata.get("customer_token"), str):
            rasa_metadata["customer_token"] = metadata["customer_token"]
        return await self.bot_turn(session_id, inbound.text_for_rasa, rasa_metadata, stored["client_message_id"],
                                   inbound.language)

    async def bot_turn(self, session_id: str, text: str, rasa_metadata: dict[str, Any], reply_to: str,
                       language: str) -> list[dict[str, Any]]:
        await self.set_typing(session_id, True)
        try:
            replies = await self.rasa.send_message(session_id, text, rasa_metadata)
        except RasaUnavailable as exc:
            logger.error("rasa unavailable: %s", exc)
            replies = []
        finally:
            await self.set_typing(session_id, False)
        if not replies:  # never leave the customer in silence
            return [await self.system_line(session_id, "utter_gateway_unavailable", language,
                                           f"{reply_to}.unavailable")]
        out = []
        for index, reply in enumerate(replies):
            if not reply.get("text") and not reply.get("buttons"):
                continue
            metadata: dict[str, Any] = {}
            if reply.get("buttons"):
                metadata["quick_replies"] = quick_replies(reply)
            message = await self.store(session_id, {
                "client_message_id": f"{reply_to}.b{index}", "sender_type": "bot", "text": reply.get("text") or "…",
                "language": language, "metadata": metadata or None})
            await self.emit(session_id, message)
            out.append(message)
        return out

    def resume_bot(self, session_id: str, text: str, rasa_metadata: dict[str, Any], reply_to: str,
                   language: str) -> None:
        """A bot turn the gateway starts itself (after a hand back), queued behind the customer's messages."""
        async def run() -> None:
            async with self._lock(session_id):
                await self.bot_turn(session_id, text, rasa_metadata, reply_to, language)
        self._spawn(run())

    async def handle(self, session_id: str, text: str, *, client_message_id: str | None = None,
                     metadata: dict[str, Any] | None = None, channel: str = "web") -> tuple[dict, list[dict]]:
        """accept() then route(), in order per conversation (REST webhook)."""
        async with self._lock(session_id):
            if (reply := await self._csat(session_id, text, client_message_id, metadata, channel)) is not None:
                return reply
            stored, inbound, conv = await self.accept(session_id, text, client_message_id=client_message_id,
                                                      metadata=metadata, channel=channel)
            if stored.get("duplicate"):  # a client's retry: the first delivery already had its turn
                return stored, []
            return stored, await self.route(session_id, stored, inbound, conv, metadata)

    async def handle_in_background(self, session_id: str, text: str, *, client_message_id: str | None = None,
                                   metadata: dict[str, Any] | None = None, channel: str = "web") -> dict:
        """Socket.io: answers the stored message (the acknowledgement) at once; the bot turn
        runs after it, still in order for this conversation."""
        lock = self._lock(session_id)
        await lock.acquire()
        try:
            if (reply := await self._csat(session_id, text, client_message_id, metadata, channel)) is not None:
                lock.release()
                return reply[0]
            stored, inbound, conv = await self.accept(session_id, text, client_message_id=client_message_id,
                                                      metadata=metadata, channel=channel)
        except BaseException:
            lock.release()
            raise

        if stored.get("duplicate"):  # the widget resent after a reconnect: answered the first time
            lock.release()
            return stored

        async def finish() -> None:
            try:
                await self.route(session_id, stored, inbound, conv, metadata)
            except Exception:
                logger.exception("message path failed for %s", session_id)
            finally:
                lock.release()

        self._spawn(finish())
        return stored

    async def _csat(self, session_id: str, text: str, client_message_id: str | None, metadata: dict | None,
                    channel: str) -> tuple[dict, list] | None:
        """After a resolve the customer rates the help 1-5 (the csat request's buttons)."""
        score = CSAT_SCORE.match(text)
        if not score:
            return None
        try:  # the CRM's view, not this process's: the agent may have resolved it on another gateway
            known = await self.crm.get_conversation(session_id)
            if known.get("state") != "closed" or known.get("csat_score") is not None:
                return None
            conv = await self.crm.csat(session_id, int(score.group(1)))
        except (CRMError, CRMUnavailable) as exc:
            logger.warning("csat for %s not recorded: %s", session_id, exc)
            return None
        stored, _, _ = await self.accept(session_id, text, client_message_id=client_message_id, metadata=metadata,
                                         channel=channel)
        self.remember({**conv, "state": "bot"})
        try:  # the assistant's domain carries the thanks line; without it the rating is just recorded
            thanks = await self.system_line(session_id, "utter_gateway_csat_thanks", conv["language"],
                                            f"{stored['client_message_id']}.thanks")
        except KeyError:
            return stored, []
        return stored, [thanks]

    async def _set_rasa_language(self, session_id: str, language: str) -> None:
        try:
            await self.rasa.append_events(session_id, [{"event": "slot", "name": "language", "value": language}])
        except RasaUnavailable as exc:
            logger.warning("could not set the language slot of %s: %s", session_id, exc)

    def _spawn(self, coroutine) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Waits for the background bot turns (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)


def _code(*candidates: str | None) -> str:
    for code in candidates:
        if isinstance(code, str) and re.fullmatch(r"[a-z]{2}", code):
            return code
    return "en"
