"""Orders: the status machine (vocab.ORDER_TRANSITIONS) and the customer-facing rules:
cancel only before shipment, change the address only before packing, return only within
the return window after delivery. Every transition is validated, written to the status
history and audited in the same transaction."""

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from crm_backend.db import utcnow
from crm_backend.models import Customer, Order, OrderStatusChange, ReturnRequest, Ticket
from crm_backend.schemas.orders import AddressIn, ReturnCreate
from crm_backend.services import audit, tickets
from crm_backend.services.errors import Conflict, InvalidTransition, NotFound, Unprocessable
from crm_backend.services.security import Actor
from crm_backend.services.unit_of_work import check_expected_version, flush_or_conflict
from crm_backend.vocab import (
    ADDRESS_CHANGEABLE,
    CANCELLABLE,
    ORDER_TRANSITIONS,
    RETURNABLE,
    OrderStatus,
    Priority,
    ReturnStatus,
    TicketCategory,
)

# Carrier name -> tracking page. The name is what the customer sees ("DHL").
CARRIERS: dict[str, str] = {
    "DHL": "https://www.dhl.com/global-en/home/tracking/tracking-parcel.html?submit=1&tracking-id={}",
    "UPS": "https://www.ups.com/track?tracknum={}",
    "FedEx": "https://www.fedex.com/fedextrack/?trknbr={}",
    "USPS": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "Royal Mail": "https://www.royalmail.com/track-your-item#/tracking-results/{}",
    "DPD": "https://tracking.dpd.de/status/en_US/parcel/{}",
    "GLS": "https://gls-group.com/track/{}",
    "Correos": "https://www.correos.es/es/en/tools/tracker/items/details?tracking-number={}",
    "La Poste": "https://www.laposte.fr/outils/suivre-vos-envois?code={}",
}
_CARRIER_NAMES = {name.lower(): name for name in CARRIERS}


def tracking_url(carrier: str | None, tracking_number: str | None) -> str | None:
    if not carrier or not tracking_number or carrier not in CARRIERS:
        return None
    return CARRIERS[carrier].format(tracking_number)


def carrier_name(value: str) -> str:
    try:
        return _CARRIER_NAMES[value.strip().lower()]
    except KeyError:
        raise Unprocessable(f"Unknown carrier {value!r}; known: {', '.join(CARRIERS)}.",
                            code="unknown_carrier") from None


# --- reading -------------------------------------------------------------------------------
def _with_details(query: Select) -> Select:
    # One joined query (a few items x a few history rows) costs much less than three selects.
    return query.options(joinedload(Order.items), joinedload(Order.history))


def get(session: Session, number: str, customer_id: int | None = None, *, details: bool = True) -> Order:
    """The order with this number; with `customer_id`, only if it is that customer's (404
    otherwise, so a verified customer cannot learn that another customer's order exists)."""
    query = select(Order).where(Order.number == number)
    if customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    order = session.scalars(_with_details(query) if details else query).unique().one_or_none()
    if order is None:
        raise NotFound(f"There is no order {number}.", code="order_not_found")
    return order


