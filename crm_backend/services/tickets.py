"""Tickets: numbering, SLA due times, the status table (vocab.TICKET_TRANSITIONS) and
comments (public, or internal notes customers never see)."""

from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session, selectinload

from crm_backend.db import utcnow
from crm_backend.models import Counter, Customer, Order, Ticket, TicketComment
from crm_backend.services import audit
from crm_backend.services import staff as staff_service
from crm_backend.services.errors import InvalidTransition, NotFound, Unprocessable
from crm_backend.services.security import Actor
from crm_backend.services.unit_of_work import check_expected_version, flush_or_conflict
from crm_backend.vocab import (
    HIGH_TIERS,
    PRIORITY_RANK,
    TICKET_TRANSITIONS,
    AuthorType,
    Priority,
    TicketCategory,
    TicketStatus,
)

# First-response targets per priority.
SLA = {Priority.urgent: timedelta(hours=4), Priority.high: timedelta(hours=8),
       Priority.normal: timedelta(hours=24), Priority.low: timedelta(hours=72)}
OPEN_STATUSES = (TicketStatus.open, TicketStatus.pending, TicketStatus.on_hold)


def default_priority(customer: Customer | None, requested: Priority | None) -> Priority:
    """The caller's priority, else normal; gold and platinum customers never wait behind normal."""
    priority = requested or Priority.normal
    if customer is not None and customer.tier in HIGH_TIERS and PRIORITY_RANK[priority] < PRIORITY_RANK[
            Priority.high]:
        return Priority.high
    return priority


