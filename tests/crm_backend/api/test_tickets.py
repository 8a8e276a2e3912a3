"""Tickets: creation by verified customers, unverified visitors and staff; idempotent
creation; public and internal comments; the status table; SLA; staff lists."""

import uuid
from datetime import datetime, timedelta

import pytest

from tests.crm_backend.factories import make_customer, make_order, make_staff, make_ticket

NEW = {"subject": "Parcel late", "description": "It has been a week.", "category": "delivery"}


@pytest.fixture
def alice(ctx):
    with ctx.db() as s:
        return make_customer(s, email="alice@example.com")


def test_verified_customer_opens_a_ticket_on_their_order(ctx, alice):
    with ctx.db() as s:
        order = make_order(s, alice, status="shipped")
    token = ctx.customer_token(alice)
    response = ctx.client.post("/tickets", json={**NEW, "order_number": order.number,
                                                 "conversation_session_id": "web-123"},
                               headers=ctx.actions(token))
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["number"] == "T10001" and body["status"] == "open" and body["priority"] == "normal"
    assert body["order_number"] == order.number and body["comments"] == []
    created = datetime.fromisoformat(body["created_at"])
    assert datetime.fromisoformat(body["sla_due_at"]) - created == timedelta(hours=24)
    assert "contact_email" not in body and "assignee" not in body  # customers get the public view
    second = ctx.client.post("/tickets", json=NEW, headers=ctx.actions(token)).json()
    assert second["number"] == "T10002"


def test_high_tier_customers_get_high_priority(ctx):
    with ctx.db() as s:
        vip = make_customer(s, tier="platinum")
    body = ctx.client.post("/tickets", json=NEW, headers=ctx.actions(ctx.customer_token(vip))).json()
    assert body["priority"] == "high"
    assert datetime.fromisoformat(body["sla_due_at"]) - datetime.fromisoformat(body["created_at"]) == \
        timedelta(hours=8)


def test_unverified_visitor_must_leave_an_email(ctx, alice):
    missing = ctx.client.post("/tickets", json=NEW, headers=ctx.gateway())
    assert missing.status_code == 422 and missing.json()["detail"]["code"] == "contact_email_required"
    with ctx.db() as s:
        order = make_order(s, alice)
    # An order number with someone else's e-mail is kept as a reference, never linked.
    response = ctx.client.post("/tickets", headers=ctx.gateway(), json={
        **NEW, "contact_email": "mallory@example.com", "order_number": order.number})
    assert response.status_code == 201
    assert response.json()["order_number"] == order.number
    with ctx.db() as s:
        from crm_backend.models import Ticket
        ticket = s.query(Ticket).filter_by(number=response.json()["number"]).one()
        assert ticket.customer_id is None and ticket.order_id is None and ticket.order_reference == order.number
    mine = ctx.client.get("/me/tickets", headers=ctx.actions(ctx.customer_token(alice))).json()
    assert mine["total"] == 0


