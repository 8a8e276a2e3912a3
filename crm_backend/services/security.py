"""Credentials: password hashing, staff JWTs, customer tokens, the shop's site tokens, and
the principal (who is calling) that every audit entry names."""

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from crm_backend.config import Settings
from crm_backend.db import utcnow
from crm_backend.services.errors import Unauthorized
from crm_backend.vocab import Role

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters

STAFF_AUDIENCE = "crm:staff"
CUSTOMER_AUDIENCE = "crm:customer"
JWT_ALGORITHM = "HS256"


@dataclass(frozen=True)
class Principal:
    """The authenticated caller: a service (gateway, action server) or a staff user."""

    name: str  # service:gateway | service:actions | staff:<id>
    display_name: str
    staff_id: int | None = None
    role: Role | None = None

    @property
    def is_service(self) -> bool:
        return self.name.startswith("service:")

    @property
    def is_staff(self) -> bool:
        return self.staff_id is not None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin


@dataclass(frozen=True)
class Actor:
    """Whom the audit log names for a change: the principal, and the verified customer a
    service acted for."""

    principal: str
    display_name: str | None = None
    customer_id: int | None = None

    @property
    def on_behalf_of(self) -> str | None:
        return f"customer:{self.customer_id}" if self.customer_id is not None else None

    @property
    def kind(self) -> str:
        """customer | staff | system: the label customers see in an order's history."""
        if self.customer_id is not None:
            return "customer"
        return "staff" if self.principal.startswith("staff:") else "system"


SYSTEM = Actor("system", "System")


# --- passwords -----------------------------------------------------------------------
def hash_password(password: str) -> str:
    return _hasher.hash(password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Verified against when the e-mail is unknown, so a failed login takes as long either way.
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


# --- service tokens ------------------------------------------------------------------
def service_principal(settings: Settings, token: str) -> Principal | None:
    for name, expected in (("gateway", settings.crm_gateway_token), ("actions", settings.crm_actions_token)):
        if hmac.compare_digest(token.encode(), expected.encode()):
            return Principal(name=f"service:{name}", display_name=f"{name} service")
    return None


# --- staff JWTs (verified by the gateway with the same secret) -------------------------
def issue_staff_token(settings: Settings, staff_id: int, role: Role, name: str) -> tuple[str, int]:
    expires_in = settings.jwt_expires_minutes * 60
    now = utcnow()
    claims = {"sub": str(staff_id), "role": role.value, "name": name, "iat": now,
              "exp": now + timedelta(seconds=expires_in)}
    return jwt.encode(claims, settings.jwt_secret, algorithm=JWT_ALGORITHM), expires_in


def decode_staff_token(settings: Settings, token: str) -> dict:
    try:
        claims = jwt.decode(token, settings.jwt_secret, algorithms=[JWT_ALGORITHM],
                            options={"require": ["sub", "role", "exp"]})
    except jwt.PyJWTError:
        raise Unauthorized("The access token is invalid or has expired.", code="invalid_token") from None
    if not str(claims["sub"]).isdigit() or claims["role"] not in {r.value for r in Role}:
        raise Unauthorized("The access token is invalid or has expired.", code="invalid_token")
    return claims


# --- customer tokens: short-lived, scoped to one customer ----------------------------------
def issue_customer_token(settings: Settings, customer_id: int, method: str) -> tuple[str, datetime]:
    now = utcnow()
    expires_at = now + timedelta(minutes=settings.customer_token_ttl_minutes)
    claims = {"sub": str(customer_id), "aud": CUSTOMER_AUDIENCE, "amr": method, "iat": now, "exp": expires_at}
    return jwt.encode(claims, settings.customer_token_secret, algorithm=JWT_ALGORITHM), expires_at.replace(
        microsecond=0)


def decode_customer_token(settings: Settings, token: str) -> int:
    try:
        claims = jwt.decode(token, settings.customer_token_secret, algorithms=[JWT_ALGORITHM],
                            audience=CUSTOMER_AUDIENCE, options={"require": ["sub", "exp", "aud"]})
    except jwt.PyJWTError:
        raise Unauthorized("The customer token is invalid or has expired; verify again.",
                           code="customer_token_invalid") from None
    if not str(claims["sub"]).isdigit():
        raise Unauthorized("The customer token is invalid or has expired; verify again.",
                           code="customer_token_invalid")
    return int(claims["sub"])


def decode_site_token(settings: Settings, token: str) -> str:
    """The shop's website signs `sub` = the logged-in customer's e-mail."""
    try:
        claims = jwt.decode(token, settings.shop_signing_secret, algorithms=[JWT_ALGORITHM],
                            options={"require": ["sub", "exp"], "verify_aud": False})
    except jwt.PyJWTError:
        raise Unauthorized("The site token could not be verified.", code="verification_failed") from None
    subject = claims["sub"]
    if not isinstance(subject, str) or "@" not in subject or len(subject) > 254:
        raise Unauthorized("The site token could not be verified.", code="verification_failed")
    return subject.strip().lower()
