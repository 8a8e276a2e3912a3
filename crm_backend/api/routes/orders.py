from datetime import date

from fastapi import APIRouter, Query

from crm_backend.api.deps import CustomerAccess, MutationDep, SessionDep, SettingsDep, StaffPrincipal
from crm_backend.api.params import Limit, Offset, OrderNumberPath, SearchText
from crm_backend.schemas import present
from crm_backend.schemas.common import Page
from crm_backend.schemas.orders import (
    AddressChange,
    CancelRequest,
    OrderPublic,
    OrderSummary,
    ReturnCreate,
    ReturnCreated,
    StatusChange,
)
from crm_backend.services import orders
from crm_backend.vocab import OrderStatus

router = APIRouter(prefix="/orders", tags=["orders"])


@router.get("", response_model=Page[OrderSummary])
def list_orders(_staff: StaffPrincipal, session: SessionDep, status: OrderStatus | None = None,
                customer_id: int | None = Query(default=None, ge=1), q: SearchText = None,
                placed_from: date | None = None, placed_to: date | None = None, limit: Limit = 20,
                offset: Offset = 0) -> Page[OrderSummary]:
    """Staff: orders, newest first; `q` matches an order-number prefix, a customer e-mail prefix or
    a tracking number."""
    rows, total = orders.search(session, customer_id=customer_id, status=status, q=q, placed_from=placed_from,
                                placed_to=placed_to, limit=limit, offset=offset)
    return Page(items=[present.order_summary(o) for o in rows], total=total, limit=limit, offset=offset)


@router.get("/{number}", response_model=OrderPublic)
def get_order(number: OrderNumberPath, access: CustomerAccess, session: SessionDep,
              settings: SettingsDep) -> OrderPublic:
    """A verified customer's order (another customer's answers 404), or any order for staff."""
    return present.order(orders.get(session, number, access.customer_id), settings.return_window_days)


@router.post("/{number}/cancel", response_model=OrderPublic)
def cancel_order(number: OrderNumberPath, body: CancelRequest, access: CustomerAccess, m: MutationDep,
                 settings: SettingsDep) -> OrderPublic:
    """Cancel before shipment. 409 order_not_cancellable (with `status`) afterwards."""

    def operation() -> OrderPublic:
        order = orders.get(m.session, number, access.customer_id)
        order = orders.cancel(m.session, order, m.actor, body.reason, body.expected_version)
        return present.order(order, settings.return_window_days)

    return m.run(operation, body)


@router.put("/{number}/shipping-address", response_model=OrderPublic)
def change_shipping_address(number: OrderNumberPath, body: AddressChange, access: CustomerAccess, m: MutationDep,
                            settings: SettingsDep) -> OrderPublic:
    """Change the address before packing. 409 address_not_changeable afterwards."""

    def operation() -> OrderPublic:
        order = orders.get(m.session, number, access.customer_id)
        order = orders.change_address(m.session, order, m.actor, body, body.expected_version)
        return present.order(order, settings.return_window_days)

    return m.run(operation, body)


@router.post("/{number}/returns", response_model=ReturnCreated, status_code=201)
def request_return(number: OrderNumberPath, body: ReturnCreate, access: CustomerAccess, m: MutationDep,
                   settings: SettingsDep) -> ReturnCreated:
    """A return within the return window after delivery; opens a ticket. 409 return_window_closed
    after it, 409 invalid_transition when the order is not delivered."""

    def operation() -> ReturnCreated:
        order = orders.get(m.session, number, access.customer_id)
        request, ticket = orders.request_return(m.session, order, m.actor, body, settings.return_window_days)
        return ReturnCreated(return_request=present.return_request(request, order.number),
                             ticket=present.ticket_for_customer(ticket))

    return m.run(operation, body)


@router.post("/{number}/status", response_model=OrderPublic)
def change_status(number: OrderNumberPath, body: StatusChange, _staff: StaffPrincipal, m: MutationDep,
                  settings: SettingsDep) -> OrderPublic:
    """Staff: move an order through fulfilment, following the transition table."""

    def operation() -> OrderPublic:
        order = orders.get(m.session, number)
        order = orders.set_status(m.session, order, m.actor, body.status, note=body.note, carrier=body.carrier,
                                  tracking_number=body.tracking_number,
                                  estimated_delivery=body.estimated_delivery,
                                  expected_version=body.expected_version)
        return present.order(order, settings.return_window_days)

    return m.run(operation, body)
