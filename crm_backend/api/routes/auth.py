from fastapi import APIRouter

from crm_backend.api.deps import SessionDep, SettingsDep, StaffPrincipal
from crm_backend.schemas import present
from crm_backend.schemas.people import LoginRequest, LoginResponse, StaffPublic
from crm_backend.services import staff
from crm_backend.services.security import issue_staff_token

router = APIRouter(prefix="/auth", tags=["staff"])


@router.post("/login", response_model=LoginResponse)
def login(body: LoginRequest, session: SessionDep, settings: SettingsDep) -> LoginResponse:
    """E-mail and password -> a JWT (HS256, claims sub, role, name, exp). 401 invalid_credentials;
    429 login_locked after repeated failures."""
    member = staff.authenticate(session, settings, body.email, body.password)
    token, expires_in = issue_staff_token(settings, member.id, member.role, member.name)
    return LoginResponse(access_token=token, expires_in=expires_in, user=present.staff(member))


@router.get("/me", response_model=StaffPublic)
def me(principal: StaffPrincipal, session: SessionDep) -> StaffPublic:
    return present.staff(staff.get(session, principal.staff_id))
