"""Customers: search, the agent's profile view, and GDPR export and erasure."""

from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from crm_backend.db import utcnow
from crm_backend.models import (
    AuditEntry,
    Conversation,
    Customer,
    Message,
    Order,
    ReturnRequest,
    Ticket,
    TicketComment,
)
from crm_backend.services import audit
from crm_backend.services.errors import Conflict, NotFound
from crm_backend.services.security import Actor
from crm_backend.services.tickets import OPEN_STATUSES
from crm_backend.services.unit_of_work import check_expected_version, flush_or_conflict

ERASED = "[erased]"
# Keys whose values are personal data wherever they appear in audit before/after JSON.
PERSONAL_KEYS = frozenset({"first_name", "last_name", "name", "email", "contact_email", "phone", "line1", "line2",
                           "city", "postal_code", "text", "original_text", "body", "description", "reason",
                           "summary", "comment", "csat_comment", "subject"})


def get(session: Session, customer_id: int) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"There is no customer {customer_id}.", code="customer_not_found")
    return customer


def search(session: Session, *, q: str | None, tier: str | None, limit: int, offset: int,
           include_erased: bool = False) -> tuple[list[Customer], int]:
    query = select(Customer)
    if not include_erased:
        query = query.where(Customer.erased_at.is_(None))
    if tier:
        query = query.where(Customer.tier == tier)
    if q:
        pattern = f"%{q.lower()}%"
        query = query.where(or_(Customer.email.like(pattern), func.lower(Customer.first_name).like(pattern),
                                func.lower(Customer.last_name).like(pattern),
                                func.lower(Customer.first_name + " " + Customer.last_name).like(pattern),
                                Customer.phone.like(f"%{q}%")))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Customer.last_name, Customer.first_name, Customer.id)
                           .limit(limit).offset(offset)).all()
    return list(rows), total


def profile(session: Session, customer: Customer, recent: int = 5) -> dict[str, Any]:
    orders = session.scalars(select(Order).where(Order.customer_id == customer.id).options(
        selectinload(Order.items)).order_by(Order.placed_at.desc()).limit(recent)).all()
    tickets = session.scalars(select(Ticket).where(Ticket.customer_id == customer.id).options(
        selectinload(Ticket.order)).order_by(Ticket.created_at.desc()).limit(recent)).all()
    order_count = session.scalar(select(func.count()).where(Order.customer_id == customer.id)) or 0
    open_tickets = session.scalar(select(func.count()).where(
        Ticket.customer_id == customer.id, Ticket.status.in_(OPEN_STATUSES))) or 0
    return {"orders": list(orders), "tickets": list(tickets), "order_count": order_count,
            "open_ticket_count": open_tickets}


def snapshot(customer: Customer) -> dict[str, Any]:
    return {"first_name": customer.first_name, "last_name": customer.last_name, "email": customer.email,
            "phone": customer.phone, "preferred_language": customer.preferred_language, "tier": customer.tier,
            "version": customer.version}


def update_customer(session: Session, actor: Actor, customer: Customer, changes: dict[str, Any],
                    expected_version: int | None) -> Customer:
    check_expected_version(expected_version, customer.version, f"Customer {customer.id}")
    if customer.erased_at is not None:
        raise Conflict("This customer was erased.", code="customer_erased")
    before = snapshot(customer)
    for field in ("first_name", "last_name", "email", "phone", "preferred_language", "tier"):
        if changes.get(field) is not None:
            setattr(customer, field, changes[field])
    try:
        flush_or_conflict(session, f"Customer {customer.id}", customer_id=customer.id)
    except IntegrityError:
        session.rollback()
        raise Conflict("Another customer already has this e-mail address.", code="email_taken") from None
    after = snapshot(customer)
    if after != before:
        audit.record(session, actor, "customer.updated", "customer", customer.id, before, after)
    return customer


