from typing import Annotated

from fastapi import APIRouter, Query

from crm_backend.api.deps import AdminPrincipal, MutationDep, SessionDep
from crm_backend.api.params import Limit, Offset
from crm_backend.schemas.common import Page
from crm_backend.schemas.people import AuditCreate, AuditPublic
from crm_backend.services import audit

router = APIRouter(prefix="/audit", tags=["audit"])


@router.get("", response_model=Page[AuditPublic])
def list_audit(_admin: AdminPrincipal, session: SessionDep,
               entity_type: Annotated[str | None, Query(max_length=32)] = None,
               entity_id: Annotated[str | None, Query(max_length=128)] = None,
               actor: Annotated[str | None, Query(max_length=64)] = None,
               action: Annotated[str | None, Query(max_length=64)] = None,
               limit: Limit = 50, offset: Offset = 0) -> Page[AuditPublic]:
    """Newest first."""
    rows, total = audit.search(session, entity_type=entity_type, entity_id=entity_id, actor=actor, action=action,
                               limit=limit, offset=offset)
    return Page(items=[AuditPublic.model_validate(r) for r in rows], total=total, limit=limit, offset=offset)


@router.post("", response_model=AuditPublic, status_code=201)
def record_external_change(body: AuditCreate, _admin: AdminPrincipal, m: MutationDep) -> AuditPublic:
    """Records a change made outside the CRM (training-data edits in the admin workbench); the
    actor is the calling admin."""

    def operation() -> AuditPublic:
        entry = audit.record(m.session, m.actor, body.action, body.entity_type, body.entity_id, body.before,
                             body.after, body.diff)
        m.session.flush()
        return AuditPublic.model_validate(entry)

    return m.run(operation, body)
