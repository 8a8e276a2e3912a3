from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from crm_backend.db import Base, utcnow
from crm_backend.models._types import enum_type
from crm_backend.models.customers import Customer
from crm_backend.vocab import OrderStatus, ReturnCategory, ReturnStatus


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    price_minor: Mapped[int]  # cents: money is never a float
    currency: Mapped[str] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(6), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus, "order_status"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_minor: Mapped[int]
    shipping_minor: Mapped[int] = mapped_column(default=0)
    total_minor: Mapped[int]
    ship_name: Mapped[str] = mapped_column(String(200))
    ship_line1: Mapped[str] = mapped_column(String(200))
    ship_line2: Mapped[str | None] = mapped_column(String(200))
    ship_city: Mapped[str] = mapped_column(String(100))
    ship_postal_code: Mapped[str] = mapped_column(String(16))
    ship_country: Mapped[str] = mapped_column(String(2))
    carrier: Mapped[str | None] = mapped_column(String(32))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    estimated_delivery: Mapped[date | None]
    placed_at: Mapped[datetime] = mapped_column(index=True)
    shipped_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    customer: Mapped[Customer] = relationship()
    items: Mapped[list["OrderItem"]] = relationship(
        back_populates="order", order_by="OrderItem.id", cascade="all, delete-orphan"
    )
    history: Mapped[list["OrderStatusChange"]] = relationship(
        back_populates="order", order_by="(OrderStatusChange.at, OrderStatusChange.id)",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}


class OrderItem(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int]
    unit_price_minor: Mapped[int]

    order: Mapped[Order] = relationship(back_populates="items")


class OrderStatusChange(Base):
    """One row per status transition: the order's status history."""

    __tablename__ = "order_status_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[OrderStatus | None] = mapped_column(enum_type(OrderStatus, "history_from_status"))
    to_status: Mapped[OrderStatus] = mapped_column(enum_type(OrderStatus, "history_to_status"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))  # principal, e.g. service:actions, staff:3, system
    actor_kind: Mapped[str] = mapped_column(String(16))  # customer | staff | system (shown to customers)
    note: Mapped[str | None] = mapped_column(String(500))

    order: Mapped[Order] = relationship(back_populates="history")


class ReturnRequest(Base):
    __tablename__ = "return_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"))
    reason: Mapped[str] = mapped_column(String(500))
    category: Mapped[ReturnCategory] = mapped_column(enum_type(ReturnCategory, "return_category"))
    description: Mapped[str | None] = mapped_column(Text)
    status: Mapped[ReturnStatus] = mapped_column(enum_type(ReturnStatus, "return_status"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    order: Mapped[Order] = relationship()
    ticket: Mapped["Ticket | None"] = relationship()  # noqa: F821 (defined in models.tickets)

    __mapper_args__ = {"version_id_col": version}


Index("ix_orders_customer_placed", Order.customer_id, Order.placed_at)
