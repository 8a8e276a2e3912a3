"""Conversations and their messages: upsert by session id, idempotent messages ordered by
a per-conversation seq, handoff to the queue (with a ticket carrying the transcript),
exclusive take, transfer, hand back, resolve and CSAT. States follow
vocab.CONVERSATION_TRANSITIONS."""

from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from crm_backend.db import insert_or_ignore, utcnow
from crm_backend.models import Conversation, Customer, Message, Staff, Ticket
from crm_backend.schemas.conversations import ConversationUpsert, HandoffRequest, MessageCreate
from crm_backend.services import audit, customers, tickets
from crm_backend.services import staff as staff_service
from crm_backend.services.errors import Conflict, Forbidden, InvalidTransition, NotFound, Unprocessable
from crm_backend.services.security import Actor, Principal
from crm_backend.services.unit_of_work import check_expected_version, flush_or_conflict
from crm_backend.vocab import (
    CONVERSATION_TRANSITIONS,
    PRIORITY_RANK,
    AuthorType,
    ConversationState,
    Priority,
    SenderType,
    TicketCategory,
    TicketStatus,
)

_RANK = case({p.value: rank for p, rank in PRIORITY_RANK.items()}, value=Conversation.priority)


def snapshot(conv: Conversation) -> dict[str, Any]:
    return {"state": conv.state, "assignee_id": conv.assignee_id, "language": conv.language,
            "customer_id": conv.customer_id, "priority": conv.priority,
            "ticket_id": conv.ticket_id, "csat_score": conv.csat_score, "version": conv.version}


def _options():
    return (selectinload(Conversation.assignee), selectinload(Conversation.ticket))


def get(session: Session, session_id: str, *, refresh: bool = False) -> Conversation:
    query = select(Conversation).where(Conversation.session_id == session_id).options(*_options())
    if refresh:
        query = query.execution_options(populate_existing=True)
    conv = session.scalar(query)
    if conv is None:
        raise NotFound(f"There is no conversation {session_id}.", code="conversation_not_found")
    return conv


def _check_customer(session: Session, customer_id: int | None) -> None:
    if customer_id is not None:
        customers.get(session, customer_id)


def _check_transition(conv: Conversation, action: str) -> ConversationState:
    sources, target = CONVERSATION_TRANSITIONS[action]
    if conv.state not in sources:
        raise InvalidTransition(f"Conversation {conv.session_id} is {conv.state}; cannot {action}.",
                                state=conv.state.value, action=action)
    return target


def _save(session: Session, conv: Conversation, actor: Actor, action: str, before: dict[str, Any]) -> Conversation:
    flush_or_conflict(session, f"Conversation {conv.session_id}", session_id=conv.session_id)
    audit.record(session, actor, f"conversation.{action}", "conversation", conv.session_id, before, snapshot(conv))
    return conv


def upsert(session: Session, actor: Actor, session_id: str, body: ConversationUpsert) -> Conversation:
    _check_customer(session, body.customer_id)
    now = utcnow()
    # INSERT .. ON CONFLICT DO NOTHING: two gateways registering the same session at once both succeed.
    created = insert_or_ignore(session, Conversation, ["session_id"], session_id=session_id, language=body.language,
                               channel=body.channel, customer_id=body.customer_id, state=ConversationState.bot,
                               priority=Priority.normal, last_seq=0, created_at=now, updated_at=now, version=1)
    conv = get(session, session_id, refresh=True)
    if created:
        audit.record(session, actor, "conversation.created", "conversation", session_id, None, snapshot(conv))
        return conv
    before = snapshot(conv)
    conv.language, conv.channel = body.language, body.channel
    if body.customer_id is not None:
        conv.customer_id = body.customer_id
    if session.is_modified(conv):
        _save(session, conv, actor, "updated", before)
    return conv


