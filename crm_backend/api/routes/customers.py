from typing import Annotated, Any

from fastapi import APIRouter, Path

from crm_backend.api.deps import AdminPrincipal, GatewayOrStaff, MutationDep, SessionDep, StaffPrincipal
from crm_backend.api.params import Limit, Offset, SearchText
from crm_backend.schemas import present
from crm_backend.schemas.common import Page
from crm_backend.schemas.people import CustomerProfile, CustomerPublic, CustomerUpdate, EraseResult
from crm_backend.services import customers
from crm_backend.vocab import Tier

router = APIRouter(prefix="/customers", tags=["customers"])
CustomerId = Annotated[int, Path(ge=1)]


@router.get("", response_model=Page[CustomerPublic])
def list_customers(_staff: StaffPrincipal, session: SessionDep, q: SearchText = None, tier: Tier | None = None,
                   include_erased: bool = False, limit: Limit = 20, offset: Offset = 0) -> Page[CustomerPublic]:
    rows, total = customers.search(session, q=q, tier=tier, include_erased=include_erased, limit=limit,
                                   offset=offset)
    return Page(items=[present.customer(c) for c in rows], total=total, limit=limit, offset=offset)


@router.get("/{customer_id}", response_model=CustomerProfile)
def get_customer(customer_id: CustomerId, _caller: GatewayOrStaff, session: SessionDep) -> CustomerProfile:
    """The agent console's customer panel: profile with recent orders and tickets."""
    customer = customers.get(session, customer_id)
    extra = customers.profile(session, customer)
    return CustomerProfile(**present.customer(customer).model_dump(),
                           recent_orders=[present.order_summary(o) for o in extra["orders"]],
                           recent_tickets=[present.ticket_summary(t) for t in extra["tickets"]],
                           order_count=extra["order_count"], open_ticket_count=extra["open_ticket_count"])


@router.patch("/{customer_id}", response_model=CustomerPublic)
def update_customer(customer_id: CustomerId, body: CustomerUpdate, _staff: StaffPrincipal,
                    m: MutationDep) -> CustomerPublic:
    def operation() -> CustomerPublic:
        customer = customers.get(m.session, customer_id)
        changes = body.model_dump(include=body.model_fields_set - {"expected_version"})
        return present.customer(customers.update_customer(m.session, m.actor, customer, changes,
                                                          body.expected_version))

    return m.run(operation, body)


@router.get("/{customer_id}/export", response_model=dict[str, Any])
def export_customer(customer_id: CustomerId, _admin: AdminPrincipal, m: MutationDep) -> dict[str, Any]:
    """GDPR access: everything held about the customer, as JSON (audited)."""
    return m.run(lambda: customers.export(m.session, m.actor, customers.get(m.session, customer_id), present))


@router.post("/{customer_id}/erase", response_model=EraseResult)
def erase_customer(customer_id: CustomerId, _admin: AdminPrincipal, m: MutationDep) -> EraseResult:
    """GDPR erasure: anonymise personal data everywhere; orders keep items and totals."""
    return m.run(lambda: EraseResult(**customers.erase(m.session, m.actor, customers.get(m.session, customer_id))))
