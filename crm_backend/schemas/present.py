"""ORM objects -> public schemas. The only place that decides what a response shows."""

from crm_backend.db import utcnow
from crm_backend.models import Conversation, Customer, Message, Order, ReturnRequest, Staff, Ticket, TicketComment
from crm_backend.schemas.common import Money, StaffRef
from crm_backend.schemas.conversations import (
    ConversationPublic,
    HandoffResult,
    MessagePublic,
    QueueCustomer,
    QueueEntry,
)
from crm_backend.schemas.orders import (
    AddressPublic,
    AllowedActions,
    OrderItemPublic,
    OrderPublic,
    OrderSummary,
    ReturnRequestPublic,
    StatusChangePublic,
)
from crm_backend.schemas.people import CustomerPublic, MeProfile, StaffPublic, VerifiedCustomer
from crm_backend.schemas.tickets import CommentPublic, TicketPublic, TicketStaffView, TicketSummary
from crm_backend.services import orders as order_rules
from crm_backend.vocab import AuthorType


def staff(member: Staff) -> StaffPublic:
    return StaffPublic(id=member.id, name=member.name, email=member.email, role=member.role,
                       languages=list(member.languages or []), is_active=member.is_active)


def staff_ref(member: Staff | None) -> StaffRef | None:
    return StaffRef(id=member.id, name=member.name) if member is not None else None


# --- customers -------------------------------------------------------------------------------
def masked_email(email: str | None) -> str:
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[0]}***@{domain}"


def masked_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    digits = [c for c in phone if c.isdigit()]
    return "*" * max(len(digits) - 4, 0) + "".join(digits[-4:])


def verified_customer(customer: Customer) -> VerifiedCustomer:
    return VerifiedCustomer(id=customer.id, first_name=customer.first_name, masked_email=masked_email(customer.email),
                            preferred_language=customer.preferred_language, tier=customer.tier)


def me(customer: Customer) -> MeProfile:
    return MeProfile(**verified_customer(customer).model_dump(), masked_phone=masked_phone(customer.phone),
                     last_initial=(customer.last_name[:1] + ".") if customer.last_name else "")


def customer(row: Customer) -> CustomerPublic:
    return CustomerPublic.model_validate(row, from_attributes=True)


# --- orders ------------------------------------------------------------------------------------
def order_summary(order: Order) -> OrderSummary:
    return OrderSummary(
        number=order.number, status=order.status, placed_at=order.placed_at,
        total=Money.from_minor(order.total_minor, order.currency),
        item_count=sum(item.quantity for item in order.items), carrier=order.carrier,
        tracking_number=order.tracking_number, estimated_delivery=order.estimated_delivery,
        delivered_at=order.delivered_at, customer_id=order.customer_id, version=order.version)


def order(row: Order, return_window_days: int) -> OrderPublic:
    return OrderPublic(
        **order_summary(row).model_dump(),
        items=[OrderItemPublic(sku=i.sku, name=i.name, quantity=i.quantity,
                               unit_price=Money.from_minor(i.unit_price_minor, row.currency)) for i in row.items],
        subtotal=Money.from_minor(row.subtotal_minor, row.currency),
        shipping=Money.from_minor(row.shipping_minor, row.currency),
        shipping_address=AddressPublic(name=row.ship_name, line1=row.ship_line1, line2=row.ship_line2,
                                       city=row.ship_city, postal_code=row.ship_postal_code,
                                       country=row.ship_country),
        tracking_url=order_rules.tracking_url(row.carrier, row.tracking_number),
        status_history=[StatusChangePublic(status=h.to_status, at=h.at, by=h.actor_kind, note=h.note)
                        for h in row.history],
        return_deadline=order_rules.return_deadline(row, return_window_days),
        allowed=AllowedActions.model_validate(order_rules.allowed_actions(row, return_window_days)),
    )


