"""Staff sign-in at the gateway: token checks, role checks, cookie handling and origin checks.
Tokens are issued by the CRM's own function with the shared secret, as in production."""

from datetime import timedelta

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bot.auth import SESSION_COOKIE, AdminOnly, AgentOrAdmin, decode_staff_token, router
from bot.config import get_settings

SECRET = "test-jwt-secret-0123456789-abcdefghij"


@pytest.fixture
def settings(monkeypatch):
    for name in ("RASA_TOKEN", "CRM_GATEWAY_TOKEN", "GATEWAY_SERVICE_TOKEN"):
        monkeypatch.setenv(name, f"test-{name.lower()}-0123456789")
    monkeypatch.setenv("JWT_SECRET", SECRET)
    monkeypatch.setenv("CRM_URL", "http://127.0.0.1:9")  # nothing listens: sign-in must say so
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def staff_token(role="agent", staff_id=7, secret=SECRET, expires_in=timedelta(hours=1)):
    from crm_backend.services.security import issue_staff_token  # the CRM's issuer

    class Cfg:
        jwt_secret = secret
        jwt_expires_minutes = int(expires_in.total_seconds() // 60)

    from crm_backend.vocab import Role
    return issue_staff_token(Cfg, staff_id, Role(role), "Ana Agent")[0]


@pytest.fixture
def client(settings):
    app = FastAPI()
    app.include_router(router)

    @app.get("/agents-area")
    def agents_area(user: AgentOrAdmin):
        return {"id": user.id, "role": user.role}

    @app.post("/admin-area")
    def admin_area(user: AdminOnly):
        return {"id": user.id}

    return TestClient(app)


def test_decode_accepts_crm_token_and_rejects_forged_or_expired(settings):
    user = decode_staff_token(staff_token("admin", 3), settings)
    assert (user.id, user.role, user.name, user.is_admin) == (3, "admin", "Ana Agent", True)
    assert decode_staff_token(staff_token(secret="another-secret-0123456789-abcdefghij"), settings) is None
    expired = jwt.encode({"sub": "3", "role": "admin", "exp": 1}, SECRET, algorithm="HS256")
    assert decode_staff_token(expired, settings) is None
    unknown_role = jwt.encode({"sub": "3", "role": "root", "exp": 4102444800}, SECRET, algorithm="HS256")
    assert decode_staff_token(unknown_role, settings) is None


def test_no_token_is_401_with_code(client):
    answer = client.get("/agents-area")
    assert answer.status_code == 401
    assert answer.json()["detail"]["code"] == "not_signed_in"


def test_cookie_or_bearer_signs_in(client):
    assert client.get("/agents-area", cookies={SESSION_COOKIE: staff_token()}).json() == {"id": 7, "role": "agent"}
    assert client.get("/agents-area", headers={"Authorization": f"Bearer {staff_token('admin', 2)}"}).json() == {
        "id": 2, "role": "admin"}


def test_agents_cannot_reach_admin_routes(client):
    answer = client.post("/admin-area", cookies={SESSION_COOKIE: staff_token("agent")})
    assert answer.status_code == 403
    assert answer.json()["detail"]["code"] == "forbidden"
    assert client.post("/admin-area", cookies={SESSION_COOKIE: staff_token("admin")}).status_code == 200


def test_cross_site_write_is_refused(client):
    cookies = {SESSION_COOKIE: staff_token("admin")}
    answer = client.post("/admin-area", cookies=cookies, headers={"Origin": "https://evil.example"})
    assert answer.status_code == 403
    assert answer.json()["detail"]["code"] == "cross_origin"
    assert client.post("/admin-area", cookies=cookies, headers={"Origin": "http://testserver"}).status_code == 200


def test_login_validates_input_and_reports_crm_down(client):
    assert client.post("/auth/login", json={"email": "", "password": ""}).status_code == 422
    answer = client.post("/auth/login", json={"email": "agent@example.com", "password": "x"})
    assert answer.status_code == 503
    assert answer.json()["detail"]["code"] == "crm_unavailable"


def test_logout_clears_the_cookie(client):
    answer = client.post("/auth/logout")
    assert answer.status_code == 200
    assert SESSION_COOKIE in answer.headers["set-cookie"] and "Max-Age=0" in answer.headers["set-cookie"]
