"""Customer profile for the agent console, staff edits, and GDPR export and erasure."""

import pytest

from tests.crm_backend.factories import make_conversation, make_customer, make_order, make_staff, make_ticket


@pytest.fixture
def world(ctx):
    with ctx.db() as s:
        alice = make_customer(s, email="alice@example.com", first_name="Alice", last_name="Liddell",
                              phone="+44 20 7946 0001", tier="gold")
        orders = [make_order(s, alice, status=status) for status in ("placed", "delivered", "shipped")]
        ticket = make_ticket(s, alice, order=orders[0], subject="Alice's ticket")
        conv = make_conversation(s, "web-alice", customer=alice)
        admin = make_staff(s, role="admin")
        agent = make_staff(s)
    return {"alice": alice, "orders": orders, "ticket": ticket, "conv": conv, "admin": admin, "agent": agent}


def test_profile_with_recent_orders_and_tickets(ctx, world):
    alice = world["alice"]
    for headers in (ctx.staff(world["agent"]), ctx.gateway()):
        response = ctx.client.get(f"/customers/{alice.id}", headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert body["email"] == "alice@example.com" and body["tier"] == "gold"
        assert body["order_count"] == 3 and len(body["recent_orders"]) == 3
        assert body["open_ticket_count"] == 1 and body["recent_tickets"][0]["number"] == world["ticket"].number
    assert ctx.client.get(f"/customers/{alice.id}", headers=ctx.actions()).status_code == 403
    assert ctx.client.get("/customers/999999", headers=ctx.staff(world["agent"])).status_code == 404


def test_search_customers(ctx, world):
    staff = ctx.staff(world["agent"])
    assert ctx.client.get("/customers", params={"q": "lidd"}, headers=staff).json()["total"] == 1
    assert ctx.client.get("/customers", params={"tier": "gold"}, headers=staff).json()["total"] == 1
    assert ctx.client.get("/customers", params={"tier": "diamond"}, headers=staff).status_code == 422


def test_staff_update_customer_with_conflicts(ctx, world):
    alice, staff = world["alice"], ctx.staff(world["agent"])
    with ctx.db() as s:
        make_customer(s, email="taken@example.com")
    ok = ctx.client.patch(f"/customers/{alice.id}", json={"preferred_language": "fr", "expected_version": 1},
                          headers=staff)
    assert ok.status_code == 200 and ok.json()["preferred_language"] == "fr" and ok.json()["version"] == 2
    stale = ctx.client.patch(f"/customers/{alice.id}", json={"tier": "silver", "expected_version": 1},
                             headers=staff)
    assert stale.status_code == 409 and stale.json()["detail"]["code"] == "version_conflict"
    taken = ctx.client.patch(f"/customers/{alice.id}", json={"email": "Taken@example.com"}, headers=staff)
    assert taken.status_code == 409 and taken.json()["detail"]["code"] == "email_taken"


def test_export_holds_everything_and_is_audited(ctx, world):
    alice = world["alice"]
    ctx.client.post(f"/conversations/{world['conv'].session_id}/messages", headers=ctx.gateway(), json={
        "client_message_id": "c1", "sender_type": "customer", "text": "my address is 1 Test Street",
        "language": "en"})
    response = ctx.client.get(f"/customers/{alice.id}/export", headers=ctx.staff(world["admin"]))
    assert response.status_code == 200
    data = response.json()
    assert data["customer"]["email"] == "alice@example.com"
    assert {o["number"] for o in data["orders"]} == {o.number for o in world["orders"]}
    assert data["orders"][0]["shipping_address"]["line1"] == "1 Test Street"
    assert data["tickets"][0]["subject"] == "Alice's ticket"
    assert data["conversations"][0]["messages"][0]["text"] == "my address is 1 Test Street"
    with ctx.db() as s:
        from crm_backend.models import AuditEntry
        entry = s.query(AuditEntry).filter_by(action="customer.exported").one()
        assert entry.actor == f"staff:{world['admin'].id}" and entry.entity_id == str(alice.id)


def test_erase_anonymises_but_keeps_order_totals(ctx, world):
    alice, admin = world["alice"], ctx.staff(world["admin"])
    token = ctx.customer_token(alice)
    sid = world["conv"].session_id
    ctx.client.post(f"/conversations/{sid}/messages", headers=ctx.gateway(), json={
        "client_message_id": "c1", "sender_type": "customer", "text": "I am Alice Liddell", "language": "en"})
    ctx.client.put(f"/orders/{world['orders'][0].number}/shipping-address", headers=ctx.actions(token), json={
        "line1": "2 Secret Lane", "city": "Oxford", "postal_code": "OX1 1AA", "country": "GB"})
    response = ctx.client.post(f"/customers/{alice.id}/erase", headers=admin)
    assert response.status_code == 200, response.text
    assert response.json()["orders_kept"] == 3 and response.json()["messages_redacted"] == 1
    again = ctx.client.post(f"/customers/{alice.id}/erase", headers=admin)
    assert again.status_code == 409 and again.json()["detail"]["code"] == "already_erased"

    profile = ctx.client.get(f"/customers/{alice.id}", headers=admin).json()
    assert profile["email"] is None and profile["phone"] is None and profile["first_name"] == "Erased"
    assert profile["erased_at"]
    order = ctx.client.get(f"/orders/{world['orders'][0].number}", headers=admin).json()
    assert order["total"] == {"amount": "49.90", "currency": "EUR"} and order["items"][0]["quantity"] == 1
    assert order["shipping_address"]["line1"] == "[erased]"
    messages = ctx.client.get(f"/conversations/{sid}/messages", headers=ctx.gateway()).json()
    assert messages[0]["text"] == "[erased]"
    ticket = ctx.client.get(f"/tickets/{world['ticket'].number}", headers=admin).json()
    assert ticket["subject"] == "[erased]" and ticket["contact_email"] is None
    # The old customer token no longer works; the e-mail no longer verifies.
    assert ctx.client.get("/me", headers=ctx.actions(token)).status_code == 401
    assert ctx.client.post("/verifications", headers=ctx.actions(), json={
        "order_number": world["orders"][0].number, "email": "alice@example.com"}).status_code == 401
    # Nothing personal is left anywhere in the database, audit log included.
    with ctx.db() as s:
        from sqlalchemy import text
        dump = []
        for table in ("customers", "orders", "tickets", "ticket_comments", "messages", "audit_log",
                      "conversations", "return_requests"):
            dump += [str(row) for row in s.execute(text(f"SELECT * FROM {table}"))]  # noqa: S608
        dump = "\n".join(dump)
        for secret in ("alice@example.com", "Liddell", "2 Secret Lane", "7946 0001", "I am Alice"):
            assert secret not in dump, secret
        from crm_backend.models import AuditEntry
        assert s.query(AuditEntry).filter_by(action="customer.erased").one().actor == f"staff:{world['admin'].id}"