def search(session: Session, *, customer_id: int | None = None, status: OrderStatus | None = None,
           q: str | None = None, placed_from: date | None = None, placed_to: date | None = None,
           limit: int = 20, offset: int = 0) -> tuple[list[Order], int]:
    query = select(Order)
    if customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    if status is not None:
        query = query.where(Order.status == status)
    if q:
        query = query.join(Customer, Customer.id == Order.customer_id).where(or_(
            Order.number.startswith(q), Customer.email.startswith(q.lower()), Order.tracking_number == q))
    if placed_from:
        query = query.where(Order.placed_at >= datetime.combine(placed_from, datetime.min.time(), utcnow().tzinfo))
    if placed_to:
        query = query.where(Order.placed_at < datetime.combine(placed_to + timedelta(days=1), datetime.min.time(),
                                                               utcnow().tzinfo))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.options(selectinload(Order.items)).order_by(
        Order.placed_at.desc(), Order.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total


def return_deadline(order: Order, window_days: int) -> datetime | None:
    if order.delivered_at is None:
        return None
    return order.delivered_at + timedelta(days=window_days)


def allowed_actions(order: Order, window_days: int, now: datetime | None = None) -> dict[str, bool]:
    now = now or utcnow()
    deadline = return_deadline(order, window_days)
    return {
        "cancel": order.status in CANCELLABLE,
        "change_address": order.status in ADDRESS_CHANGEABLE,
        "return": order.status in RETURNABLE and deadline is not None and now <= deadline,
    }


def snapshot(order: Order) -> dict[str, Any]:
    return {
        "status": order.status, "version": order.version, "carrier": order.carrier,
        "tracking_number": order.tracking_number, "estimated_delivery": order.estimated_delivery,
        "shipping_address": {"line1": order.ship_line1, "line2": order.ship_line2, "city": order.ship_city,
                             "postal_code": order.ship_postal_code, "country": order.ship_country},
    }


# --- changing ------------------------------------------------------------------------------
def _transition(order: Order, to: OrderStatus, actor: Actor, note: str | None = None) -> None:
    if to not in ORDER_TRANSITIONS[order.status]:
        raise InvalidTransition(f"Order {order.number} cannot go from {order.status} to {to}.",
                                status=order.status.value, requested=to.value)
    now = utcnow()
    order.history.append(OrderStatusChange(from_status=order.status, to_status=to, at=now, actor=actor.principal,
                                           actor_kind=actor.kind, note=note))
    order.status = to
    if to == OrderStatus.shipped:
        order.shipped_at = now
    elif to == OrderStatus.delivered:
        order.delivered_at = now
    elif to == OrderStatus.cancelled:
        order.cancelled_at = now


def _save(session: Session, order: Order, actor: Actor, action: str, before: dict[str, Any]) -> Order:
    flush_or_conflict(session, f"Order {order.number}", number=order.number)
    audit.record(session, actor, action, "order", order.number, before, snapshot(order))
    return order


def cancel(session: Session, order: Order, actor: Actor, reason: str, expected_version: int | None = None) -> Order:
    check_expected_version(expected_version, order.version, f"Order {order.number}")
    if order.status not in CANCELLABLE:
        raise Conflict(f"Order {order.number} is {order.status} and can no longer be cancelled.",
                       code="order_not_cancellable", status=order.status.value)
    before = snapshot(order)
    _transition(order, OrderStatus.cancelled, actor, note=reason)
    order.cancel_reason = reason
    return _save(session, order, actor, "order.cancelled", before)


def change_address(session: Session, order: Order, actor: Actor, address: AddressIn,
                   expected_version: int | None = None) -> Order:
    check_expected_version(expected_version, order.version, f"Order {order.number}")
    if order.status not in ADDRESS_CHANGEABLE:
        raise Conflict(f"Order {order.number} is {order.status}; its address can no longer be changed.",
                       code="address_not_changeable", status=order.status.value)
    before = snapshot(order)
    order.ship_line1, order.ship_line2, order.ship_city = address.line1, address.line2, address.city
    order.ship_postal_code, order.ship_country = address.postal_code.upper(), address.country
    return _save(session, order, actor, "order.address_changed", before)


def set_status(session: Session, order: Order, actor: Actor, to: OrderStatus, *, note: str | None = None,
               carrier: str | None = None, tracking_number: str | None = None,
               estimated_delivery: date | None = None, expected_version: int | None = None) -> Order:
    """Staff moving an order through fulfilment. Cancelling follows the customer rule."""
    if to == OrderStatus.cancelled:
        return cancel(session, order, actor, note or "cancelled by staff", expected_version)
    check_expected_version(expected_version, order.version, f"Order {order.number}")
    before = snapshot(order)
    if carrier is not None:
        order.carrier = carrier_name(carrier)
    if tracking_number is not None:
        order.tracking_number = tracking_number
    if estimated_delivery is not None:
        order.estimated_delivery = estimated_delivery
    if to == OrderStatus.shipped and not (order.carrier and order.tracking_number):
        raise Unprocessable("Shipping an order needs a carrier and a tracking number.",
                            code="tracking_required")
    _transition(order, to, actor, note=note)
    return _save(session, order, actor, "order.status_changed", before)


def request_return(session: Session, order: Order, actor: Actor, body: ReturnCreate,
                   window_days: int) -> tuple[ReturnRequest, Ticket]:
    if order.status not in RETURNABLE:
        raise InvalidTransition(f"Order {order.number} is {order.status}; only delivered orders can be returned.",
                                status=order.status.value, requested=OrderStatus.return_requested.value)
    deadline = return_deadline(order, window_days)
    if deadline is None or utcnow() > deadline:
        raise Conflict(f"The {window_days}-day return window of order {order.number} closed on "
                       f"{deadline.date().isoformat() if deadline else 'delivery'}.",
                       code="return_window_closed", status=order.status.value,
                       delivered_at=order.delivered_at.isoformat() if order.delivered_at else None,
                       return_deadline=deadline.isoformat() if deadline else None)
    before = snapshot(order)
    customer = session.get(Customer, order.customer_id)
    description = body.reason if not body.description else f"{body.reason}\n\n{body.description}"
    ticket = tickets.create(
        session, actor, subject=f"Return request for order {order.number}", description=description,
        category=TicketCategory(body.category.value), priority=tickets.default_priority(customer, Priority.normal),
        customer=customer, order=order, source="return")
    request = ReturnRequest(order_id=order.id, customer_id=order.customer_id, ticket_id=ticket.id,
                            reason=body.reason, category=body.category, description=body.description,
                            status=ReturnStatus.requested)
    session.add(request)
    _transition(order, OrderStatus.return_requested, actor, note=f"return requested: {body.category.value}")
    _save(session, order, actor, "order.return_requested", before)
    audit.record(session, actor, "return.created", "return_request", request.id, None,
                 {"order": order.number, "category": body.category, "reason": body.reason,
                  "ticket": ticket.number})
    return request, ticket
