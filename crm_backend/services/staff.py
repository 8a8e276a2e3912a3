"""Staff users: login (with a lock after repeated failures), and admin management."""

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_backend.config import Settings
from crm_backend.db import utcnow
from crm_backend.models import Staff
from crm_backend.services import audit
from crm_backend.services.errors import Conflict, NotFound, TooManyRequests, Unauthorized
from crm_backend.services.security import Actor, hash_password, needs_rehash, verify_password
from crm_backend.services.unit_of_work import check_expected_version, flush_or_conflict
from crm_backend.vocab import Role


def snapshot(member: Staff) -> dict[str, Any]:
    return {"email": member.email, "name": member.name, "role": member.role, "languages": member.languages,
            "is_active": member.is_active, "version": member.version}


def get(session: Session, staff_id: int) -> Staff:
    member = session.get(Staff, staff_id)
    if member is None:
        raise NotFound(f"There is no staff member {staff_id}.", code="staff_not_found")
    return member


def get_active(session: Session, staff_id: int) -> Staff:
    """The staff member, who must still be active (someone to assign or transfer work to)."""
    member = session.get(Staff, staff_id)
    if member is None or not member.is_active:
        raise NotFound(f"There is no active staff member {staff_id}.", code="staff_not_found")
    return member


def search(session: Session, *, role: Role | None, language: str | None, active: bool | None,
           limit: int, offset: int) -> tuple[list[Staff], int]:
    query = select(Staff)
    if role is not None:
        query = query.where(Staff.role == role)
    if active is not None:
        query = query.where(Staff.is_active.is_(active))
    rows = list(session.scalars(query.order_by(Staff.name, Staff.id)).all())
    if language:  # languages is a small JSON list; filter portably in Python
        rows = [row for row in rows if language in (row.languages or [])]
    return rows[offset:offset + limit], len(rows)


def authenticate(session: Session, settings: Settings, email: str, password: str) -> Staff:
    member = session.scalar(select(Staff).where(Staff.email == email.lower()))
    now = utcnow()
    if member is not None and member.locked_until is not None and member.locked_until > now:
        retry = int((member.locked_until - now).total_seconds()) + 1
        raise TooManyRequests("Too many failed logins; try again later.", code="login_locked", retry_after_s=retry,
                              headers={"Retry-After": str(retry)})
    if not verify_password(member.password_hash if member else None, password) or not member.is_active:
        if member is not None:
            failures = session.execute(update(Staff).where(Staff.id == member.id).values(
                failed_logins=Staff.failed_logins + 1).returning(Staff.failed_logins)
                .execution_options(synchronize_session=False)).scalar_one()
            if failures >= settings.login_max_failures:
                session.execute(update(Staff).where(Staff.id == member.id).values(
                    failed_logins=0, locked_until=now + timedelta(minutes=settings.login_lock_minutes))
                    .execution_options(synchronize_session=False))
                audit.record(session, Actor(f"staff:{member.id}", member.name), "staff.login_locked", "staff",
                             member.id, None, {"failures": failures})
            session.commit()
        raise Unauthorized("Wrong e-mail or password.", code="invalid_credentials")
    values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
    if needs_rehash(member.password_hash):
        values["password_hash"] = hash_password(password)
    session.execute(update(Staff).where(Staff.id == member.id).values(**values)
                    .execution_options(synchronize_session=False))
    audit.record(session, Actor(f"staff:{member.id}", member.name), "staff.login", "staff", member.id)
    session.commit()
    return member


def create(session: Session, actor: Actor, *, email: str, name: str, password: str, role: Role,
           languages: list[str]) -> Staff:
    member = Staff(email=email.lower(), name=name, password_hash=hash_password(password), role=role,
                   languages=list(dict.fromkeys(languages)), is_active=True)
    session.add(member)
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        raise Conflict("A staff member with this e-mail already exists.", code="email_taken") from None
    audit.record(session, actor, "staff.created", "staff", member.id, None, snapshot(member))
    return member


def update_member(session: Session, actor: Actor, member: Staff, changes: dict[str, Any],
                  expected_version: int | None) -> Staff:
    check_expected_version(expected_version, member.version, f"Staff member {member.id}")
    demoted = changes.get("role") == Role.agent or changes.get("is_active") is False
    if member.role == Role.admin and member.is_active and demoted and count_admins(session) <= 1:
        raise Conflict("This is the last active admin; make someone else admin first.", code="last_admin")
    before = snapshot(member)
    for field in ("name", "role", "is_active"):
        if changes.get(field) is not None:
            setattr(member, field, changes[field])
    if changes.get("languages") is not None:
        member.languages = list(dict.fromkeys(changes["languages"]))
    password_changed = bool(changes.get("password"))
    if password_changed:
        member.password_hash = hash_password(changes["password"])
        member.failed_logins, member.locked_until = 0, None
    flush_or_conflict(session, f"Staff member {member.id}", staff_id=member.id)
    after = snapshot(member)
    if after != before or password_changed:
        # Never the hash: only that the password changed.
        audit.record(session, actor, "staff.updated", "staff", member.id, before,
                     {**after, "password_changed": password_changed})
    return member


def count_admins(session: Session) -> int:
    return session.scalar(select(func.count()).where(Staff.role == Role.admin, Staff.is_active.is_(True))) or 0
