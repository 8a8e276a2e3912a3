from datetime import datetime

from pydantic import BaseModel, Field

from crm_backend.schemas.common import Email, OrderNumber, RequestModel, SessionId, StaffRef, text
from crm_backend.vocab import AuthorType, Priority, TicketCategory, TicketStatus


class TicketCreate(RequestModel):
    subject: str = text(200)
    description: str = text(5000)
    category: TicketCategory
    priority: Priority | None = None
    order_number: OrderNumber | None = None
    conversation_session_id: SessionId | None = None
    contact_email: Email | None = None


class TicketUpdate(RequestModel):
    """Staff edits; fields left out stay as they are (assignee_id: null unassigns)."""

    subject: str | None = Field(default=None, min_length=1, max_length=200)
    status: TicketStatus | None = None
    priority: Priority | None = None
    category: TicketCategory | None = None
    assignee_id: int | None = Field(default=None, ge=1)
    expected_version: int | None = Field(default=None, ge=1)


class CommentCreate(RequestModel):
    body: str = text(5000)
    public: bool = True


class CommentPublic(BaseModel):
    id: int
    author_type: AuthorType
    author_name: str | None
    body: str
    public: bool
    created_at: datetime


class TicketSummary(BaseModel):
    number: str
    subject: str
    status: TicketStatus
    category: TicketCategory
    priority: Priority
    order_number: str | None
    created_at: datetime
    updated_at: datetime
    sla_due_at: datetime
    version: int


class TicketPublic(TicketSummary):
    """What a verified customer sees: public comments only."""

    description: str
    comments: list[CommentPublic]


class TicketStaffView(TicketPublic):
    """The agent console's view: every comment, assignee and contact."""

    customer_id: int | None
    contact_email: str | None
    assignee: StaffRef | None
    source: str
    conversation_session_id: str | None
    solved_at: datetime | None
    closed_at: datetime | None
    sla_breached: bool
