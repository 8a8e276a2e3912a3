"""Authentication (service tokens, staff login and JWTs) and role checks."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.crm_backend.factories import STAFF_PASSWORD, make_customer, make_staff


def login(ctx, email, password):
    return ctx.client.post("/auth/login", json={"email": email, "password": password})


def test_staff_login_returns_a_jwt_the_gateway_can_verify(ctx):
    with ctx.db() as s:
        agent = make_staff(s, name="Sam Agent", email="sam@example.com", languages=("en", "es"))
    response = login(ctx, "SAM@example.com", STAFF_PASSWORD)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == ctx.settings.jwt_expires_minutes * 60
    assert body["user"] == {"id": agent.id, "name": "Sam Agent", "email": "sam@example.com", "role": "agent",
                            "languages": ["en", "es"], "is_active": True}
    assert "password" not in response.text and "argon2" not in response.text
    claims = jwt.decode(body["access_token"], ctx.settings.jwt_secret, algorithms=["HS256"])
    assert claims["sub"] == str(agent.id) and claims["role"] == "agent" and claims["name"] == "Sam Agent"
    me = ctx.client.get("/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["id"] == agent.id


def test_passwords_are_stored_as_argon2_hashes(ctx):
    with ctx.db() as s:
        admin = make_staff(s, role="admin")
    response = ctx.client.post("/staff", headers=ctx.staff(admin), json={
        "email": "new@example.com", "name": "New Agent", "password": "a-long-enough-password", "role": "agent",
        "languages": ["fr"]})
    assert response.status_code == 201, response.text
    assert "password" not in response.json()
    with ctx.db() as s:
        from crm_backend.models import AuditEntry, Staff
        stored = s.query(Staff).filter_by(email="new@example.com").one()
        assert stored.password_hash.startswith("$argon2id$")
        assert "a-long-enough-password" not in stored.password_hash
        entry = s.query(AuditEntry).filter_by(action="staff.created").one()
        assert "password" not in str(entry.after) and "argon2" not in str(entry.after)
    assert login(ctx, "new@example.com", "a-long-enough-password").status_code == 200


@pytest.mark.parametrize("email, password", [("sam@example.com", "wrong-password"),
                                             ("nobody@example.com", STAFF_PASSWORD)])
def test_bad_credentials(ctx, email, password):
    with ctx.db() as s:
        make_staff(s, email="sam@example.com")
    response = login(ctx, email, password)
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "invalid_credentials"


def test_repeated_failed_logins_lock_the_account(ctx):
    with ctx.db() as s:
        make_staff(s, email="sam@example.com")
    for _ in range(ctx.settings.login_max_failures):
        assert login(ctx, "sam@example.com", "wrong-password").status_code == 401
    locked = login(ctx, "sam@example.com", STAFF_PASSWORD)
    assert locked.status_code == 429 and locked.json()["detail"]["code"] == "login_locked"


def test_deactivated_staff_lose_access_at_once(ctx):
    with ctx.db() as s:
        admin = make_staff(s, role="admin")
        agent = make_staff(s)
    headers = ctx.staff(agent)
    assert ctx.client.get("/auth/me", headers=headers).status_code == 200
    response = ctx.client.patch(f"/staff/{agent.id}", json={"is_active": False}, headers=ctx.staff(admin))
    assert response.status_code == 200 and response.json()["is_active"] is False
    assert ctx.client.get("/auth/me", headers=headers).status_code == 401
    assert login(ctx, agent.email, STAFF_PASSWORD).status_code == 401


@pytest.mark.parametrize("authorization", [None, "Bearer", "Bearer wrong-token", "Basic abc",
                                           "Bearer " + "x" * 40])
def test_missing_or_bad_tokens_are_401(ctx, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = ctx.client.get("/queue", headers=headers)
    assert response.status_code == 401
    assert response.json()["detail"]["code"] in {"unauthorized", "invalid_token"}


def test_expired_or_foreign_jwts_are_401(ctx):
    with ctx.db() as s:
        agent = make_staff(s)
    now = datetime.now(UTC)
    expired = jwt.encode({"sub": str(agent.id), "role": "agent", "name": "x", "exp": now - timedelta(seconds=1)},
                         ctx.settings.jwt_secret, algorithm="HS256")
    foreign = jwt.encode({"sub": str(agent.id), "role": "admin", "name": "x", "exp": now + timedelta(hours=1)},
                         "another-secret-that-is-long-enough-1234", algorithm="HS256")
    none_alg = jwt.encode({"sub": str(agent.id), "role": "admin", "exp": now + timedelta(hours=1)}, None,
                          algorithm="none")
    for token in (expired, foreign, none_alg):
        assert ctx.client.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_role_in_a_jwt_is_rechecked_against_the_database(ctx):
    """A token claiming admin for an agent account does not make them admin."""
    with ctx.db() as s:
        agent = make_staff(s)
    token = jwt.encode({"sub": str(agent.id), "role": "admin", "name": "x",
                        "exp": datetime.now(UTC) + timedelta(hours=1)}, ctx.settings.jwt_secret, algorithm="HS256")
    response = ctx.client.get("/audit", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/staff", {"email": "x@example.com", "name": "X", "password": "long-enough-password",
                        "role": "admin", "languages": ["en"]}),
    ("PATCH", "/staff/{other}", {"role": "admin"}),
    ("GET", "/audit", None),
    ("POST", "/audit", {"action": "training_data.updated", "entity_type": "nlu_example", "entity_id": "x"}),
    ("GET", "/customers/{customer}/export", None),
    ("POST", "/customers/{customer}/erase", None),
])
def test_agents_cannot_change_staff_training_data_or_personal_data(ctx, method, path, body):
    with ctx.db() as s:
        agent = make_staff(s)
        other = make_staff(s)
        customer = make_customer(s)
    response = ctx.client.request(method, path.format(other=other.id, customer=customer.id), json=body,
                                  headers=ctx.staff(agent))
    assert response.status_code == 403
    assert response.json()["detail"]["code"] == "forbidden"


@pytest.mark.parametrize("method, path", [("GET", "/customers"), ("GET", "/orders"), ("GET", "/tickets"),
                                          ("POST", "/conversations/s1/take"), ("GET", "/audit")])
def test_services_cannot_use_staff_routes(ctx, method, path):
    assert ctx.client.request(method, path, headers=ctx.actions()).status_code == 403


def test_actions_service_cannot_drive_conversations(ctx):
    response = ctx.client.put("/conversations/s1", json={"language": "en"}, headers=ctx.actions())
    assert response.status_code == 403


def test_last_admin_cannot_be_demoted(ctx):
    with ctx.db() as s:
        admin = make_staff(s, role="admin")
    response = ctx.client.patch(f"/staff/{admin.id}", json={"role": "agent"}, headers=ctx.staff(admin))
    assert response.status_code == 409 and response.json()["detail"]["code"] == "last_admin"


def test_agents_can_list_colleagues_for_transfers(ctx):
    with ctx.db() as s:
        agent = make_staff(s, languages=("en",))
        make_staff(s, languages=("es", "en"), name="Marta")
    page = ctx.client.get("/staff", params={"language": "es"}, headers=ctx.staff(agent)).json()
    assert [m["name"] for m in page["items"]] == ["Marta"]
    assert all("password" not in str(m) for m in page["items"])