# --- GDPR ----------------------------------------------------------------------------------------
def export(session: Session, actor: Actor, customer: Customer, present) -> dict[str, Any]:
    """Everything held about the customer, as JSON. `present` is schemas.present (passed in to
    keep this module free of response shapes)."""
    orders = session.scalars(select(Order).where(Order.customer_id == customer.id).options(
        selectinload(Order.items), selectinload(Order.history)).order_by(Order.placed_at)).all()
    returns = session.scalars(select(ReturnRequest).where(ReturnRequest.customer_id == customer.id)
                              .options(selectinload(ReturnRequest.order))).all()
    tickets = session.scalars(select(Ticket).where(Ticket.customer_id == customer.id).options(
        selectinload(Ticket.comments).selectinload(TicketComment.author_staff), selectinload(Ticket.order),
        selectinload(Ticket.assignee)).order_by(Ticket.created_at)).all()
    conversations = session.scalars(select(Conversation).where(Conversation.customer_id == customer.id).options(
        selectinload(Conversation.assignee), selectinload(Conversation.ticket)).order_by(Conversation.created_at)
    ).all()
    messages = {c.id: session.scalars(select(Message).where(Message.conversation_id == c.id)
                                      .order_by(Message.seq)).all() for c in conversations}
    audit.record(session, actor, "customer.exported", "customer", customer.id, None,
                 {"orders": len(orders), "tickets": len(tickets), "conversations": len(conversations)})
    return {
        "exported_at": utcnow().isoformat(),
        "customer": present.customer(customer).model_dump(mode="json"),
        "orders": [present.order(o, 30).model_dump(mode="json", exclude={"allowed", "return_deadline"})
                   for o in orders],
        "return_requests": [present.return_request(r, r.order.number).model_dump(mode="json") for r in returns],
        "tickets": [present.ticket_for_staff(t).model_dump(mode="json") for t in tickets],
        "conversations": [
            {**present.conversation(c).model_dump(mode="json"),
             "messages": [present.message(m).model_dump(mode="json") for m in messages[c.id]]}
            for c in conversations],
    }


def _redact(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: (ERASED if k in PERSONAL_KEYS and v is not None else _redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v) for v in value]
    return value


def erase(session: Session, actor: Actor, customer: Customer) -> dict[str, Any]:
    """Anonymises personal data everywhere it is held; orders keep their items and totals
    (accounting needs them) and the audit log keeps who did what, minus the personal values."""
    if customer.erased_at is not None:
        raise Conflict(f"Customer {customer.id} was already erased.", code="already_erased")
    now = utcnow()
    customer.first_name, customer.last_name, customer.email, customer.phone = "Erased", "Customer", None, None
    customer.erased_at = now
    flush_or_conflict(session, f"Customer {customer.id}", customer_id=customer.id)

    order_numbers = list(session.scalars(select(Order.number).where(Order.customer_id == customer.id)))
    session.execute(update(Order).where(Order.customer_id == customer.id).values(
        ship_name=ERASED, ship_line1=ERASED, ship_line2=None, ship_city=ERASED, ship_postal_code="-",
        version=Order.version + 1, updated_at=now).execution_options(synchronize_session=False))
    session.execute(update(ReturnRequest).where(ReturnRequest.customer_id == customer.id).values(
        reason=ERASED, description=None).execution_options(synchronize_session=False))
    ticket_rows = session.execute(select(Ticket.id, Ticket.number).where(Ticket.customer_id == customer.id)).all()
    ticket_ids = [row.id for row in ticket_rows]
    if ticket_ids:
        session.execute(update(Ticket).where(Ticket.id.in_(ticket_ids)).values(
            subject=ERASED, description=ERASED, contact_email=None, version=Ticket.version + 1, updated_at=now)
            .execution_options(synchronize_session=False))
        session.execute(update(TicketComment).where(TicketComment.ticket_id.in_(ticket_ids)).values(body=ERASED)
                        .execution_options(synchronize_session=False))
    conv_ids = list(session.scalars(select(Conversation.id).where(Conversation.customer_id == customer.id)))
    messages = 0
    if conv_ids:
        messages = session.execute(update(Message).where(Message.conversation_id.in_(conv_ids)).values(
            text=ERASED, original_text=None, translations=None, meta=None)
            .execution_options(synchronize_session=False)).rowcount
        session.execute(update(Conversation).where(Conversation.id.in_(conv_ids)).values(
            summary=None, csat_comment=None, handoff_reason=None, version=Conversation.version + 1)
            .execution_options(synchronize_session=False))
    # The audit trail stays, without the personal values it recorded.
    entities = [("customer", str(customer.id))] + [("order", n) for n in order_numbers] + \
               [("ticket", row.number) for row in ticket_rows]
    for entity_type, ids in _group(entities).items():
        for entry in session.scalars(select(AuditEntry).where(AuditEntry.entity_type == entity_type,
                                                              AuditEntry.entity_id.in_(ids))):
            entry.before, entry.after, entry.diff = _redact(entry.before), _redact(entry.after), _redact(entry.diff)
    result = {"customer_id": customer.id, "erased_at": now, "orders_kept": len(order_numbers),
              "messages_redacted": messages, "tickets_redacted": len(ticket_ids)}
    audit.record(session, actor, "customer.erased", "customer", customer.id, {"erased_at": None}, result)
    session.flush()
    return result


def _group(entities: list[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for entity_type, entity_id in entities:
        grouped.setdefault(entity_type, []).append(entity_id)
    return grouped
