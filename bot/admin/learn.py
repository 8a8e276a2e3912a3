"""Learn from conversations: customer messages the bot understood poorly, read (read-only)
from Rasa's SQL tracker store: low intent confidence, `nlu_fallback`, or the customer's last
message before a handoff to a person (other than the request for a person itself). An admin
picks the right intent (and annotates entities) and the message becomes a training example;
reviewed messages are remembered in models/learn_reviewed.json so the list shrinks as the
admin works through it."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bot.admin import yamlio
from bot.admin.audit import Actor
from bot.admin.data import TrainingData
from bot.admin.errors import AdminError
from bot.admin.settings import PROJECT_ROOT, AdminSettings

HANDOFF_MARKERS = ("handoff", "human")  # action names such as action_handoff / utter_handoff_queued


def tracker_store_url(settings: AdminSettings) -> str:
    url = settings.tracker_store_url or os.environ.get("TRACKER_STORE_URL") or "sqlite:///var/rasa_tracker.db"
    if url.startswith("sqlite:///") and not url.startswith("sqlite:////"):
        url = f"sqlite:///{PROJECT_ROOT / url.removeprefix('sqlite:///')}"
    return url


class Learner:
    def __init__(self, settings: AdminSettings, data: TrainingData) -> None:
        self.settings, self.data = settings, data
        self.reviewed_path = settings.models_dir / "learn_reviewed.json"
        self._lock = threading.Lock()

    def _engine(self) -> sa.Engine:
        url = tracker_store_url(self.settings)
        if url.startswith("sqlite:///"):
            path = url.removeprefix("sqlite:///")
            if not Path(path).exists():
                raise AdminError(404, "no_conversations", f"no tracker store at {path} yet (no conversations)")
            # mode=ro: the workbench never writes Rasa's store
            return sa.create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
        return sa.create_engine(url, pool_pre_ping=True)

    def reviewed(self) -> set[int]:
        if not self.reviewed_path.exists():
            return set()
        return set(json.loads(self.reviewed_path.read_text(encoding="utf-8")))

    def _mark(self, event_id: int) -> None:
        with self._lock:
            ids = self.reviewed() | {event_id}
            yamlio.write_atomic(self.reviewed_path, json.dumps(sorted(ids)))

    def candidates(self, limit: int = 100, include_reviewed: bool = False) -> list[dict[str, Any]]:
        events = sa.table("events", sa.column("id"), sa.column("sender_id"), sa.column("type_name"),
                          sa.column("timestamp"), sa.column("intent_name"), sa.column("action_name"),
                          sa.column("data"))
        query = (sa.select(events.c.id, events.c.sender_id, events.c.type_name, events.c.action_name, events.c.data)
                 .where(events.c.type_name.in_(("user", "action")))
                 .order_by(events.c.sender_id, events.c.id))
        engine = self._engine()
        try:
            with engine.connect() as connection:
                rows = connection.execute(query).all()
        except sa.exc.SQLAlchemyError as exc:
            raise AdminError(503, "tracker_store_unavailable",
                             f"cannot read the tracker store: {exc.__class__.__name__}") from None
        finally:
            engine.dispose()
        reviewed = set() if include_reviewed else self.reviewed()
        found: dict[int, dict[str, Any]] = {}
        last_user: dict[str, dict[str, Any]] = {}
        for row in rows:
            if row.type_name == "action":
                previous = last_user.get(row.sender_id)
                if previous and row.action_name and any(m in row.action_name for m in HANDOFF_MARKERS):
                    previous["reasons"].add("handed_off")
                    found[previous["event_id"]] = previous
                continue
            try:
                event = json.loads(row.data or "{}")
            except ValueError:
                continue
            parse = event.get("parse_data") or {}
            text = event.get("text") or parse.get("text") or ""
            if not text or text.startswith("/"):  # buttons and gateway commands are not customer wording
                continue
            intent = parse.get("intent") or {}
            ranking = parse.get("intent_ranking") or []
            confidence = float(intent.get("confidence") or 0.0)
            # FallbackClassifier puts nlu_fallback first; the best real guess is next in the ranking.
            guess = next((r for r in ranking if r.get("name") != "nlu_fallback"), intent)
            metadata = event.get("metadata") or {}
            item = {"event_id": row.id, "sender_id": row.sender_id, "text": text,
                    "timestamp": event.get("timestamp"), "language": metadata.get("language"),
                    "original_text": metadata.get("original_text"),
                    "intent": intent.get("name"), "confidence": round(confidence, 4),
                    "suggested_intent": guess.get("name"), "suggested_confidence": round(float(
                        guess.get("confidence") or 0.0), 4),
                    "entities": [{k: e.get(k) for k in ("entity", "value", "start", "end")}
                                 for e in parse.get("entities") or []],
                    "reasons": set()}
            if intent.get("name") == "nlu_fallback":
                item["reasons"].add("nlu_fallback")
            if confidence < self.settings.low_confidence:
                item["reasons"].add("low_confidence")
            # asking for a person is understood fine; what the bot failed on is what came before
            if intent.get("name") != "request_human":
                last_user[row.sender_id] = item
            if item["reasons"]:
                found[row.id] = item
        out = [dict(item, reasons=sorted(item["reasons"]))
               for item in found.values() if item["event_id"] not in reviewed]
        out.sort(key=lambda i: i["timestamp"] or 0, reverse=True)
        return out[:limit]

    def accept(self, actor: Actor, event_id: int, intent: str, example: str, language: str,
               file: str | None = None) -> dict[str, Any]:
        """Turns a reviewed message into a training example (validated like any edit)."""
        block = self.data.add_example(actor, language, intent, example, file)
        self._mark(event_id)
        return block

    def dismiss(self, event_id: int) -> None:
        self._mark(event_id)
