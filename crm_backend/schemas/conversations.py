from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from crm_backend.schemas.common import LanguageCode, RequestModel, SmallJson, StaffRef, text
from crm_backend.vocab import ConversationState, Priority, SenderType, Tier


class ConversationUpsert(RequestModel):
    language: LanguageCode
    channel: str = Field(default="web", min_length=1, max_length=32, pattern=r"^[a-z0-9_\-]+$")
    customer_id: int | None = Field(default=None, ge=1)


class ConversationUpdate(RequestModel):
    language: LanguageCode | None = None
    customer_id: int | None = Field(default=None, ge=1)
    expected_version: int | None = Field(default=None, ge=1)


class ConversationPublic(BaseModel):
    session_id: str
    state: ConversationState
    language: str
    channel: str
    customer_id: int | None
    assignee: StaffRef | None
    ticket_number: str | None
    priority: Priority
    handoff_reason: str | None
    summary: str | None
    queued_at: datetime | None
    assigned_at: datetime | None
    closed_at: datetime | None
    csat_score: int | None
    csat_comment: str | None
    last_seq: int
    created_at: datetime
    updated_at: datetime
    version: int


class HandoffResult(ConversationPublic):
    queue_position: int | None


class MessageCreate(RequestModel):
    client_message_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")
    sender_type: SenderType
    sender_staff_id: int | None = Field(default=None, ge=1)
    text: str = Field(min_length=1, max_length=5000)
    language: LanguageCode
    original_text: str | None = Field(default=None, max_length=5000)
    original_language: LanguageCode | None = None
    translations: dict[LanguageCode, str] | None = Field(default=None, max_length=12)
    metadata: SmallJson | None = None

    @field_validator("translations")
    @classmethod
    def short_translations(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        if value and any(len(text) > 5000 for text in value.values()):
            raise ValueError("each translation may have at most 5000 characters")
        return value


class MessagePublic(BaseModel):
    id: int
    seq: int
    client_message_id: str
    sender_type: SenderType
    sender_staff_id: int | None
    text: str
    language: str
    original_text: str | None
    original_language: str | None
    translations: dict[str, Any] | None
    metadata: dict[str, Any] | None
    created_at: datetime


class HandoffRequest(RequestModel):
    reason: str = text(200)
    summary: str = Field(default="", max_length=4000)
    priority: Priority | None = None


class TransferRequest(RequestModel):
    to_staff_id: int = Field(ge=1)
    note: str | None = Field(default=None, max_length=1000)


class ResolveRequest(RequestModel):
    solve_ticket: bool = True


class CsatRequest(RequestModel):
    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=1000)


class QueueCustomer(BaseModel):
    id: int
    name: str
    tier: Tier


class QueueEntry(BaseModel):
    position: int
    session_id: str
    language: str
    priority: Priority
    queued_at: datetime
    waiting_s: int
    customer: QueueCustomer | None
    ticket_number: str | None
    handoff_reason: str | None
    summary: str | None
