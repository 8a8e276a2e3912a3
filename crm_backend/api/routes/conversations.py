from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from crm_backend.api.deps import GatewayOrStaff, GatewayPrincipal, MutationDep, SessionDep, StaffPrincipal
from crm_backend.api.params import Limit, Offset, SessionIdPath
from crm_backend.schemas import present
from crm_backend.schemas.common import Page
from crm_backend.schemas.conversations import (
    ConversationPublic,
    ConversationUpdate,
    ConversationUpsert,
    CsatRequest,
    HandoffRequest,
    HandoffResult,
    MessageCreate,
    MessagePublic,
    QueueEntry,
    ResolveRequest,
    TransferRequest,
)
from crm_backend.services import conversations
from crm_backend.vocab import ConversationState

router = APIRouter(tags=["conversations"])


@router.put("/conversations/{session_id}", response_model=ConversationPublic)
def upsert_conversation(session_id: SessionIdPath, body: ConversationUpsert, _gateway: GatewayPrincipal,
                        m: MutationDep) -> ConversationPublic:
    """Create the conversation for a chat session, or update its language/channel/customer."""
    return m.run(lambda: present.conversation(conversations.upsert(m.session, m.actor, session_id, body)), body)


@router.get("/conversations", response_model=Page[ConversationPublic])
def list_conversations(_caller: GatewayOrStaff, session: SessionDep, state: ConversationState | None = None,
                       assignee_id: int | None = Query(default=None, ge=1),
                       customer_id: int | None = Query(default=None, ge=1), limit: Limit = 20,
                       offset: Offset = 0) -> Page[ConversationPublic]:
    rows, total = conversations.search(session, state=state, assignee_id=assignee_id, customer_id=customer_id,
                                       limit=limit, offset=offset)
    return Page(items=[present.conversation(c) for c in rows], total=total, limit=limit, offset=offset)


@router.get("/conversations/{session_id}", response_model=ConversationPublic)
def get_conversation(session_id: SessionIdPath, _caller: GatewayOrStaff, session: SessionDep) -> ConversationPublic:
    return present.conversation(conversations.get(session, session_id))


@router.patch("/conversations/{session_id}", response_model=ConversationPublic)
def update_conversation(session_id: SessionIdPath, body: ConversationUpdate, _caller: GatewayOrStaff,
                        m: MutationDep) -> ConversationPublic:
    def operation() -> ConversationPublic:
        conv = conversations.get(m.session, session_id)
        changes = body.model_dump(include=body.model_fields_set - {"expected_version"})
        return present.conversation(conversations.update_fields(m.session, m.actor, conv, changes,
                                                                body.expected_version))

    return m.run(operation, body)


@router.post("/conversations/{session_id}/messages", response_model=MessagePublic, status_code=201,
             responses={200: {"model": MessagePublic, "description": "Already stored (same client_message_id)"}})
def add_message(session_id: SessionIdPath, body: MessageCreate, principal: GatewayOrStaff, m: MutationDep,
                response: Response) -> MessagePublic:
    """Store a message; `seq` orders the conversation. The same client_message_id again answers
    200 with the stored message instead of storing it twice."""
    created = True

    def operation() -> MessagePublic:
        nonlocal created
        conv = conversations.get(m.session, session_id)
        message, created = conversations.add_message(m.session, m.actor, principal, conv, body)
        return present.message(message)

    result = m.run(operation, body)
    if not created:
        response.status_code = 200
    return result


@router.get("/conversations/{session_id}/messages", response_model=list[MessagePublic])
def list_messages(session_id: SessionIdPath, _caller: GatewayOrStaff, session: SessionDep,
                  after_seq: Annotated[int, Query(ge=0)] = 0, limit: Annotated[int, Query(ge=1, le=500)] = 100,
                  include_notes: bool = False) -> list[MessagePublic]:
    conv = conversations.get(session, session_id)
    rows = conversations.list_messages(session, conv, after_seq=after_seq, limit=limit, include_notes=include_notes)
    return [present.message(row) for row in rows]


@router.post("/conversations/{session_id}/handoff", response_model=HandoffResult)
def handoff(session_id: SessionIdPath, body: HandoffRequest, _gateway: GatewayPrincipal,
            m: MutationDep) -> HandoffResult:
    """bot -> queued. Creates (or reopens) the conversation's ticket with the summary and the
    transcript as an internal note; answers the queue position. A repeated handoff keeps its place."""

    def operation() -> HandoffResult:
        conv = conversations.handoff(m.session, m.actor, conversations.get(m.session, session_id), body)
        return present.handoff(conv, conversations.queue_position(m.session, conv))

    return m.run(operation, body)


@router.post("/conversations/{session_id}/take", response_model=ConversationPublic)
def take(session_id: SessionIdPath, principal: StaffPrincipal, m: MutationDep) -> ConversationPublic:
    """queued -> with_agent, exclusively: of two agents taking at once, one gets it and the
    other 409 already_taken naming the assignee."""
    return m.run(lambda: present.conversation(
        conversations.take(m.session, m.actor, principal, conversations.get(m.session, session_id))))


@router.post("/conversations/{session_id}/transfer", response_model=ConversationPublic)
def transfer(session_id: SessionIdPath, body: TransferRequest, principal: GatewayOrStaff,
             m: MutationDep) -> ConversationPublic:
    return m.run(lambda: present.conversation(conversations.transfer(
        m.session, m.actor, principal, conversations.get(m.session, session_id), body.to_staff_id, body.note)), body)


@router.post("/conversations/{session_id}/handback", response_model=ConversationPublic)
def handback(session_id: SessionIdPath, principal: GatewayOrStaff, m: MutationDep) -> ConversationPublic:
    """queued | with_agent -> bot."""
    return m.run(lambda: present.conversation(
        conversations.handback(m.session, m.actor, principal, conversations.get(m.session, session_id))))


@router.post("/conversations/{session_id}/resolve", response_model=ConversationPublic)
def resolve(session_id: SessionIdPath, principal: GatewayOrStaff, m: MutationDep,
            body: Annotated[ResolveRequest | None, Body()] = None) -> ConversationPublic:
    """any -> closed; solves the handoff ticket unless `solve_ticket` is false."""
    solve = body.solve_ticket if body is not None else True
    return m.run(lambda: present.conversation(conversations.resolve(
        m.session, m.actor, principal, conversations.get(m.session, session_id), solve)), body)


@router.post("/conversations/{session_id}/csat", response_model=ConversationPublic)
def csat(session_id: SessionIdPath, body: CsatRequest, _gateway: GatewayPrincipal,
         m: MutationDep) -> ConversationPublic:
    return m.run(lambda: present.conversation(conversations.csat(
        m.session, m.actor, conversations.get(m.session, session_id), body.score, body.comment)), body)


@router.get("/queue", response_model=list[QueueEntry])
def queue(_caller: GatewayOrStaff, session: SessionDep,
          limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[QueueEntry]:
    """Queued conversations: higher priority first, then longest waiting."""
    return [present.queue_entry(conv, position) for position, conv in
            enumerate(conversations.queue(session, limit), start=1)]
