from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_backend.db import Base, utcnow
from crm_backend.models._types import enum_type
from crm_backend.models.customers import Customer
from crm_backend.models.orders import Order
from crm_backend.models.staff import Staff
from crm_backend.vocab import AuthorType, Priority, TicketCategory, TicketStatus


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(6), unique=True)  # T + 5 digits
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    # An order number an unverified customer mentioned; kept as text, never linked unchecked.
    order_reference: Mapped[str | None] = mapped_column(String(6))
    contact_email: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[TicketCategory] = mapped_column(enum_type(TicketCategory, "ticket_category"), index=True)
    priority: Mapped[Priority] = mapped_column(enum_type(Priority, "ticket_priority"))
    status: Mapped[TicketStatus] = mapped_column(enum_type(TicketStatus, "ticket_status"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    source: Mapped[str] = mapped_column(String(16), default="api")  # chat | handoff | return | agent | api
    conversation_session_id: Mapped[str | None] = mapped_column(String(128), index=True)
    sla_due_at: Mapped[datetime]
    solved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer | None] = relationship()
    order: Mapped[Order | None] = relationship()
    assignee: Mapped[Staff | None] = relationship()
    comments: Mapped[list["TicketComment"]] = relationship(
        back_populates="ticket", order_by="TicketComment.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}


class TicketComment(Base):
    __tablename__ = "ticket_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author_type: Mapped[AuthorType] = mapped_column(enum_type(AuthorType, "comment_author_type"))
    author_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    body: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(default=True)  # False: internal, never shown to the customer
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="comments")
    author_staff: Mapped[Staff | None] = relationship()


Index("ix_tickets_status_priority", Ticket.status, Ticket.priority)