def next_number(session: Session) -> str:
    """T + 5 digits: a sequence on PostgreSQL (no lock held until commit, migration 0002),
    else an atomic update of the counter row (SQLite serialises writers anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        value = session.execute(text("SELECT nextval('ticket_number_seq')")).scalar_one()
    else:
        value = session.execute(update(Counter).where(Counter.name == "ticket").values(value=Counter.value + 1)
                                .returning(Counter.value)).scalar_one()
    if value > 99999:
        raise RuntimeError("ticket numbers T10000-T99999 are exhausted")
    return f"T{value:05d}"


def set_last_number(session: Session, value: int) -> None:
    """After a bulk load: the next ticket gets number value + 1."""
    session.execute(update(Counter).where(Counter.name == "ticket").values(value=value))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT setval('ticket_number_seq', :value)"), {"value": value})


def snapshot(ticket: Ticket) -> dict[str, Any]:
    return {"number": ticket.number, "status": ticket.status, "priority": ticket.priority,
            "category": ticket.category, "subject": ticket.subject, "assignee_id": ticket.assignee_id,
            "customer_id": ticket.customer_id, "order_id": ticket.order_id, "version": ticket.version}


def create(session: Session, actor: Actor, *, subject: str, description: str, category: TicketCategory,
           priority: Priority, customer: Customer | None = None, order: Order | None = None,
           order_reference: str | None = None, contact_email: str | None = None, source: str = "api",
           conversation_session_id: str | None = None, assignee_id: int | None = None) -> Ticket:
    now = utcnow()
    ticket = Ticket(number=next_number(session), customer_id=customer.id if customer else None,
                    order_id=order.id if order else None, order_reference=order_reference,
                    contact_email=contact_email or (customer.email if customer else None), subject=subject,
                    description=description, category=category, priority=priority, status=TicketStatus.open,
                    source=source, conversation_session_id=conversation_session_id, assignee_id=assignee_id,
                    sla_due_at=now + SLA[priority], created_at=now, updated_at=now,
                    comments=[])  # known empty: no query to load it for the response
    session.add(ticket)
    session.flush()
    audit.record(session, actor, "ticket.created", "ticket", ticket.number, None, snapshot(ticket))
    return ticket


def get(session: Session, number: str, customer_id: int | None = None) -> Ticket:
    query = select(Ticket).where(Ticket.number == number.upper()).options(
        selectinload(Ticket.comments).selectinload(TicketComment.author_staff), selectinload(Ticket.order),
        selectinload(Ticket.assignee))
    if customer_id is not None:
        query = query.where(Ticket.customer_id == customer_id)
    ticket = session.scalar(query)
    if ticket is None:
        raise NotFound(f"There is no ticket {number}.", code="ticket_not_found")
    return ticket


def search(session: Session, *, customer_id: int | None = None, status: TicketStatus | None = None,
           category: TicketCategory | None = None, priority: Priority | None = None, assignee_id: int | None = None,
           unassigned: bool = False, order_number: str | None = None, q: str | None = None,
           limit: int = 20, offset: int = 0) -> tuple[list[Ticket], int]:
    query = select(Ticket)
    if customer_id is not None:
        query = query.where(Ticket.customer_id == customer_id)
    if status is not None:
        query = query.where(Ticket.status == status)
    if category is not None:
        query = query.where(Ticket.category == category)
    if priority is not None:
        query = query.where(Ticket.priority == priority)
    if assignee_id is not None:
        query = query.where(Ticket.assignee_id == assignee_id)
    if unassigned:
        query = query.where(Ticket.assignee_id.is_(None))
    if order_number:
        query = query.outerjoin(Order, Order.id == Ticket.order_id).where(
            or_(Order.number == order_number, Ticket.order_reference == order_number))
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(Ticket.number == q.upper(), func.lower(Ticket.subject).like(pattern)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.options(selectinload(Ticket.order)).order_by(
        Ticket.created_at.desc(), Ticket.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total


def add_comment(session: Session, ticket: Ticket, actor: Actor, *, body: str, public: bool,
                author_type: AuthorType, staff_id: int | None = None) -> TicketComment:
    if ticket.status == TicketStatus.closed:
        raise InvalidTransition(f"Ticket {ticket.number} is closed; open a new ticket instead.",
                                code="ticket_closed", status=ticket.status.value)
    comment = TicketComment(ticket_id=ticket.id, author_type=author_type, author_staff_id=staff_id, body=body,
                            public=public, created_at=utcnow())
    ticket.comments.append(comment)
    # A customer's reply brings a waiting or solved ticket back to the agents. Other comments do
    # not touch the ticket row, so two people commenting at once never conflict.
    if author_type == AuthorType.customer and ticket.status in (TicketStatus.pending, TicketStatus.solved):
        before = snapshot(ticket)
        ticket.status, ticket.solved_at = TicketStatus.open, None
        flush_or_conflict(session, f"Ticket {ticket.number}", number=ticket.number)
        audit.record(session, actor, "ticket.reopened", "ticket", ticket.number, before, snapshot(ticket))
    session.flush()
    audit.record(session, actor, "ticket.commented", "ticket", ticket.number, None,
                 {"comment_id": comment.id, "public": public, "author_type": author_type})
    return comment


def change_status(ticket: Ticket, to: TicketStatus) -> None:
    if to == ticket.status:
        return
    if to not in TICKET_TRANSITIONS[ticket.status]:
        raise InvalidTransition(f"Ticket {ticket.number} cannot go from {ticket.status} to {to}.",
                                status=ticket.status.value, requested=to.value)
    now = utcnow()
    ticket.status = to
    if to == TicketStatus.solved:
        ticket.solved_at = now
    elif to == TicketStatus.closed:
        ticket.closed_at = now
    elif to == TicketStatus.open:
        ticket.solved_at = None


def set_priority(ticket: Ticket, priority: Priority) -> None:
    ticket.priority = priority
    ticket.sla_due_at = ticket.created_at + SLA[priority]


def edit(session: Session, ticket: Ticket, actor: Actor, changes: dict[str, Any],
           expected_version: int | None = None) -> Ticket:
    check_expected_version(expected_version, ticket.version, f"Ticket {ticket.number}")
    before = snapshot(ticket)
    if "assignee_id" in changes:
        staff_id, staff = changes["assignee_id"], None
        if staff_id is not None:
            staff = staff_service.get_active(session, staff_id)
        ticket.assignee = staff  # the relationship, so the response shows the new assignee
    if changes.get("subject"):
        ticket.subject = changes["subject"]
    if changes.get("category"):
        ticket.category = changes["category"]
    if changes.get("priority") and changes["priority"] != ticket.priority:
        set_priority(ticket, changes["priority"])
    if changes.get("status"):
        change_status(ticket, changes["status"])
    flush_or_conflict(session, f"Ticket {ticket.number}", number=ticket.number)
    after = snapshot(ticket)
    if after != before:
        audit.record(session, actor, "ticket.updated", "ticket", ticket.number, before, after)
    return ticket


def open_from_request(session: Session, actor: Actor, body: Any, *, verified_customer_id: int | None,
                      is_staff: bool) -> Ticket:
    """POST /tickets. A verified customer's ticket is theirs (and an order must be theirs too);
    staff may file for anyone; an unverified visitor must leave a contact e-mail, and an order
    number they mention is linked only when that e-mail is the order's."""
    from crm_backend.services import orders  # orders imports this module

    customer: Customer | None = None
    order: Order | None = None
    order_reference: str | None = None
    if verified_customer_id is not None:
        customer = session.get(Customer, verified_customer_id)
        if body.order_number:
            order = orders.get(session, body.order_number, verified_customer_id, details=False)
    elif is_staff:
        if body.order_number:
            order = orders.get(session, body.order_number, details=False)
            customer = session.get(Customer, order.customer_id)
        elif body.contact_email:
            customer = session.scalar(select(Customer).where(Customer.email == body.contact_email))
    else:
        if not body.contact_email:
            raise Unprocessable("Without a verified customer, contact_email is required.",
                                code="contact_email_required")
        if body.order_number:
            candidate = session.scalar(select(Order).where(Order.number == body.order_number))
            owner = session.get(Customer, candidate.customer_id) if candidate else None
            if owner is not None and owner.email == body.contact_email:
                order, customer = candidate, owner
            else:
                order_reference = body.order_number
    source = "chat" if body.conversation_session_id else ("agent" if is_staff else "api")
    return create(session, actor, subject=body.subject, description=body.description, category=body.category,
                  priority=default_priority(customer, body.priority), customer=customer, order=order,
                  order_reference=order_reference, contact_email=body.contact_email, source=source,
                  conversation_session_id=body.conversation_session_id)
