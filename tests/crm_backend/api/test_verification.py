"""Customer verification: order number + e-mail, the shop's site token, lockout, and the
scope of the resulting customer token."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from crm_backend.services.security import issue_customer_token
from tests.crm_backend.factories import make_customer, make_order, make_ticket


@pytest.fixture
def alice_order(ctx):
    with ctx.db() as s:
        alice = make_customer(s, email="alice@example.com", first_name="Alice", tier="gold", language="de")
        return alice, make_order(s, alice)


def verify(ctx, number, email, headers=None):
    return ctx.client.post("/verifications", json={"order_number": number, "email": email},
                           headers=headers or ctx.actions())


def test_order_and_email_yield_a_scoped_short_lived_token(ctx, alice_order):
    alice, order = alice_order
    response = verify(ctx, order.number, "  Alice@Example.COM ")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer"] == {"id": alice.id, "first_name": "Alice", "masked_email": "a***@example.com",
                                "preferred_language": "de", "tier": "gold"}
    expires = datetime.fromisoformat(body["expires_at"])
    assert timedelta(minutes=29) < expires - datetime.now(UTC) <= timedelta(minutes=30)
    claims = jwt.decode(body["customer_token"], ctx.settings.customer_token_secret, algorithms=["HS256"],
                        audience="crm:customer")
    assert claims["sub"] == str(alice.id)
    me = ctx.client.get("/me", headers=ctx.actions(body["customer_token"]))
    assert me.status_code == 200
    assert me.json()["masked_email"] == "a***@example.com" and "email" not in me.json()


@pytest.mark.parametrize("number, email", [("199999", "alice@example.com"), (None, "bob@example.com")])
def test_wrong_details_fail_the_same_way(ctx, alice_order, number, email):
    _, order = alice_order
    response = verify(ctx, number or order.number, email)
    assert response.status_code == 401
    assert response.json()["detail"] == {"code": "verification_failed",
                                         "message": "We could not verify these details."}


def test_repeated_failures_lock_verification_for_that_order(ctx, alice_order):
    alice, order = alice_order
    for _ in range(ctx.settings.verification_max_failures - 1):
        assert verify(ctx, order.number, "wrong@example.com").status_code == 401
    locked = verify(ctx, order.number, "wrong@example.com")
    assert locked.status_code == 429
    detail = locked.json()["detail"]
    assert detail["code"] == "verification_locked" and detail["retry_after_s"] > 0
    assert locked.headers["Retry-After"] == str(detail["retry_after_s"])
    # Locked even with the right e-mail now; other orders are unaffected.
    assert verify(ctx, order.number, "alice@example.com").status_code == 429
    with ctx.db() as s:
        other = make_order(s, alice)
        from crm_backend.models import AuditEntry
        assert s.query(AuditEntry).filter_by(action="verification.locked", entity_id=order.number).count() == 1
    assert verify(ctx, other.number, "alice@example.com").status_code == 200


def test_lock_expires(ctx, alice_order):
    _, order = alice_order
    for _ in range(ctx.settings.verification_max_failures):
        verify(ctx, order.number, "wrong@example.com")
    with ctx.db() as s:
        from crm_backend.models import VerificationAttempts
        row = s.get(VerificationAttempts, order.number)
        past = datetime.now(UTC) - timedelta(minutes=ctx.settings.verification_lock_minutes + 1)
        row.locked_until, row.window_started_at = past, past - timedelta(minutes=1)
        s.commit()
    assert verify(ctx, order.number, "alice@example.com").status_code == 200


def test_success_resets_the_failure_count(ctx, alice_order):
    _, order = alice_order
    for _ in range(ctx.settings.verification_max_failures - 1):
        verify(ctx, order.number, "wrong@example.com")
    assert verify(ctx, order.number, "alice@example.com").status_code == 200
    assert verify(ctx, order.number, "wrong@example.com").status_code == 401  # not 429: counting restarted


def test_site_token_verification(ctx, alice_order):
    alice, _ = alice_order
    secret = ctx.settings.shop_signing_secret
    good = jwt.encode({"sub": "alice@example.com", "exp": datetime.now(UTC) + timedelta(minutes=5)}, secret,
                      algorithm="HS256")
    response = ctx.client.post("/verifications/site-token", json={"token": good}, headers=ctx.gateway())
    assert response.status_code == 200
    assert response.json()["customer"]["id"] == alice.id
    expired = jwt.encode({"sub": "alice@example.com", "exp": datetime.now(UTC) - timedelta(seconds=1)}, secret,
                         algorithm="HS256")
    forged = jwt.encode({"sub": "alice@example.com", "exp": datetime.now(UTC) + timedelta(minutes=5)},
                        "not-the-shop-secret-but-long-enough-123", algorithm="HS256")
    unknown = jwt.encode({"sub": "nobody@example.com", "exp": datetime.now(UTC) + timedelta(minutes=5)}, secret,
                         algorithm="HS256")
    for token in (expired, forged, unknown):
        response = ctx.client.post("/verifications/site-token", json={"token": token}, headers=ctx.gateway())
        assert response.status_code == 401 and response.json()["detail"]["code"] == "verification_failed"


def test_staff_cannot_verify_customers(ctx, alice_order):
    from tests.crm_backend.factories import make_staff
    _, order = alice_order
    with ctx.db() as s:
        agent = make_staff(s)
    assert verify(ctx, order.number, "alice@example.com", headers=ctx.staff(agent)).status_code == 403


def test_customer_token_is_scoped_to_one_customer(ctx, alice_order):
    alice, alices_order = alice_order
    with ctx.db() as s:
        bob = make_customer(s, email="bob@example.com")
        bobs_order = make_order(s, bob)
        bobs_ticket = make_ticket(s, bob)
        alices_ticket = make_ticket(s, alice)
    token = ctx.verify(alices_order.number, "alice@example.com")
    headers = ctx.actions(token)
    assert ctx.client.get(f"/orders/{alices_order.number}", headers=headers).status_code == 200
    assert ctx.client.get(f"/orders/{bobs_order.number}", headers=headers).status_code == 404
    assert ctx.client.get(f"/tickets/{alices_ticket.number}", headers=headers).status_code == 200
    assert ctx.client.get(f"/tickets/{bobs_ticket.number}", headers=headers).status_code == 404
    comment = ctx.client.post(f"/tickets/{bobs_ticket.number}/comments", json={"body": "hi"}, headers=headers)
    assert comment.status_code == 404
    my_orders = ctx.client.get("/me/orders", headers=headers).json()
    assert [o["number"] for o in my_orders["items"]] == [alices_order.number]
    my_tickets = ctx.client.get("/me/tickets", headers=headers).json()
    assert [t["number"] for t in my_tickets["items"]] == [alices_ticket.number]
    # A verified customer cannot attach someone else's order to a ticket either.
    ticket = ctx.client.post("/tickets", headers=headers, json={
        "subject": "x", "description": "y", "category": "delivery", "order_number": bobs_order.number})
    assert ticket.status_code == 404


@pytest.mark.parametrize("token_kind", ["expired", "forged", "garbage"])
def test_bad_customer_tokens_are_rejected(ctx, alice_order, token_kind):
    alice, order = alice_order
    if token_kind == "expired":
        token = jwt.encode({"sub": str(alice.id), "aud": "crm:customer",
                            "exp": datetime.now(UTC) - timedelta(seconds=5)},
                           ctx.settings.customer_token_secret, algorithm="HS256")
    elif token_kind == "forged":  # signed with the staff secret instead of the customer secret
        token = jwt.encode({"sub": str(alice.id), "aud": "crm:customer",
                            "exp": datetime.now(UTC) + timedelta(minutes=5)}, ctx.settings.jwt_secret,
                           algorithm="HS256")
    else:
        token = "not-a-token"
    response = ctx.client.get(f"/orders/{order.number}", headers=ctx.actions(token))
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "customer_token_invalid"


def test_customer_token_does_not_work_as_a_bearer_token(ctx, alice_order):
    alice, order = alice_order
    token, _ = issue_customer_token(ctx.settings, alice.id, "test")
    response = ctx.client.get(f"/orders/{order.number}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


@pytest.mark.parametrize("body", [{"order_number": "12345", "email": "a@example.com"},
                                  {"order_number": "123456", "email": "not-an-email"},
                                  {"order_number": "123456"}])
def test_verification_input_is_validated(ctx, body):
    response = ctx.client.post("/verifications", json=body, headers=ctx.actions())
    assert response.status_code == 422
    assert all("input" not in error for error in response.json()["detail"])
