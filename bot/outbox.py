"""Durable outbox for CRM writes while the CRM is unreachable.

A customer's message is acknowledged only once it is stored: in the CRM, or (CRM down) in
this SQLite file under VAR_DIR. A background task replays the outbox in insertion order
when the CRM answers again; the CRM's `client_message_id` idempotency makes a replay
after a crash mid-delivery harmless. While anything is pending, new writes queue behind
it so the order of a conversation is kept.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
import time
from pathlib import Path
from typing import Any

from bot.crm_client import CRMClient, CRMError, CRMUnavailable

logger = logging.getLogger("bot.outbox")

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,            -- upsert | message | patch
    session_id TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at REAL NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY, kind TEXT, session_id TEXT, body TEXT, created_at REAL, error TEXT
);
"""


class Outbox:
    def __init__(self, path: Path, crm: CRMClient, retry_every_s: float = 1.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.crm = crm
        self.retry_every_s = retry_every_s
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")  # an acknowledged message survives a power cut
        self._db.executescript(SCHEMA)
        self._lock = asyncio.Lock()
        self._wake = asyncio.Event()
        self._task: asyncio.Task | None = None
        self.delivered: list[tuple[str, str, dict]] = []  # (kind, session_id, CRM answer) of the last replay

    def start(self) -> None:
        self._task = asyncio.create_task(self._replay_forever(), name="crm-outbox")
        if self.pending():
            self._wake.set()

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._db.close()

    def pending(self, session_id: str | None = None) -> int:
        if session_id is None:
            return self._db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
        return self._db.execute("SELECT COUNT(*) FROM outbox WHERE session_id = ?", (session_id,)).fetchone()[0]

    def pending_messages(self, session_id: str) -> list[dict]:
        rows = self._db.execute("SELECT body FROM outbox WHERE session_id = ? AND kind = 'message' ORDER BY id",
                                (session_id,)).fetchall()
        return [json.loads(body) for (body,) in rows]

    async def write(self, kind: str, session_id: str, body: dict[str, Any]) -> dict | None:
        """Delivers now when possible; otherwise keeps it durably and answers None.
        CRMError (a 4xx) propagates: the caller sent something the CRM will never accept."""
        async with self._lock:
            if not self.pending():
                try:
                    return await self._send(kind, session_id, body)
                except CRMUnavailable as exc:
                    logger.warning("CRM unavailable (%s); keeping %s for %s in the outbox", exc, kind, session_id)
            self._db.execute("INSERT INTO outbox (kind, session_id, body, created_at) VALUES (?, ?, ?, ?)",
                             (kind, session_id, json.dumps(body), time.time()))
            self._wake.set()
            return None

    async def _send(self, kind: str, session_id: str, body: dict[str, Any]) -> dict:
        if kind == "upsert":
            return await self.crm.upsert_conversation(session_id, body["language"], body.get("channel", "web"))
        if kind == "patch":
            return await self.crm.update_conversation(session_id, **body)
        if kind == "message":
            return await self.crm.add_message(session_id, body)
        raise ValueError(f"unknown outbox kind {kind}")

    async def replay(self) -> int:
        """Delivers pending writes in order; stops at the first one the CRM cannot take yet."""
        done = 0
        async with self._lock:
            while True:
                row = self._db.execute("SELECT id, kind, session_id, body, created_at FROM outbox "
                                       "ORDER BY id LIMIT 1").fetchone()
                if row is None:
                    return done
                row_id, kind, session_id, body, created_at = row
                try:
                    answer = await self._send(kind, session_id, json.loads(body))
                    self.delivered.append((kind, session_id, answer))
                except CRMUnavailable:
                    self._db.execute("UPDATE outbox SET attempts = attempts + 1 WHERE id = ?", (row_id,))
                    return done
                except CRMError as exc:
                    if kind == "message" and exc.code == "conversation_not_found":
                        # The conversation upsert is ahead in the queue only if it was queued too;
                        # otherwise create it now and retry this message.
                        lang = json.loads(body).get("language", "en")
                        try:
                            await self.crm.upsert_conversation(session_id, lang)
                            continue
                        except (CRMUnavailable, CRMError):
                            return done
                    logger.error("outbox: CRM refused %s for %s (%s); kept in dead_letters", kind, session_id, exc)
                    self._db.execute("INSERT INTO dead_letters VALUES (?, ?, ?, ?, ?, ?)",
                                     (row_id, kind, session_id, body, created_at, str(exc)))
                self._db.execute("DELETE FROM outbox WHERE id = ?", (row_id,))
                done += 1

    async def _replay_forever(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=self.retry_every_s * 5)
            except TimeoutError:
                pass
            self._wake.clear()
            while self.pending():
                delivered = await self.replay()
                if delivered:
                    logger.info("outbox: delivered %d pending CRM writes", delivered)
                    await self.on_replayed()
                if self.pending():
                    await asyncio.sleep(self.retry_every_s)

    async def on_replayed(self) -> None:
        """Hook: the message service re-runs processing of replayed customer messages."""
