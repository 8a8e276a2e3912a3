"""Dependencies, declared once. Routes take these Annotated types as parameters.

Dependencies that do no I/O are `async def`: FastAPI runs sync dependencies in a worker
thread each, and those hand-offs cost more than the checks themselves. Database work
still happens in worker threads (run_in_threadpool, or the sync route itself).
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from crm_backend.config import Settings
from crm_backend.models import Customer, Staff
from crm_backend.services.errors import Forbidden, Unauthorized
from crm_backend.services.security import (
    Actor,
    Principal,
    decode_customer_token,
    decode_staff_token,
    service_principal,
)
from crm_backend.services.unit_of_work import Mutation


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    # Creating a Session does no I/O (it connects on first use, in the route's thread).
    # Closing it rolls back and returns the connection to the pool: an in-process call on
    # SQLite, done right here; a network round trip on PostgreSQL, done in a worker thread.
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        if request.app.state.settings.is_sqlite:
            session.close()
        else:
            await run_in_threadpool(session.close)


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]

_BEARER = {"WWW-Authenticate": "Bearer"}


async def get_principal(session: SessionDep, settings: SettingsDep,
                        authorization: Annotated[str | None, Header(include_in_schema=False)] = None) -> Principal:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Send Authorization: Bearer <token>.", code="unauthorized", headers=_BEARER)
    principal = service_principal(settings, token)
    if principal is not None:
        return principal
    claims = decode_staff_token(settings, token)
    member = await run_in_threadpool(session.get, Staff, int(claims["sub"]))
    # Checked on every request, so deactivating someone or changing their role takes effect at once.
    if member is None or not member.is_active:
        raise Unauthorized("This account is no longer active.", code="invalid_token", headers=_BEARER)
    return Principal(name=f"staff:{member.id}", display_name=member.name, staff_id=member.id, role=member.role)


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def allow(*kinds: str):
    """Callers allowed on a route: "gateway", "actions" (service tokens), "staff" (agents and
    admins), "admin"."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.is_staff:
            if "staff" in kinds or ("admin" in kinds and principal.is_admin):
                return principal
            raise Forbidden("Admins only." if "admin" in kinds else "Staff cannot call this.", code="forbidden")
        if principal.name.removeprefix("service:") in kinds:
            return principal
        raise Forbidden(f"{principal.name} cannot call this.", code="forbidden")

    return check


StaffPrincipal = Annotated[Principal, Depends(allow("staff"))]
AdminPrincipal = Annotated[Principal, Depends(allow("admin"))]
GatewayPrincipal = Annotated[Principal, Depends(allow("gateway"))]
GatewayOrStaff = Annotated[Principal, Depends(allow("gateway", "staff"))]
ServiceOrStaff = Annotated[Principal, Depends(allow("gateway", "actions", "staff"))]


@dataclass(frozen=True)
class CustomerScope:
    """Which customer's data the caller may see: one (a verified customer, through a
    service) or every customer (staff: customer_id None)."""

    customer_id: int | None


async def get_optional_customer(principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep,
                                x_customer_token: Annotated[str | None, Header(max_length=4096)] = None
                                ) -> CustomerScope | None:
    if x_customer_token is None:
        return CustomerScope(None) if principal.is_staff else None
    if not principal.is_service:
        raise Forbidden("Staff do not use customer tokens.", code="forbidden")
    customer_id = decode_customer_token(settings, x_customer_token)
    erased = await run_in_threadpool(
        lambda: session.execute(select(Customer.erased_at).where(Customer.id == customer_id)).first())
    if erased is None or erased.erased_at is not None:
        raise Unauthorized("The customer token is invalid or has expired; verify again.",
                           code="customer_token_invalid")
    return CustomerScope(customer_id)


OptionalCustomer = Annotated[CustomerScope | None, Depends(get_optional_customer)]


async def get_customer_scope(scope: OptionalCustomer) -> CustomerScope:
    if scope is None:
        raise Unauthorized("This needs a verified customer: send X-Customer-Token from POST /verifications.",
                           code="customer_token_required")
    return scope


CustomerAccess = Annotated[CustomerScope, Depends(get_customer_scope)]


async def get_verified_customer(scope: CustomerAccess) -> int:
    if scope.customer_id is None:
        raise Forbidden("Only a verified customer has a /me.", code="forbidden")
    return scope.customer_id


VerifiedCustomerId = Annotated[int, Depends(get_verified_customer)]


async def get_actor(principal: CurrentPrincipal, scope: OptionalCustomer) -> Actor:
    return Actor(principal.name, principal.display_name, scope.customer_id if scope else None)


ActorDep = Annotated[Actor, Depends(get_actor)]


async def get_mutation(request: Request, session: SessionDep, settings: SettingsDep, principal: CurrentPrincipal,
                       scope: OptionalCustomer, actor: ActorDep,
                       idempotency_key: Annotated[str | None, Header(min_length=1, max_length=100,
                                                                      pattern=r"^[A-Za-z0-9._:\-]+$")] = None
                       ) -> Mutation:
    owner = principal.name + (f"|customer:{scope.customer_id}" if scope and scope.customer_id else "")
    return Mutation(session=session, actor=actor, owner=owner, key=idempotency_key, method=request.method,
                    path=request.url.path, ttl=timedelta(hours=settings.idempotency_ttl_hours))


MutationDep = Annotated[Mutation, Depends(get_mutation)]
