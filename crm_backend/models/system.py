"""Bookkeeping tables: audit log, idempotency keys, verification locks, number counters."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from crm_backend.db import Base, utcnow


class AuditEntry(Base):
    """Who changed what, when, with the state before and after. Written in the same
    transaction as the change it describes."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)  # service:gateway, staff:3, system
    actor_name: Mapped[str | None] = mapped_column(String(200))
    on_behalf_of: Mapped[str | None] = mapped_column(String(64))  # customer:42 for verified customers
    action: Mapped[str] = mapped_column(String(64), index=True)
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(128))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    diff: Mapped[dict[str, Any] | None] = mapped_column(JSON)


Index("ix_audit_log_entity", AuditEntry.entity_type, AuditEntry.entity_id)


class IdempotencyRecord(Base):
    """The first response to a mutation sent with an Idempotency-Key, replayed on retries."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("owner", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(100))  # principal (+ verified customer)
    key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))  # sha256 of method, path and body
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class VerificationAttempts(Base):
    """Failed verifications per order number; enough of them lock verification for a while."""

    __tablename__ = "verification_attempts"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]


class Counter(Base):
    """Sequences for human-facing numbers (tickets), incremented atomically."""

    __tablename__ = "number_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int]
