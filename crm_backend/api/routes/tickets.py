from fastapi import APIRouter, Query

from crm_backend.api.deps import (
    CurrentPrincipal,
    CustomerAccess,
    MutationDep,
    OptionalCustomer,
    SessionDep,
    StaffPrincipal,
)
from crm_backend.api.params import Limit, Offset, SearchText, TicketNumberPath
from crm_backend.schemas import present
from crm_backend.schemas.common import Page
from crm_backend.schemas.tickets import (
    CommentCreate,
    CommentPublic,
    TicketCreate,
    TicketPublic,
    TicketStaffView,
    TicketSummary,
    TicketUpdate,
)
from crm_backend.services import tickets
from crm_backend.services.errors import Unprocessable
from crm_backend.vocab import AuthorType, Priority, TicketCategory, TicketStatus

router = APIRouter(prefix="/tickets", tags=["tickets"])


def _view(ticket, is_staff: bool) -> TicketPublic:
    return present.ticket_for_staff(ticket) if is_staff else present.ticket_for_customer(ticket)


@router.post("", response_model=TicketStaffView | TicketPublic, status_code=201)
def create_ticket(body: TicketCreate, principal: CurrentPrincipal, scope: OptionalCustomer,
                  m: MutationDep) -> TicketPublic:
    """Open a ticket. With X-Customer-Token it belongs to that customer; without one
    (an unverified visitor) `contact_email` is required. Send an Idempotency-Key: a retry
    returns the first ticket instead of opening a second."""

    def operation() -> TicketPublic:
        ticket = tickets.open_from_request(m.session, m.actor, body,
                                           verified_customer_id=scope.customer_id if scope else None,
                                           is_staff=principal.is_staff)
        return _view(ticket, principal.is_staff)

    return m.run(operation, body)


@router.get("", response_model=Page[TicketSummary])
def list_tickets(_staff: StaffPrincipal, session: SessionDep, status: TicketStatus | None = None,
                 category: TicketCategory | None = None, priority: Priority | None = None,
                 assignee_id: int | None = Query(default=None, ge=1), unassigned: bool = False,
                 customer_id: int | None = Query(default=None, ge=1),
                 order_number: str | None = Query(default=None, pattern=r"^\d{6}$"),
                 q: SearchText = None, limit: Limit = 20, offset: Offset = 0) -> Page[TicketSummary]:
    rows, total = tickets.search(session, customer_id=customer_id, status=status, category=category,
                                 priority=priority, assignee_id=assignee_id, unassigned=unassigned,
                                 order_number=order_number, q=q, limit=limit, offset=offset)
    return Page(items=[present.ticket_summary(t) for t in rows], total=total, limit=limit, offset=offset)


@router.get("/{number}", response_model=TicketStaffView | TicketPublic)
def get_ticket(number: TicketNumberPath, access: CustomerAccess, session: SessionDep) -> TicketPublic:
    """A verified customer's ticket with public comments only (another customer's answers 404);
    staff see every comment."""
    return _view(tickets.get(session, number, access.customer_id), access.customer_id is None)


@router.patch("/{number}", response_model=TicketStaffView)
def update_ticket(number: TicketNumberPath, body: TicketUpdate, _staff: StaffPrincipal,
                  m: MutationDep) -> TicketStaffView:
    def operation() -> TicketStaffView:
        ticket = tickets.get(m.session, number)
        changes = body.model_dump(include=body.model_fields_set - {"expected_version"})
        tickets.edit(m.session, ticket, m.actor, changes, body.expected_version)
        return present.ticket_for_staff(tickets.get(m.session, number))

    return m.run(operation, body)


@router.post("/{number}/comments", response_model=CommentPublic, status_code=201)
def add_comment(number: TicketNumberPath, body: CommentCreate, principal: CurrentPrincipal,
                access: CustomerAccess, m: MutationDep) -> CommentPublic:
    """A verified customer's reply (always public) or a staff comment (public, or an internal
    note with `public: false`). A customer reply reopens a pending or solved ticket."""
    is_customer = access.customer_id is not None
    if is_customer and not body.public:
        raise Unprocessable("Customers cannot write internal notes.", code="internal_note_not_allowed")

    def operation() -> CommentPublic:
        ticket = tickets.get(m.session, number, access.customer_id)
        comment = tickets.add_comment(m.session, ticket, m.actor, body=body.body, public=body.public,
                                      author_type=AuthorType.customer if is_customer else AuthorType.staff,
                                      staff_id=principal.staff_id)
        return present.comment(comment)

    return m.run(operation, body)
