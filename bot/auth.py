"""Staff sign-in for the agent console and the admin workbench.

The CRM owns staff accounts and issues their JWTs (`POST /api/v1/auth/login`); the gateway
only relays the login and keeps the token in an httpOnly, SameSite=Strict cookie, then
verifies it locally with the shared `JWT_SECRET` on every request (no CRM round trip).
API callers may send the same token as `Authorization: Bearer <jwt>` instead.

Routes: GET /login (page), POST /auth/login, POST /auth/logout, GET /auth/me.
Dependencies for other routers: `CurrentStaff`, `AgentOrAdmin`, `AdminOnly`, and
`staff_from_websocket()` for WebSocket endpoints.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import httpx
import jwt
from fastapi import APIRouter, Depends, HTTPException, Request, Response, WebSocket, status
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from bot.config import Settings, get_settings

logger = logging.getLogger("bot.auth")
router = APIRouter(tags=["staff sign-in"])

SESSION_COOKIE = "staff_session"
LOGIN_PAGE = Path(__file__).parent / "web" / "login.html"
ROLES = ("agent", "admin")


@dataclass(frozen=True)
class StaffUser:
    id: int
    name: str
    role: str
    token: str  # the CRM JWT, forwarded when the gateway calls the CRM on the user's behalf

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


class LoginRequest(BaseModel):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=200)


def decode_staff_token(token: str, settings: Settings) -> StaffUser | None:
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"],
                            options={"require": ["sub", "role", "exp"]})
    except jwt.PyJWTError:
        return None
    if not str(claims["sub"]).isdigit() or claims["role"] not in ROLES:
        return None
    return StaffUser(id=int(claims["sub"]), name=str(claims.get("name", "")), role=claims["role"], token=token)


def _token_from(headers, cookies) -> str | None:
    scheme, _, value = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value:
        return value
    return cookies.get(SESSION_COOKIE)


def _same_origin(headers) -> bool:
    """Cookie-authenticated writes must come from our own pages (defence in depth next to
    SameSite=Strict): a browser always sends Origin on cross-site POST/PUT/DELETE."""
    origin = headers.get("origin")
    if origin is None:
        return True
    host = headers.get("host", "")
    return urlsplit(origin).netloc == host


def _cross_origin_refused() -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, {"code": "cross_origin", "message": "Cross-site request refused."})


def current_staff(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> StaffUser:
    token = _token_from(request.headers, request.cookies)
    user = decode_staff_token(token, settings) if token else None
    if user is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            {"code": "not_signed_in", "message": "Sign in as a staff member first."})
    if request.method not in ("GET", "HEAD", "OPTIONS") and not _same_origin(request.headers):
        raise _cross_origin_refused()
    return user


def require_role(*roles: str):
    def check(user: Annotated[StaffUser, Depends(current_staff)]) -> StaffUser:
        if user.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                {"code": "forbidden", "message": f"This needs the role {' or '.join(roles)}."})
        return user
    return check


CurrentStaff = Annotated[StaffUser, Depends(current_staff)]
AgentOrAdmin = Annotated[StaffUser, Depends(require_role("agent", "admin"))]
AdminOnly = Annotated[StaffUser, Depends(require_role("admin"))]


def staff_from_websocket(websocket: WebSocket, settings: Settings | None = None) -> StaffUser | None:
    """The signed-in user of a WebSocket handshake (cookie or bearer header), or None.
    Checks the Origin too: browsers do not apply SameSite to cross-site WebSocket handshakes."""
    settings = settings or get_settings()
    if not _same_origin(websocket.headers):
        return None
    token = _token_from(websocket.headers, websocket.cookies)
    return decode_staff_token(token, settings) if token else None


def signed_in_or_none(request: Request) -> StaffUser | None:
    """For HTML pages: the user, or None so the page can redirect to /login."""
    token = _token_from(request.headers, request.cookies)
    return decode_staff_token(token, get_settings()) if token else None


@router.get("/login", include_in_schema=False)
async def login_page() -> FileResponse:
    return FileResponse(LOGIN_PAGE, headers={"Cache-Control": "no-store"})


@router.post("/auth/login")
async def login(body: LoginRequest, request: Request, response: Response,
                settings: Annotated[Settings, Depends(get_settings)]) -> dict:
    """Relays the sign-in to the CRM and keeps the token in an httpOnly cookie."""
    if not _same_origin(request.headers):
        raise _cross_origin_refused()
    try:
        async with httpx.AsyncClient(base_url=settings.crm_url, timeout=10) as crm:
            answer = await crm.post("/api/v1/auth/login", json=body.model_dump())
    except httpx.HTTPError as exc:
        logger.error("login: CRM unreachable: %s", exc)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            {"code": "crm_unavailable",
                             "message": "Sign-in is unavailable right now; try again shortly."}) from None
    if answer.status_code != 200:
        # 401 invalid_credentials, 429 login_locked, 422: the CRM's own precise answer.
        is_json = answer.headers.get("content-type", "").startswith("application/json")
        detail = answer.json().get("detail") if is_json else None
        raise HTTPException(answer.status_code, detail or {"code": "login_failed", "message": "Sign-in failed."})
    payload = answer.json()
    response.set_cookie(SESSION_COOKIE, payload["access_token"], max_age=int(payload["expires_in"]), httponly=True,
                        samesite="strict", secure=request.url.scheme == "https", path="/")
    return {"user": payload["user"], "expires_in": payload["expires_in"]}


@router.post("/auth/logout")
async def logout(response: Response) -> dict:
    response.delete_cookie(SESSION_COOKIE, path="/")
    return {"signed_out": True}


@router.get("/auth/me")
async def me(user: CurrentStaff) -> dict:
    return {"id": user.id, "name": user.name, "role": user.role}
