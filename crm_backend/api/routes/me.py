from fastapi import APIRouter

from crm_backend.api.deps import SessionDep, VerifiedCustomerId
from crm_backend.api.params import Limit, Offset
from crm_backend.schemas import present
from crm_backend.schemas.common import Page
from crm_backend.schemas.orders import OrderSummary
from crm_backend.schemas.people import MeProfile
from crm_backend.schemas.tickets import TicketSummary
from crm_backend.services import customers, orders, tickets
from crm_backend.vocab import TicketStatus

router = APIRouter(prefix="/me", tags=["verified customer"])


@router.get("", response_model=MeProfile)
def my_profile(customer_id: VerifiedCustomerId, session: SessionDep) -> MeProfile:
    return present.me(customers.get(session, customer_id))


@router.get("/orders", response_model=Page[OrderSummary])
def my_orders(customer_id: VerifiedCustomerId, session: SessionDep, limit: Limit = 10,
              offset: Offset = 0) -> Page[OrderSummary]:
    rows, total = orders.search(session, customer_id=customer_id, limit=limit, offset=offset)
    return Page(items=[present.order_summary(o) for o in rows], total=total, limit=limit, offset=offset)


@router.get("/tickets", response_model=Page[TicketSummary])
def my_tickets(customer_id: VerifiedCustomerId, session: SessionDep, status: TicketStatus | None = None,
               limit: Limit = 10, offset: Offset = 0) -> Page[TicketSummary]:
    rows, total = tickets.search(session, customer_id=customer_id, status=status, limit=limit, offset=offset)
    return Page(items=[present.ticket_summary(t) for t in rows], total=total, limit=limit, offset=offset)