def update_fields(session: Session, actor: Actor, conv: Conversation, changes: dict[str, Any],
                  expected_version: int | None) -> Conversation:
    check_expected_version(expected_version, conv.version, f"Conversation {conv.session_id}")
    before = snapshot(conv)
    if changes.get("language"):
        conv.language = changes["language"]
    if "customer_id" in changes:
        _check_customer(session, changes["customer_id"])
        conv.customer_id = changes["customer_id"]
    if session.is_modified(conv):
        _save(session, conv, actor, "updated", before)
    return conv


# --- messages --------------------------------------------------------------------------------------
def _find_message(session: Session, conv: Conversation, client_message_id: str) -> Message | None:
    return session.scalar(select(Message).where(Message.conversation_id == conv.id,
                                                Message.client_message_id == client_message_id))


def add_message(session: Session, actor: Actor, principal: Principal, conv: Conversation,
                body: MessageCreate) -> tuple[Message, bool]:
    """Stores a message once per client_message_id; returns (message, created)."""
    existing = _find_message(session, conv, body.client_message_id)
    if existing is not None:
        return existing, False
    staff_id = body.sender_staff_id
    if body.sender_type in (SenderType.agent, SenderType.note):
        if principal.is_staff:
            if staff_id not in (None, principal.staff_id):
                raise Forbidden("Staff can only write messages as themselves.", code="not_yourself")
            staff_id = principal.staff_id
        if staff_id is None:
            raise Unprocessable("Agent messages and notes need sender_staff_id.", code="sender_staff_required")
        staff_service.get(session, staff_id)
    elif staff_id is not None:
        raise Unprocessable(f"A {body.sender_type} message has no sender_staff_id.", code="unexpected_sender_staff")
    now = utcnow()
    if body.sender_type == SenderType.customer and conv.state == ConversationState.closed:
        # The customer writes again: closed -> bot. A conditional UPDATE, so concurrent messages
        # reopen once and never conflict with each other.
        reopened = session.execute(update(Conversation).where(
            Conversation.id == conv.id, Conversation.state == ConversationState.closed).values(
            state=ConversationState.bot, assignee_id=None, queued_at=None, closed_at=None, updated_at=now,
            version=Conversation.version + 1).execution_options(synchronize_session=False)).rowcount
        if reopened:
            audit.record(session, actor, "conversation.reopened", "conversation", conv.session_id,
                         {"state": ConversationState.closed}, {"state": ConversationState.bot})
    # The next seq, atomically; on PostgreSQL this row lock also orders concurrent writers.
    seq = session.execute(update(Conversation).where(Conversation.id == conv.id).values(
        last_seq=Conversation.last_seq + 1, last_message_at=now).returning(Conversation.last_seq)
        .execution_options(synchronize_session=False)).scalar_one()
    message = Message(conversation_id=conv.id, seq=seq, client_message_id=body.client_message_id,
                      sender_type=body.sender_type, sender_staff_id=staff_id, text=body.text,
                      language=body.language, original_text=body.original_text,
                      original_language=body.original_language, translations=body.translations,
                      meta=body.metadata, created_at=now)
    session.add(message)
    try:
        session.flush()
    except IntegrityError:
        # The same client_message_id was stored concurrently: answer with that one.
        session.rollback()
        existing = _find_message(session, conv, body.client_message_id)
        if existing is None:
            raise
        return existing, False
    audit.record(session, actor, "message.created", "conversation", conv.session_id, None,
                 {"message_id": message.id, "seq": seq, "sender_type": body.sender_type})
    return message, True


def list_messages(session: Session, conv: Conversation, *, after_seq: int, limit: int,
                  include_notes: bool) -> list[Message]:
    query = select(Message).where(Message.conversation_id == conv.id, Message.seq > after_seq)
    if not include_notes:
        query = query.where(Message.sender_type != SenderType.note)
    return list(session.scalars(query.order_by(Message.seq).limit(limit)).all())


