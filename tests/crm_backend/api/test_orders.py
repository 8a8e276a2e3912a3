"""Order reads and the order rules the backend enforces."""

import uuid

import pytest

from tests.crm_backend.factories import make_customer, make_order, make_staff


@pytest.fixture
def alice(ctx):
    with ctx.db() as s:
        return make_customer(s, email="alice@example.com", first_name="Alice")


def order_of(ctx, customer, **kwargs):
    with ctx.db() as s:
        return make_order(s, customer, **kwargs)


def test_verified_customer_reads_own_order_with_every_documented_field(ctx, alice):
    order = order_of(ctx, alice, status="shipped")
    token = ctx.verify(order.number, "alice@example.com")
    response = ctx.client.get(f"/orders/{order.number}", headers=ctx.actions(token))
    assert response.status_code == 200
    body = response.json()
    assert body["number"] == order.number and body["status"] == "shipped"
    assert body["items"] == [{"sku": "SKU-1001", "name": "Linen shirt", "quantity": 1,
                              "unit_price": {"amount": "49.90", "currency": "EUR"}}]
    assert body["total"] == {"amount": "49.90", "currency": "EUR"}
    assert body["shipping_address"]["city"] == "Berlin" and body["shipping_address"]["country"] == "DE"
    assert body["carrier"] == "DHL" and body["tracking_number"] == f"JJD{order.number}"
    assert body["tracking_url"].endswith(f"JJD{order.number}")
    assert [h["status"] for h in body["status_history"]] == ["placed", "processing", "packed", "shipped"]
    assert body["allowed"] == {"cancel": False, "change_address": False, "return": False}
    assert body["version"] == 1


def test_order_reads_need_a_customer_token_for_services(ctx, alice):
    order = order_of(ctx, alice)
    response = ctx.client.get(f"/orders/{order.number}", headers=ctx.actions())
    assert response.status_code == 401
    assert response.json()["detail"]["code"] == "customer_token_required"


def test_customer_cannot_read_or_change_another_customers_order(ctx, alice):
    with ctx.db() as s:
        bob = make_customer(s, email="bob@example.com")
    bobs = order_of(ctx, bob)
    token = ctx.verify(order_of(ctx, alice).number, "alice@example.com")
    for method, path, body in [("GET", f"/orders/{bobs.number}", None),
                               ("POST", f"/orders/{bobs.number}/cancel", {"reason": "mine now"}),
                               ("PUT", f"/orders/{bobs.number}/shipping-address",
                                {"line1": "x", "city": "y", "postal_code": "12345", "country": "DE"})]:
        response = ctx.client.request(method, path, json=body, headers=ctx.actions(token))
        assert response.status_code == 404, (method, path)
        assert response.json()["detail"]["code"] == "order_not_found"
    with ctx.db() as s:
        from crm_backend.models import Order
        assert s.get(Order, bobs.id).status == "placed"


def test_unknown_order_is_404_and_malformed_number_is_422(ctx):
    with ctx.db() as s:
        agent = make_staff(s)
    assert ctx.client.get("/orders/199999", headers=ctx.staff(agent)).status_code == 404
    response = ctx.client.get("/orders/12ab", headers=ctx.staff(agent))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "number"]


@pytest.mark.parametrize("status", ["placed", "processing", "packed"])
def test_cancel_before_shipment(ctx, alice, status):
    order = order_of(ctx, alice, status=status)
    token = ctx.customer_token(alice)
    response = ctx.client.post(f"/orders/{order.number}/cancel", json={"reason": "changed my mind"},
                               headers=ctx.actions(token))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "cancelled" and body["version"] == 2
    last = body["status_history"][-1]
    assert last["status"] == "cancelled" and last["by"] == "customer" and last["note"] == "changed my mind"


@pytest.mark.parametrize("status", ["shipped", "out_for_delivery", "delivered", "cancelled"])
def test_cancel_refused_after_shipment(ctx, alice, status):
    order = order_of(ctx, alice, status=status)
    response = ctx.client.post(f"/orders/{order.number}/cancel", json={"reason": "too late"},
                               headers=ctx.actions(ctx.customer_token(alice)))
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail["code"] == "order_not_cancellable" and detail["status"] == status
    with ctx.db() as s:
        from crm_backend.models import Order
        fresh = s.get(Order, order.id)
        assert fresh.status == status and fresh.version == 1


