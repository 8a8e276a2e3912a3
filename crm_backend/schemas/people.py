"""Staff, customers, verification and audit schemas."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from crm_backend.schemas.common import (
    AuditJson,
    Email,
    LanguageCode,
    OrderNumber,
    RequestModel,
)
from crm_backend.schemas.orders import OrderSummary
from crm_backend.schemas.tickets import TicketSummary
from crm_backend.vocab import Role, Tier

Password = Field(min_length=12, max_length=128)


# --- staff -------------------------------------------------------------------------------
class LoginRequest(RequestModel):
    email: Email
    password: str = Field(min_length=1, max_length=128)


class StaffPublic(BaseModel):
    id: int
    name: str
    email: str
    role: Role
    languages: list[str]
    is_active: bool


class LoginResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int
    user: StaffPublic


class StaffCreate(RequestModel):
    email: Email
    name: str = Field(min_length=1, max_length=200)
    password: str = Password
    role: Role
    languages: list[LanguageCode] = Field(min_length=1, max_length=10)


class StaffUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    password: str | None = Field(default=None, min_length=12, max_length=128)
    role: Role | None = None
    languages: list[LanguageCode] | None = Field(default=None, min_length=1, max_length=10)
    is_active: bool | None = None
    expected_version: int | None = Field(default=None, ge=1)


# --- customers ------------------------------------------------------------------------------
class CustomerPublic(BaseModel):
    """Staff view of a customer."""

    id: int
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    preferred_language: str
    tier: Tier
    created_at: datetime
    erased_at: datetime | None
    version: int


class CustomerProfile(CustomerPublic):
    recent_orders: list[OrderSummary]
    recent_tickets: list[TicketSummary]
    order_count: int
    open_ticket_count: int


class CustomerUpdate(RequestModel):
    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    email: Email | None = None
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 ()\-]{5,32}$")
    preferred_language: LanguageCode | None = None
    tier: Tier | None = None
    expected_version: int | None = Field(default=None, ge=1)


class VerifiedCustomer(BaseModel):
    """What the bot learns about a customer who verified: first name and masked contact."""

    id: int
    first_name: str
    masked_email: str
    preferred_language: str
    tier: Tier


class MeProfile(VerifiedCustomer):
    masked_phone: str | None
    last_initial: str


class VerificationRequest(RequestModel):
    order_number: OrderNumber
    email: Email


class SiteTokenVerification(RequestModel):
    token: str = Field(min_length=10, max_length=4096)


class VerificationResult(BaseModel):
    customer_token: str
    expires_at: datetime
    customer: VerifiedCustomer


class EraseResult(BaseModel):
    customer_id: int
    erased_at: datetime
    orders_kept: int
    messages_redacted: int
    tickets_redacted: int


# --- audit ----------------------------------------------------------------------------------
class AuditCreate(RequestModel):
    action: str = Field(pattern=r"^[a-z][a-z0-9_.:\-]{1,63}$", examples=["training_data.updated"])
    entity_type: str = Field(pattern=r"^[a-z][a-z0-9_\-]{1,31}$", examples=["nlu_example"])
    entity_id: str = Field(min_length=1, max_length=128)
    before: AuditJson | None = None
    after: AuditJson | None = None
    diff: AuditJson | None = None


class AuditPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_name: str | None
    on_behalf_of: str | None
    action: str
    entity_type: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    diff: dict[str, Any] | None

    model_config = {"from_attributes": True}
