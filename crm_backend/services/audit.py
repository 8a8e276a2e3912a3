"""The audit log: one entry per mutation, added to the session of the change itself so it
commits (or rolls back) together with it."""

from typing import Any

from pydantic_core import to_jsonable_python
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_backend.models import AuditEntry
from crm_backend.services.security import Actor


def jsonable(value: Any) -> Any:
    return None if value is None else to_jsonable_python(value)


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {key: {"from": before.get(key), "to": after.get(key)}
            for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)}


def record(session: Session, actor: Actor, action: str, entity_type: str, entity_id: object,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           diff: dict[str, Any] | None = None) -> AuditEntry:
    before_json, after_json = jsonable(before), jsonable(after)
    if diff is None and isinstance(before_json, dict) and isinstance(after_json, dict):
        diff = changed_fields(before_json, after_json)
    entry = AuditEntry(actor=actor.principal, actor_name=actor.display_name, on_behalf_of=actor.on_behalf_of,
                       action=action, entity_type=entity_type, entity_id=str(entity_id),
                       before=before_json, after=after_json, diff=jsonable(diff))
    session.add(entry)
    return entry


def search(session: Session, *, entity_type: str | None, entity_id: str | None, actor: str | None,
           action: str | None, limit: int, offset: int) -> tuple[list[AuditEntry], int]:
    query = select(AuditEntry)
    if entity_type:
        query = query.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        query = query.where(AuditEntry.entity_id == entity_id)
    if actor:
        query = query.where(AuditEntry.actor == actor)
    if action:
        query = query.where(AuditEntry.action == action)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), total or 0