@pytest.mark.parametrize("status, allowed", [("placed", True), ("processing", True), ("packed", False),
                                             ("shipped", False)])
def test_address_change_only_before_packing(ctx, alice, status, allowed):
    order = order_of(ctx, alice, status=status)
    address = {"line1": "Neue Straße 1", "line2": "2. OG", "city": "München", "postal_code": "80331",
               "country": "de"}
    response = ctx.client.put(f"/orders/{order.number}/shipping-address", json=address,
                              headers=ctx.actions(ctx.customer_token(alice)))
    if allowed:
        assert response.status_code == 200, response.text
        assert response.json()["shipping_address"] == {"name": order.ship_name, "line1": "Neue Straße 1",
                                                       "line2": "2. OG", "city": "München",
                                                       "postal_code": "80331", "country": "DE"}
    else:
        assert response.status_code == 409
        assert response.json()["detail"] == {
            "code": "address_not_changeable", "status": status,
            "message": f"Order {order.number} is {status}; its address can no longer be changed."}


@pytest.mark.parametrize("field, value", [("country", "XX"), ("postal_code", "!!"), ("line1", ""),
                                          ("line1", "x" * 201), ("city", None)])
def test_address_validation_names_the_field(ctx, alice, field, value):
    order = order_of(ctx, alice)
    address = {"line1": "a", "city": "b", "postal_code": "12345", "country": "DE", field: value}
    response = ctx.client.put(f"/orders/{order.number}/shipping-address", json=address,
                              headers=ctx.actions(ctx.customer_token(alice)))
    assert response.status_code == 422
    assert any(error["loc"][-1] == field for error in response.json()["detail"])


def test_unknown_fields_are_rejected(ctx, alice):
    order = order_of(ctx, alice)
    response = ctx.client.post(f"/orders/{order.number}/cancel", json={"reason": "x", "status": "refunded"},
                               headers=ctx.actions(ctx.customer_token(alice)))
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "status"]


def test_return_within_window_opens_a_ticket(ctx, alice):
    order = order_of(ctx, alice, status="delivered", delivered_days_ago=29)
    token = ctx.customer_token(alice)
    assert ctx.client.get(f"/orders/{order.number}", headers=ctx.actions(token)).json()["allowed"]["return"]
    response = ctx.client.post(f"/orders/{order.number}/returns", headers=ctx.actions(token),
                               json={"reason": "too small", "category": "return", "description": "size M"})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["return_request"]["status"] == "requested" and body["return_request"]["order_number"] == order.number
    ticket = body["ticket"]
    assert ticket["number"].startswith("T") and ticket["order_number"] == order.number
    assert ticket["category"] == "return" and ticket["status"] == "open"
    order_now = ctx.client.get(f"/orders/{order.number}", headers=ctx.actions(token)).json()
    assert order_now["status"] == "return_requested"
    assert order_now["status_history"][-1]["status"] == "return_requested"
    mine = ctx.client.get("/me/tickets", headers=ctx.actions(token)).json()
    assert [t["number"] for t in mine["items"]] == [ticket["number"]]


def test_return_after_window_is_refused(ctx, alice):
    order = order_of(ctx, alice, status="delivered", delivered_days_ago=31)
    response = ctx.client.post(f"/orders/{order.number}/returns", json={"reason": "late", "category": "return"},
                               headers=ctx.actions(ctx.customer_token(alice)))
    assert response.status_code == 409
    detail = response.json()["detail"]
    assert detail["code"] == "return_window_closed" and detail["return_deadline"]
    with ctx.db() as s:
        from crm_backend.models import Order, Ticket
        assert s.get(Order, order.id).status == "delivered"
        assert s.query(Ticket).count() == 0  # nothing half-applied


def test_return_before_delivery_is_an_invalid_transition(ctx, alice):
    order = order_of(ctx, alice, status="shipped")
    response = ctx.client.post(f"/orders/{order.number}/returns", json={"reason": "x", "category": "refund"},
                               headers=ctx.actions(ctx.customer_token(alice)))
    assert response.status_code == 409
    assert response.json()["detail"]["code"] == "invalid_transition"


