"""Factory helpers: records written straight to the database (through the service layer
where rules apply), so each API test starts from exactly what it needs."""

import itertools
from datetime import timedelta
from functools import lru_cache

from sqlalchemy.orm import Session

from crm_backend.db import utcnow
from crm_backend.models import Conversation, Customer, Order, OrderItem, OrderStatusChange, Staff
from crm_backend.services import tickets as ticket_service
from crm_backend.services.security import SYSTEM, hash_password
from crm_backend.vocab import OrderStatus, Priority, Role, TicketCategory

STAFF_PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)

PATH = [OrderStatus.placed, OrderStatus.processing, OrderStatus.packed, OrderStatus.shipped,
        OrderStatus.out_for_delivery, OrderStatus.delivered]


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return hash_password(STAFF_PASSWORD)  # argon2 is slow on purpose: hash once per test run


def make_customer(session: Session, *, email: str | None = None, tier: str = "standard", language: str = "en",
                  first_name: str = "Test", last_name: str | None = None, phone: str | None = "+44 20 7946 0000"
                  ) -> Customer:
    n = next(_counter)
    customer = Customer(first_name=first_name, last_name=last_name or f"Customer{n}",
                        email=email or f"customer{n}@example.com", phone=phone, preferred_language=language,
                        tier=tier)
    session.add(customer)
    session.commit()
    return customer


def make_order(session: Session, customer: Customer, *, status: str = "placed", number: str | None = None,
               delivered_days_ago: int | None = None, total_minor: int = 4990, currency: str = "EUR") -> Order:
    status = OrderStatus(status)
    now = utcnow()
    number = number or f"{300000 + next(_counter):06d}"
    order = Order(number=number, customer_id=customer.id, status=status, currency=currency,
                  subtotal_minor=total_minor, shipping_minor=0, total_minor=total_minor,
                  ship_name=f"{customer.first_name} {customer.last_name}", ship_line1="1 Test Street", ship_line2=None,
                  ship_city="Berlin", ship_postal_code="10115", ship_country="DE", placed_at=now - timedelta(days=70))
    order.items.append(OrderItem(sku="SKU-1001", name="Linen shirt", quantity=1, unit_price_minor=total_minor))
    path = PATH[: PATH.index(status) + 1] if status in PATH else [OrderStatus.placed, status]
    previous = None
    for step in path:
        order.history.append(OrderStatusChange(from_status=previous, to_status=step, at=now - timedelta(days=60),
                                               actor="system", actor_kind="system"))
        previous = step
    if status in (OrderStatus.shipped, OrderStatus.out_for_delivery, OrderStatus.delivered):
        order.carrier, order.tracking_number, order.shipped_at = "DHL", f"JJD{number}", now - timedelta(days=62)
    if status == OrderStatus.delivered:
        order.delivered_at = now - timedelta(days=delivered_days_ago if delivered_days_ago is not None else 5)
    session.add(order)
    session.commit()
    return order


def make_staff(session: Session, *, role: str = "agent", name: str | None = None, email: str | None = None,
               languages: tuple[str, ...] = ("en",), active: bool = True) -> Staff:
    n = next(_counter)
    member = Staff(email=email or f"staff{n}@example.com", name=name or f"Agent {n}", password_hash=_password_hash(),
                   role=Role(role), languages=list(languages), is_active=active)
    session.add(member)
    session.commit()
    return member


def make_ticket(session: Session, customer: Customer | None = None, *, order: Order | None = None,
                category: str = "other", priority: str = "normal", subject: str = "Help"):
    ticket = ticket_service.create(session, SYSTEM, subject=subject, description="Please help.",
                                   category=TicketCategory(category), priority=Priority(priority), customer=customer,
                                   order=order, contact_email=customer.email if customer else "x@example.com")
    session.commit()
    return ticket


def make_conversation(session: Session, session_id: str | None = None, *, customer: Customer | None = None,
                      language: str = "en") -> Conversation:
    conv = Conversation(session_id=session_id or f"sess-{next(_counter)}",
                        customer_id=customer.id if customer else None, language=language, channel="web")
    session.add(conv)
    session.commit()
    return conv
