from typing import Annotated

from fastapi import APIRouter, Path, Query

from crm_backend.api.deps import AdminPrincipal, GatewayOrStaff, MutationDep, SessionDep
from crm_backend.api.params import Limit, Offset
from crm_backend.schemas import present
from crm_backend.schemas.common import Page
from crm_backend.schemas.people import StaffCreate, StaffPublic, StaffUpdate
from crm_backend.services import staff
from crm_backend.vocab import Role

router = APIRouter(prefix="/staff", tags=["staff"])
StaffId = Annotated[int, Path(ge=1)]


@router.get("", response_model=Page[StaffPublic])
def list_staff(_caller: GatewayOrStaff, session: SessionDep, role: Role | None = None,
               language: Annotated[str | None, Query(pattern=r"^[a-z]{2}$")] = None, active: bool | None = None,
               limit: Limit = 50, offset: Offset = 0) -> Page[StaffPublic]:
    """Colleagues (agents need them to transfer a conversation); changing staff is admin-only."""
    rows, total = staff.search(session, role=role, language=language, active=active, limit=limit, offset=offset)
    return Page(items=[present.staff(s) for s in rows], total=total, limit=limit, offset=offset)


@router.post("", response_model=StaffPublic, status_code=201)
def create_staff(body: StaffCreate, _admin: AdminPrincipal, m: MutationDep) -> StaffPublic:
    return m.run(lambda: present.staff(staff.create(m.session, m.actor, email=body.email, name=body.name,
                                                    password=body.password, role=body.role,
                                                    languages=body.languages)),
                 body.model_dump(exclude={"password"}))


@router.get("/{staff_id}", response_model=StaffPublic)
def get_staff(staff_id: StaffId, _caller: GatewayOrStaff, session: SessionDep) -> StaffPublic:
    return present.staff(staff.get(session, staff_id))


@router.patch("/{staff_id}", response_model=StaffPublic)
def update_staff(staff_id: StaffId, body: StaffUpdate, _admin: AdminPrincipal, m: MutationDep) -> StaffPublic:
    def operation() -> StaffPublic:
        member = staff.get(m.session, staff_id)
        changes = body.model_dump(include=body.model_fields_set - {"expected_version"})
        return present.staff(staff.update_member(m.session, m.actor, member, changes, body.expected_version))

    return m.run(operation, body.model_dump(exclude={"password"}))