def test_idempotent_ticket_creation(ctx, alice):
    key = str(uuid.uuid4())
    headers = ctx.actions(ctx.customer_token(alice), key=key)
    first = ctx.client.post("/tickets", json=NEW, headers=headers)
    retry = ctx.client.post("/tickets", json=NEW, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json()["number"] == first.json()["number"]
    changed = ctx.client.post("/tickets", json={**NEW, "subject": "Other"}, headers=headers)
    assert changed.status_code == 422 and changed.json()["detail"]["code"] == "idempotency_key_reused"
    # The same key from another customer is a different key: no replay of Alice's ticket to Bob.
    with ctx.db() as s:
        bob = make_customer(s)
    bobs = ctx.client.post("/tickets", json=NEW, headers=ctx.actions(ctx.customer_token(bob), key=key))
    assert bobs.status_code == 201 and bobs.json()["number"] != first.json()["number"]
    with ctx.db() as s:
        from crm_backend.models import Ticket
        assert s.query(Ticket).count() == 2


@pytest.mark.parametrize("body, field", [
    ({**NEW, "subject": ""}, "subject"), ({**NEW, "subject": "x" * 201}, "subject"),
    ({**NEW, "description": "x" * 5001}, "description"), ({**NEW, "category": "spam"}, "category"),
    ({**NEW, "priority": "critical"}, "priority"), ({**NEW, "order_number": "12"}, "order_number"),
    ({**NEW, "contact_email": "nope"}, "contact_email"), ({**NEW, "assignee_id": 1}, "assignee_id"),
])
def test_ticket_input_is_validated(ctx, body, field):
    response = ctx.client.post("/tickets", json=body, headers=ctx.gateway())
    assert response.status_code == 422
    assert any(error["loc"][-1] == field for error in response.json()["detail"])


def test_customers_see_public_comments_only_and_cannot_write_notes(ctx, alice):
    with ctx.db() as s:
        ticket = make_ticket(s, alice)
        agent = make_staff(s, name="Sam")
    staff = ctx.staff(agent)
    assert ctx.client.post(f"/tickets/{ticket.number}/comments", json={"body": "We are on it."},
                           headers=staff).status_code == 201
    note = ctx.client.post(f"/tickets/{ticket.number}/comments", json={"body": "Customer is rude.", "public": False},
                           headers=staff)
    assert note.status_code == 201 and note.json()["public"] is False
    customer = ctx.actions(ctx.customer_token(alice))
    reply = ctx.client.post(f"/tickets/{ticket.number}/comments", json={"body": "Thanks!"}, headers=customer)
    assert reply.status_code == 201 and reply.json()["author_type"] == "customer"
    refused = ctx.client.post(f"/tickets/{ticket.number}/comments", json={"body": "x", "public": False},
                              headers=customer)
    assert refused.status_code == 422
    seen = ctx.client.get(f"/tickets/{ticket.number}", headers=customer).json()
    assert [c["body"] for c in seen["comments"]] == ["We are on it.", "Thanks!"]
    assert seen["comments"][0]["author_name"] == "Sam"
    assert "Customer is rude." not in str(seen)
    everything = ctx.client.get(f"/tickets/{ticket.number}", headers=staff).json()
    assert [c["body"] for c in everything["comments"]] == ["We are on it.", "Customer is rude.", "Thanks!"]


def test_ticket_status_table(ctx, alice):
    with ctx.db() as s:
        ticket = make_ticket(s, alice)
        agent = make_staff(s)
    staff = ctx.staff(agent)

    def move(status):
        return ctx.client.patch(f"/tickets/{ticket.number}", json={"status": status}, headers=staff)

    assert move("pending").status_code == 200
    closed_early = move("closed")
    assert closed_early.status_code == 409 and closed_early.json()["detail"]["code"] == "invalid_transition"
    solved = move("solved")
    assert solved.status_code == 200 and solved.json()["solved_at"]
    # A customer reply reopens a solved ticket.
    ctx.client.post(f"/tickets/{ticket.number}/comments", json={"body": "Still broken"},
                    headers=ctx.actions(ctx.customer_token(alice)))
    assert ctx.client.get(f"/tickets/{ticket.number}", headers=staff).json()["status"] == "open"
    assert move("solved").status_code == 200 and move("closed").status_code == 200
    assert move("open").status_code == 409
    late = ctx.client.post(f"/tickets/{ticket.number}/comments", json={"body": "hello?"},
                           headers=ctx.actions(ctx.customer_token(alice)))
    assert late.status_code == 409 and late.json()["detail"]["code"] == "ticket_closed"


def test_staff_assign_reprioritise_and_audit(ctx, alice):
    with ctx.db() as s:
        ticket = make_ticket(s, alice)
        agent = make_staff(s, name="Sam")
    response = ctx.client.patch(f"/tickets/{ticket.number}", headers=ctx.staff(agent), json={
        "assignee_id": agent.id, "priority": "urgent", "expected_version": 1})
    assert response.status_code == 200
    body = response.json()
    assert body["assignee"] == {"id": agent.id, "name": "Sam"} and body["priority"] == "urgent"
    assert datetime.fromisoformat(body["sla_due_at"]) - datetime.fromisoformat(body["created_at"]) == \
        timedelta(hours=4)
    stale = ctx.client.patch(f"/tickets/{ticket.number}", json={"priority": "low", "expected_version": 1},
                             headers=ctx.staff(agent))
    assert stale.status_code == 409 and stale.json()["detail"]["code"] == "version_conflict"
    unassign = ctx.client.patch(f"/tickets/{ticket.number}", json={"assignee_id": None}, headers=ctx.staff(agent))
    assert unassign.json()["assignee"] is None
    nobody = ctx.client.patch(f"/tickets/{ticket.number}", json={"assignee_id": 999999}, headers=ctx.staff(agent))
    assert nobody.status_code == 404 and nobody.json()["detail"]["code"] == "staff_not_found"
    with ctx.db() as s:
        from crm_backend.models import AuditEntry
        entries = s.query(AuditEntry).filter_by(entity_type="ticket", action="ticket.updated").order_by(
            AuditEntry.id).all()
        assert len(entries) == 2
        assert entries[0].actor == f"staff:{agent.id}" and entries[0].diff["priority"] == {
            "from": "normal", "to": "urgent"}


def test_staff_ticket_list_filters(ctx, alice):
    with ctx.db() as s:
        order = make_order(s, alice)
        make_ticket(s, alice, category="billing")
        make_ticket(s, alice, category="delivery", order=order, subject="Where is it")
        make_ticket(s, None, category="delivery")
        agent = make_staff(s)
    staff = ctx.staff(agent)
    assert ctx.client.get("/tickets", params={"category": "delivery"}, headers=staff).json()["total"] == 2
    assert ctx.client.get("/tickets", params={"customer_id": alice.id}, headers=staff).json()["total"] == 2
    by_order = ctx.client.get("/tickets", params={"order_number": order.number}, headers=staff).json()
    assert [t["subject"] for t in by_order["items"]] == ["Where is it"]
    assert ctx.client.get("/tickets", params={"q": "where"}, headers=staff).json()["total"] == 1
    assert ctx.client.get("/tickets", params={"status": "nonsense"}, headers=staff).status_code == 422


def test_unknown_ticket_is_404(ctx):
    with ctx.db() as s:
        agent = make_staff(s)
    response = ctx.client.get("/tickets/T99999", headers=ctx.staff(agent))
    assert response.status_code == 404 and response.json()["detail"]["code"] == "ticket_not_found"
    assert ctx.client.get("/tickets/X12345", headers=ctx.staff(agent)).status_code == 422


def test_an_expired_idempotency_key_is_a_new_request(ctx, alice):
    headers = ctx.actions(ctx.customer_token(alice), key="key-1")
    first = ctx.client.post("/tickets", json=NEW, headers=headers).json()
    with ctx.db() as s:
        from crm_backend.models import IdempotencyRecord
        record = s.query(IdempotencyRecord).one()
        record.created_at -= timedelta(hours=ctx.settings.idempotency_ttl_hours + 1)
        s.commit()
    later = ctx.client.post("/tickets", json=NEW, headers=headers).json()
    assert later["number"] != first["number"]
    replay = ctx.client.post("/tickets", json=NEW, headers=headers).json()
    assert replay["number"] == later["number"]
