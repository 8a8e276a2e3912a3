from datetime import date, datetime

from pydantic import BaseModel, Field

from crm_backend.schemas.common import Country, Money, RequestModel, text
from crm_backend.schemas.tickets import TicketPublic
from crm_backend.vocab import OrderStatus, ReturnCategory, ReturnStatus


class AddressIn(RequestModel):
    line1: str = text(200)
    line2: str | None = Field(default=None, max_length=200)
    city: str = text(100)
    postal_code: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9 \-]{1,10}$")
    country: Country


class AddressChange(AddressIn):
    expected_version: int | None = Field(default=None, ge=1)


class CancelRequest(RequestModel):
    reason: str = text(500)
    expected_version: int | None = Field(default=None, ge=1)


class ReturnCreate(RequestModel):
    reason: str = text(500)
    category: ReturnCategory
    description: str | None = Field(default=None, max_length=2000)


class StatusChange(RequestModel):
    """Staff moving an order through fulfilment (the transition table decides what is allowed)."""

    status: OrderStatus
    note: str | None = Field(default=None, max_length=500)
    carrier: str | None = Field(default=None, min_length=2, max_length=32)
    tracking_number: str | None = Field(default=None, pattern=r"^[A-Za-z0-9\-]{4,64}$")
    estimated_delivery: date | None = None
    expected_version: int | None = Field(default=None, ge=1)


class AddressPublic(BaseModel):
    name: str
    line1: str
    line2: str | None
    city: str
    postal_code: str
    country: str


class OrderItemPublic(BaseModel):
    sku: str
    name: str
    quantity: int
    unit_price: Money


class StatusChangePublic(BaseModel):
    status: OrderStatus
    at: datetime
    by: str = Field(description="customer | staff | system")
    note: str | None = None


class AllowedActions(BaseModel):
    cancel: bool
    change_address: bool
    return_: bool = Field(alias="return", serialization_alias="return")

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class OrderSummary(BaseModel):
    number: str
    status: OrderStatus
    placed_at: datetime
    total: Money
    item_count: int
    carrier: str | None
    tracking_number: str | None
    estimated_delivery: date | None
    delivered_at: datetime | None
    customer_id: int
    version: int


class OrderPublic(OrderSummary):
    items: list[OrderItemPublic]
    subtotal: Money
    shipping: Money
    shipping_address: AddressPublic
    tracking_url: str | None
    status_history: list[StatusChangePublic]
    return_deadline: datetime | None
    allowed: AllowedActions


class ReturnRequestPublic(BaseModel):
    id: int
    order_number: str
    status: ReturnStatus
    category: ReturnCategory
    reason: str
    description: str | None
    created_at: datetime


class ReturnCreated(BaseModel):
    return_request: ReturnRequestPublic
    ticket: TicketPublic
