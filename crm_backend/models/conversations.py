from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_backend.db import Base, utcnow
from crm_backend.models._types import enum_type
from crm_backend.models.customers import Customer
from crm_backend.models.staff import Staff
from crm_backend.models.tickets import Ticket
from crm_backend.vocab import ConversationState, Priority, SenderType


class Conversation(Base):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[str] = mapped_column(String(128), unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    language: Mapped[str] = mapped_column(String(8))
    channel: Mapped[str] = mapped_column(String(32))
    state: Mapped[ConversationState] = mapped_column(
        enum_type(ConversationState, "conversation_state"), default=ConversationState.bot, index=True
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))  # the handoff ticket
    priority: Mapped[Priority] = mapped_column(enum_type(Priority, "conversation_priority"), default=Priority.normal)
    handoff_reason: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str | None] = mapped_column(Text)
    queued_at: Mapped[datetime | None]
    assigned_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    csat_score: Mapped[int | None] = mapped_column(SmallInteger)
    csat_comment: Mapped[str | None] = mapped_column(String(1000))
    csat_at: Mapped[datetime | None]
    # Highest message seq handed out; bumped with an atomic UPDATE, outside the version check.
    last_seq: Mapped[int] = mapped_column(default=0)
    last_message_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer | None] = relationship()
    assignee: Mapped[Staff | None] = relationship()
    ticket: Mapped[Ticket | None] = relationship()

    __mapper_args__ = {"version_id_col": version}


class Message(Base):
    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("conversation_id", "seq"),
        UniqueConstraint("conversation_id", "client_message_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    seq: Mapped[int]
    client_message_id: Mapped[str] = mapped_column(String(100))
    sender_type: Mapped[SenderType] = mapped_column(enum_type(SenderType, "message_sender_type"))
    sender_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str] = mapped_column(String(8))
    original_text: Mapped[str | None] = mapped_column(Text)
    original_language: Mapped[str | None] = mapped_column(String(8))
    translations: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    meta: Mapped[dict[str, Any] | None] = mapped_column("metadata", JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