# --- the queue --------------------------------------------------------------------------------------
def queue_position(session: Session, conv: Conversation) -> int | None:
    if conv.state != ConversationState.queued or conv.queued_at is None:
        return None
    rank = PRIORITY_RANK[conv.priority]
    ahead = session.scalar(select(func.count()).select_from(Conversation).where(
        Conversation.state == ConversationState.queued, Conversation.id != conv.id,
        or_(_RANK > rank, (_RANK == rank) & or_(
            Conversation.queued_at < conv.queued_at,
            (Conversation.queued_at == conv.queued_at) & (Conversation.id < conv.id)))))
    return (ahead or 0) + 1


def queue(session: Session, limit: int = 100) -> list[Conversation]:
    return list(session.scalars(select(Conversation).where(Conversation.state == ConversationState.queued)
                                .options(selectinload(Conversation.customer), *_options())
                                .order_by(_RANK.desc(), Conversation.queued_at, Conversation.id).limit(limit)).all())


def search(session: Session, *, state: ConversationState | None, assignee_id: int | None,
           customer_id: int | None, limit: int, offset: int) -> tuple[list[Conversation], int]:
    query = select(Conversation)
    if state is not None:
        query = query.where(Conversation.state == state)
    if assignee_id is not None:
        query = query.where(Conversation.assignee_id == assignee_id)
    if customer_id is not None:
        query = query.where(Conversation.customer_id == customer_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.options(*_options()).order_by(Conversation.updated_at.desc(), Conversation.id.desc())
                           .limit(limit).offset(offset)).all()
    return list(rows), total


# --- handoff and the agent's side ------------------------------------------------------------------
_SPEAKER = {SenderType.customer: "Customer", SenderType.bot: "Bot", SenderType.agent: "Agent",
            SenderType.system: "System"}


def transcript(session: Session, conv: Conversation, limit: int = 500) -> str:
    rows = session.scalars(select(Message).where(Message.conversation_id == conv.id,
                                                 Message.sender_type != SenderType.note)
                           .order_by(Message.seq.desc()).limit(limit)).all()
    lines = []
    for row in reversed(rows):
        line = f"[{row.created_at:%Y-%m-%d %H:%M:%S}Z] {_SPEAKER[row.sender_type]} ({row.language}): {row.text}"
        if row.original_text and row.original_text != row.text:
            line += f"\n    original ({row.original_language or '?'}): {row.original_text}"
        lines.append(line)
    return "\n".join(lines) or "(no messages)"


def handoff(session: Session, actor: Actor, conv: Conversation, body: HandoffRequest) -> Conversation:
    if conv.state == ConversationState.queued:
        return conv  # already waiting (a retried handoff): keep its place in the queue
    _check_transition(conv, "handoff")
    before = snapshot(conv)
    customer = session.get(Customer, conv.customer_id) if conv.customer_id else None
    priority = tickets.default_priority(customer, body.priority)
    ticket = conv.ticket
    text = f"Handoff reason: {body.reason}\n\nSummary:\n{body.summary or '(none)'}\n\nTranscript:\n" \
           f"{transcript(session, conv)}"
    if ticket is None or ticket.status == TicketStatus.closed:
        ticket = tickets.create(session, actor, subject=f"Chat: {body.reason}"[:200],
                                description=body.summary or body.reason, category=TicketCategory.other,
                                priority=priority, customer=customer, source="handoff",
                                conversation_session_id=conv.session_id)
    else:
        if ticket.status == TicketStatus.solved:
            tickets.change_status(ticket, TicketStatus.open)
        if PRIORITY_RANK[priority] > PRIORITY_RANK[ticket.priority]:
            tickets.set_priority(ticket, priority)
    tickets.add_comment(session, ticket, actor, body=text, public=False, author_type=AuthorType.system)
    now = utcnow()
    conv.state, conv.queued_at, conv.priority = ConversationState.queued, now, priority
    conv.handoff_reason, conv.summary, conv.ticket = body.reason, body.summary or None, ticket
    conv.assignee, conv.assigned_at = None, None
    return _save(session, conv, actor, "handoff", before)


def _is_assignee_or_admin(principal: Principal, conv: Conversation) -> None:
    if principal.is_staff and not principal.is_admin and conv.assignee_id not in (None, principal.staff_id):
        raise Forbidden("Only the assigned agent or an admin can do this.", code="not_assignee",
                        assignee_id=conv.assignee_id)


