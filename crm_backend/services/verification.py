"""Customer verification: `order number + e-mail`, or the shop's signed site token, yields a
short-lived customer token scoped to that customer. Failures are counted per order number;
too many within the window lock verification for that order for a while (429)."""

import math
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from crm_backend.config import Settings
from crm_backend.db import insert_or_ignore, utcnow
from crm_backend.models import Customer, Order, VerificationAttempts
from crm_backend.services import audit
from crm_backend.services.errors import TooManyRequests, Unauthorized
from crm_backend.services.security import Actor, decode_site_token, issue_customer_token

FAILED = "We could not verify these details."


def _locked_for(session: Session, key: str) -> int:
    row = session.get(VerificationAttempts, key, populate_existing=True)
    if row is None or row.locked_until is None:
        return 0
    remaining = (row.locked_until - utcnow()).total_seconds()
    return math.ceil(remaining) if remaining > 0 else 0


def _raise_locked(retry_after_s: int) -> None:
    raise TooManyRequests("Too many failed attempts for this order; verification is locked for a while.",
                          code="verification_locked", retry_after_s=retry_after_s,
                          headers={"Retry-After": str(retry_after_s)})


def _record_failure(session: Session, settings: Settings, actor: Actor, key: str) -> int:
    """Counts one failure atomically (concurrent guesses cannot slip past the limit);
    returns the seconds of lock now in force, 0 if none. Commits: the failure must stick
    although the request fails."""
    now = utcnow()
    window = timedelta(minutes=settings.verification_lock_minutes)
    # A window (or lock) that is over starts afresh.
    session.execute(update(VerificationAttempts).where(
        VerificationAttempts.key == key, VerificationAttempts.window_started_at < now - window,
        (VerificationAttempts.locked_until.is_(None)) | (VerificationAttempts.locked_until < now),
    ).values(failures=0, window_started_at=now, locked_until=None))
    insert_or_ignore(session, VerificationAttempts, ["key"], key=key, failures=0, window_started_at=now)
    failures = session.execute(update(VerificationAttempts).where(VerificationAttempts.key == key).values(
        failures=VerificationAttempts.failures + 1).returning(VerificationAttempts.failures)).scalar_one()
    locked = 0
    if failures >= settings.verification_max_failures:
        locked_until = now + window
        session.execute(update(VerificationAttempts).where(VerificationAttempts.key == key).values(
            locked_until=locked_until))
        locked = int(window.total_seconds())
        if failures == settings.verification_max_failures:
            audit.record(session, actor, "verification.locked", "order", key, None,
                         {"failures": failures, "locked_until": locked_until})
    session.commit()
    return locked


def _succeed(session: Session, settings: Settings, actor: Actor, customer: Customer, method: str,
             key: str | None = None) -> tuple[str, object, Customer]:
    if key is not None:
        session.execute(update(VerificationAttempts).where(VerificationAttempts.key == key).values(
            failures=0, locked_until=None, window_started_at=utcnow()))
    token, expires_at = issue_customer_token(settings, customer.id, method)
    audit.record(session, Actor(actor.principal, actor.display_name, customer.id), "customer.verified",
                 "customer", customer.id, None, {"method": method})
    session.commit()
    return token, expires_at, customer


def verify_order_email(session: Session, settings: Settings, actor: Actor, order_number: str, email: str):
    retry_after = _locked_for(session, order_number)
    if retry_after:
        _raise_locked(retry_after)
    row = session.execute(select(Order.customer_id, Customer.email).join(Customer, Customer.id == Order.customer_id)
                          .where(Order.number == order_number)).first()
    # The same answer whether the order is unknown or the e-mail is wrong: nothing to enumerate.
    if row is None or row.email is None or row.email != email.strip().lower():
        locked = _record_failure(session, settings, actor, order_number)
        if locked:
            _raise_locked(locked)
        raise Unauthorized(FAILED, code="verification_failed")
    return _succeed(session, settings, actor, session.get(Customer, row.customer_id), "order_email", order_number)


def verify_site_token(session: Session, settings: Settings, actor: Actor, token: str):
    email = decode_site_token(settings, token)
    customer = session.scalar(select(Customer).where(Customer.email == email, Customer.erased_at.is_(None)))
    if customer is None:
        raise Unauthorized(FAILED, code="verification_failed")
    return _succeed(session, settings, actor, customer, "site_token")