def return_request(row: ReturnRequest, order_number: str) -> ReturnRequestPublic:
    return ReturnRequestPublic(id=row.id, order_number=order_number, status=row.status, category=row.category,
                               reason=row.reason, description=row.description, created_at=row.created_at)


# --- tickets -------------------------------------------------------------------------------------
def _order_number(ticket: Ticket) -> str | None:
    return ticket.order.number if ticket.order is not None else ticket.order_reference


def ticket_summary(ticket: Ticket) -> TicketSummary:
    return TicketSummary(number=ticket.number, subject=ticket.subject, status=ticket.status,
                         category=ticket.category, priority=ticket.priority, order_number=_order_number(ticket),
                         created_at=ticket.created_at, updated_at=ticket.updated_at, sla_due_at=ticket.sla_due_at,
                         version=ticket.version)


def comment(row: TicketComment) -> CommentPublic:
    if row.author_type == AuthorType.staff and row.author_staff is not None:
        name = row.author_staff.name
    else:
        name = {AuthorType.customer: "Customer", AuthorType.system: "System"}.get(row.author_type, "Support")
    return CommentPublic(id=row.id, author_type=row.author_type, author_name=name, body=row.body,
                         public=row.public, created_at=row.created_at)


def ticket_for_customer(ticket: Ticket) -> TicketPublic:
    return TicketPublic(**ticket_summary(ticket).model_dump(), description=ticket.description,
                        comments=[comment(c) for c in ticket.comments if c.public])


def ticket_for_staff(ticket: Ticket) -> TicketStaffView:
    open_ = ticket.status not in ("solved", "closed")
    return TicketStaffView(
        **ticket_summary(ticket).model_dump(), description=ticket.description,
        comments=[comment(c) for c in ticket.comments], customer_id=ticket.customer_id,
        contact_email=ticket.contact_email, assignee=staff_ref(ticket.assignee), source=ticket.source,
        conversation_session_id=ticket.conversation_session_id, solved_at=ticket.solved_at,
        closed_at=ticket.closed_at, sla_breached=open_ and utcnow() > ticket.sla_due_at)


# --- conversations ----------------------------------------------------------------------------------
def conversation(conv: Conversation) -> ConversationPublic:
    return ConversationPublic(
        session_id=conv.session_id, state=conv.state, language=conv.language, channel=conv.channel,
        customer_id=conv.customer_id, assignee=staff_ref(conv.assignee),
        ticket_number=conv.ticket.number if conv.ticket is not None else None, priority=conv.priority,
        handoff_reason=conv.handoff_reason, summary=conv.summary, queued_at=conv.queued_at,
        assigned_at=conv.assigned_at, closed_at=conv.closed_at, csat_score=conv.csat_score,
        csat_comment=conv.csat_comment, last_seq=conv.last_seq, created_at=conv.created_at,
        updated_at=conv.updated_at, version=conv.version)


def handoff(conv: Conversation, position: int | None) -> HandoffResult:
    return HandoffResult(**conversation(conv).model_dump(), queue_position=position)


def message(row: Message) -> MessagePublic:
    return MessagePublic(id=row.id, seq=row.seq, client_message_id=row.client_message_id,
                         sender_type=row.sender_type, sender_staff_id=row.sender_staff_id, text=row.text,
                         language=row.language, original_text=row.original_text,
                         original_language=row.original_language, translations=row.translations,
                         metadata=row.meta, created_at=row.created_at)


def queue_entry(conv: Conversation, position: int) -> QueueEntry:
    customer = conv.customer
    return QueueEntry(
        position=position, session_id=conv.session_id, language=conv.language, priority=conv.priority,
        queued_at=conv.queued_at, waiting_s=max(int((utcnow() - conv.queued_at).total_seconds()), 0),
        customer=QueueCustomer(id=customer.id, name=f"{customer.first_name} {customer.last_name}", tier=customer.tier)
        if customer is not None else None,
        ticket_number=conv.ticket.number if conv.ticket is not None else None,
        handoff_reason=conv.handoff_reason, summary=conv.summary)