def test_stale_expected_version_is_a_409_naming_both_versions(ctx, alice):
    order = order_of(ctx, alice)
    token = ctx.customer_token(alice)
    address = {"line1": "a", "city": "b", "postal_code": "12345", "country": "DE"}
    first = ctx.client.put(f"/orders/{order.number}/shipping-address", json={**address, "expected_version": 1},
                           headers=ctx.actions(token))
    assert first.status_code == 200 and first.json()["version"] == 2
    second = ctx.client.put(f"/orders/{order.number}/shipping-address",
                            json={**address, "city": "c", "expected_version": 1}, headers=ctx.actions(token))
    assert second.status_code == 409
    assert second.json()["detail"] | {} == {**second.json()["detail"], "code": "version_conflict",
                                           "expected_version": 1, "current_version": 2}


def test_idempotent_cancel_retry_returns_first_result_and_cancels_once(ctx, alice):
    order = order_of(ctx, alice)
    key = str(uuid.uuid4())
    headers = ctx.actions(ctx.customer_token(alice), key=key)
    first = ctx.client.post(f"/orders/{order.number}/cancel", json={"reason": "oops"}, headers=headers)
    retry = ctx.client.post(f"/orders/{order.number}/cancel", json={"reason": "oops"}, headers=headers)
    assert first.status_code == retry.status_code == 200
    assert retry.json() == first.json()
    other_body = ctx.client.post(f"/orders/{order.number}/cancel", json={"reason": "other"}, headers=headers)
    assert other_body.status_code == 422
    assert other_body.json()["detail"]["code"] == "idempotency_key_reused"
    with ctx.db() as s:
        from crm_backend.models import AuditEntry, OrderStatusChange
        assert s.query(OrderStatusChange).filter_by(order_id=order.id, to_status="cancelled").count() == 1
        assert s.query(AuditEntry).filter_by(action="order.cancelled").count() == 1


def test_every_change_is_audited_with_before_and_after(ctx, alice):
    order = order_of(ctx, alice)
    ctx.client.put(f"/orders/{order.number}/shipping-address", headers=ctx.actions(ctx.customer_token(alice)),
                   json={"line1": "9 New Road", "city": "Leeds", "postal_code": "LS1 4AP", "country": "GB"})
    with ctx.db() as s:
        from crm_backend.models import AuditEntry
        entry = s.query(AuditEntry).filter_by(action="order.address_changed").one()
    assert entry.actor == "service:actions" and entry.on_behalf_of == f"customer:{alice.id}"
    assert entry.entity_type == "order" and entry.entity_id == order.number
    assert entry.before["shipping_address"]["city"] == "Berlin"
    assert entry.after["shipping_address"]["city"] == "Leeds"
    assert entry.diff["version"] == {"from": 1, "to": 2}


def test_staff_move_orders_through_the_transition_table(ctx, alice):
    order = order_of(ctx, alice, status="packed")
    with ctx.db() as s:
        agent = make_staff(s)
    headers = ctx.staff(agent)
    no_tracking = ctx.client.post(f"/orders/{order.number}/status", json={"status": "shipped"}, headers=headers)
    assert no_tracking.status_code == 422 and no_tracking.json()["detail"]["code"] == "tracking_required"
    shipped = ctx.client.post(f"/orders/{order.number}/status", headers=headers,
                              json={"status": "shipped", "carrier": "dhl", "tracking_number": "JJD000123"})
    assert shipped.status_code == 200 and shipped.json()["carrier"] == "DHL"
    back = ctx.client.post(f"/orders/{order.number}/status", json={"status": "placed"}, headers=headers)
    assert back.status_code == 409
    assert back.json()["detail"] | {} == {**back.json()["detail"], "code": "invalid_transition",
                                         "status": "shipped", "requested": "placed"}
    delivered = ctx.client.post(f"/orders/{order.number}/status", json={"status": "delivered"}, headers=headers)
    assert delivered.json()["delivered_at"] and delivered.json()["allowed"]["return"] is True
    assert [h["by"] for h in delivered.json()["status_history"]][-2:] == ["staff", "staff"]


def test_staff_list_orders_with_filters_and_pagination(ctx, alice):
    for status in ["placed", "placed", "shipped"]:
        order_of(ctx, alice, status=status)
    with ctx.db() as s:
        agent = make_staff(s)
    page = ctx.client.get("/orders", params={"status": "placed", "limit": 1}, headers=ctx.staff(agent)).json()
    assert page["total"] == 2 and len(page["items"]) == 1 and page["limit"] == 1
    assert ctx.client.get("/orders", params={"limit": 101}, headers=ctx.staff(agent)).status_code == 422
    assert ctx.client.get("/orders", headers=ctx.actions()).status_code == 403
