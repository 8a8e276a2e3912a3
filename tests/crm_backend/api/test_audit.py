"""The audit log: the admin workbench records training-data edits; admins read it; an
entry commits with its change or not at all."""

import pytest

from tests.crm_backend.factories import make_customer, make_order, make_staff


def test_admin_records_a_training_data_edit(ctx):
    with ctx.db() as s:
        admin = make_staff(s, role="admin", name="Ada")
    body = {"action": "training_data.example_added", "entity_type": "nlu_example", "entity_id": "es/orders.yml#12",
            "before": None, "after": {"intent": "track_order", "text": "¿dónde está mi pedido?"}}
    response = ctx.client.post("/audit", json=body, headers=ctx.staff(admin))
    assert response.status_code == 201
    entry = response.json()
    assert entry["actor"] == f"staff:{admin.id}" and entry["actor_name"] == "Ada"
    assert entry["after"]["intent"] == "track_order"
    listed = ctx.client.get("/audit", params={"entity_type": "nlu_example"}, headers=ctx.staff(admin)).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == entry["id"]
    by_actor = ctx.client.get("/audit", params={"actor": f"staff:{admin.id}"}, headers=ctx.staff(admin)).json()
    assert by_actor["total"] >= 1


@pytest.mark.parametrize("body, field", [
    ({"action": "Bad Action", "entity_type": "x1", "entity_id": "1"}, "action"),
    ({"action": "a.b", "entity_type": "", "entity_id": "1"}, "entity_type"),
    ({"action": "a.b", "entity_type": "x1", "entity_id": "1", "after": {"blob": "x" * 70000}}, "after"),
])
def test_audit_input_is_validated(ctx, body, field):
    with ctx.db() as s:
        admin = make_staff(s, role="admin")
    response = ctx.client.post("/audit", json=body, headers=ctx.staff(admin))
    assert response.status_code == 422
    assert any(error["loc"][1] == field for error in response.json()["detail"])


def test_services_cannot_write_the_audit_log(ctx):
    body = {"action": "a.b", "entity_type": "x1", "entity_id": "1"}
    assert ctx.client.post("/audit", json=body, headers=ctx.gateway()).status_code == 403


def test_a_refused_change_leaves_no_audit_entry(ctx):
    with ctx.db() as s:
        customer = make_customer(s)
        order = make_order(s, customer, status="shipped")
    response = ctx.client.post(f"/orders/{order.number}/cancel", json={"reason": "x"},
                               headers=ctx.actions(ctx.customer_token(customer)))
    assert response.status_code == 409
    with ctx.db() as s:
        from crm_backend.models import AuditEntry
        assert s.query(AuditEntry).filter(AuditEntry.entity_type == "order").count() == 0