def _already_taken(session: Session, conv: Conversation) -> Conflict:
    assignee = session.get(Staff, conv.assignee_id) if conv.assignee_id else None
    return Conflict(f"Conversation {conv.session_id} was already taken by {assignee.name if assignee else 'someone'}.",
                    code="already_taken",
                    assignee={"id": assignee.id, "name": assignee.name} if assignee else None)


def take(session: Session, actor: Actor, principal: Principal, conv: Conversation) -> Conversation:
    if conv.state == ConversationState.with_agent:
        if conv.assignee_id == principal.staff_id:
            return conv
        raise _already_taken(session, conv)
    _check_transition(conv, "take")
    before = snapshot(conv)
    agent = session.get(Staff, principal.staff_id)  # before changing conv: a query here would autoflush
    conv.state, conv.assignee, conv.assigned_at = ConversationState.with_agent, agent, utcnow()
    try:
        session.flush()  # UPDATE .. WHERE version = <read>: of two agents, one matches
    except StaleDataError:
        session.rollback()
        fresh = get(session, conv.session_id, refresh=True)
        if fresh.state == ConversationState.with_agent and fresh.assignee_id != principal.staff_id:
            raise _already_taken(session, fresh) from None
        raise Conflict(f"Conversation {conv.session_id} changed at the same time; reload it.",
                       code="version_conflict") from None
    if conv.ticket is not None and conv.ticket.assignee_id != principal.staff_id:
        tickets.edit(session, conv.ticket, actor, {"assignee_id": principal.staff_id})
    audit.record(session, actor, "conversation.take", "conversation", conv.session_id, before, snapshot(conv))
    return conv


def transfer(session: Session, actor: Actor, principal: Principal, conv: Conversation, to_staff_id: int,
             note: str | None) -> Conversation:
    _check_transition(conv, "transfer")
    _is_assignee_or_admin(principal, conv)
    target = staff_service.get_active(session, to_staff_id)
    if conv.assignee_id == to_staff_id:
        return conv
    before = snapshot(conv)
    if conv.ticket is not None:  # the ticket first: its flush must not carry the conversation's change
        tickets.edit(session, conv.ticket, actor, {"assignee_id": to_staff_id})
        if note:
            tickets.add_comment(session, conv.ticket, actor, body=f"Transferred to {target.name}: {note}",
                                public=False, author_type=AuthorType.staff if principal.is_staff
                                else AuthorType.system, staff_id=principal.staff_id)
    conv.assignee, conv.assigned_at = target, utcnow()
    return _save(session, conv, actor, "transfer", before)


def handback(session: Session, actor: Actor, principal: Principal, conv: Conversation) -> Conversation:
    _check_transition(conv, "handback")
    _is_assignee_or_admin(principal, conv)
    before = snapshot(conv)
    conv.state, conv.assignee, conv.assigned_at, conv.queued_at = ConversationState.bot, None, None, None
    return _save(session, conv, actor, "handback", before)


def resolve(session: Session, actor: Actor, principal: Principal, conv: Conversation,
            solve_ticket: bool) -> Conversation:
    if conv.state == ConversationState.closed:
        return conv
    _check_transition(conv, "resolve")
    _is_assignee_or_admin(principal, conv)
    before = snapshot(conv)
    ticket: Ticket | None = conv.ticket
    if solve_ticket and ticket is not None and ticket.status in tickets.OPEN_STATUSES:
        tickets.edit(session, ticket, actor, {"status": TicketStatus.solved})
    conv.state, conv.closed_at, conv.queued_at = ConversationState.closed, utcnow(), None
    return _save(session, conv, actor, "resolve", before)


def csat(session: Session, actor: Actor, conv: Conversation, score: int, comment: str | None) -> Conversation:
    before = snapshot(conv)
    conv.csat_score, conv.csat_comment, conv.csat_at = score, comment, utcnow()
    return _save(session, conv, actor, "csat", before)
