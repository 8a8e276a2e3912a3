from typing import Annotated

from fastapi import APIRouter, Depends

from crm_backend.api.deps import SessionDep, SettingsDep, allow
from crm_backend.schemas import present
from crm_backend.schemas.people import SiteTokenVerification, VerificationRequest, VerificationResult
from crm_backend.services import verification
from crm_backend.services.security import Actor, Principal

router = APIRouter(tags=["verification"])
Service = Annotated[Principal, Depends(allow("gateway", "actions"))]


def _result(token: str, expires_at, customer) -> VerificationResult:
    return VerificationResult(customer_token=token, expires_at=expires_at,
                              customer=present.verified_customer(customer))


@router.post("/verifications", response_model=VerificationResult)
def verify_with_order(body: VerificationRequest, principal: Service, session: SessionDep,
                      settings: SettingsDep) -> VerificationResult:
    """Order number + e-mail -> a short-lived customer token (send it as X-Customer-Token).
    401 verification_failed; 429 verification_locked after repeated failures for that order."""
    actor = Actor(principal.name, principal.display_name)
    return _result(*verification.verify_order_email(session, settings, actor, body.order_number, body.email))


@router.post("/verifications/site-token", response_model=VerificationResult)
def verify_with_site_token(body: SiteTokenVerification, principal: Service, session: SessionDep,
                           settings: SettingsDep) -> VerificationResult:
    """The shop's signed token (HS256, SHOP_SIGNING_SECRET, sub = e-mail) -> a customer token."""
    actor = Actor(principal.name, principal.display_name)
    return _result(*verification.verify_site_token(session, settings, actor, body.token))
