"""Conversations: upsert, idempotent ordered messages, handoff with a transcript ticket,
the queue, exclusive take, transfer, hand back, resolve, CSAT."""

import pytest

from tests.crm_backend.factories import make_customer, make_staff


def put(ctx, sid, **body):
    return ctx.client.put(f"/conversations/{sid}", json={"language": "en", **body}, headers=ctx.gateway())


def say(ctx, sid, text, mid=None, sender="customer", headers=None, **extra):
    return ctx.client.post(f"/conversations/{sid}/messages", headers=headers or ctx.gateway(), json={
        "client_message_id": mid or f"m-{abs(hash((sid, text, sender)))}", "sender_type": sender, "text": text,
        "language": extra.pop("language", "en"), **extra})


def handoff(ctx, sid, **body):
    return ctx.client.post(f"/conversations/{sid}/handoff", headers=ctx.gateway(),
                           json={"reason": "customer asked for a human", "summary": "Wants a refund.", **body})


def test_upsert_creates_then_updates(ctx):
    with ctx.db() as s:
        customer = make_customer(s)
    created = put(ctx, "web-1", channel="web")
    assert created.status_code == 200
    assert created.json() | {} == {**created.json(), "session_id": "web-1", "state": "bot", "language": "en",
                                   "customer_id": None, "assignee": None, "ticket_number": None, "version": 1}
    updated = put(ctx, "web-1", language="es", customer_id=customer.id)
    assert updated.json()["language"] == "es" and updated.json()["customer_id"] == customer.id
    assert updated.json()["version"] == 2
    same = put(ctx, "web-1", language="es", customer_id=customer.id)
    assert same.json()["version"] == 2  # no change, no new version
    assert put(ctx, "web-2", customer_id=999999).status_code == 404
    assert put(ctx, "bad id!", language="en").status_code == 422
    assert put(ctx, "web-3", language="english").status_code == 422


def test_messages_are_ordered_and_idempotent(ctx):
    put(ctx, "web-1")
    first = say(ctx, "web-1", "hello", mid="c1")
    assert first.status_code == 201 and first.json()["seq"] == 1
    second = say(ctx, "web-1", "Hi! How can I help?", mid="b1", sender="bot")
    assert second.json()["seq"] == 2
    again = say(ctx, "web-1", "hello", mid="c1")
    assert again.status_code == 200 and again.json() == first.json()
    translated = say(ctx, "web-1", "where is my order", mid="c2", language="en", original_text="où est ma commande",
                     original_language="fr", translations={"fr": "où est ma commande"}, metadata={"intent": "x"})
    assert translated.json()["seq"] == 3 and translated.json()["original_language"] == "fr"
    listed = ctx.client.get("/conversations/web-1/messages", headers=ctx.gateway()).json()
    assert [m["seq"] for m in listed] == [1, 2, 3]
    after = ctx.client.get("/conversations/web-1/messages", params={"after_seq": 2}, headers=ctx.gateway()).json()
    assert [m["client_message_id"] for m in after] == ["c2"]
    assert ctx.client.get("/conversations/web-1", headers=ctx.gateway()).json()["last_seq"] == 3


def test_internal_notes_are_hidden_unless_asked(ctx):
    with ctx.db() as s:
        agent = make_staff(s)
    put(ctx, "web-1")
    say(ctx, "web-1", "hello", mid="c1")
    note = say(ctx, "web-1", "VIP, be nice", mid="n1", sender="note", headers=ctx.staff(agent))
    assert note.status_code == 201 and note.json()["sender_staff_id"] == agent.id
    plain = ctx.client.get("/conversations/web-1/messages", headers=ctx.gateway()).json()
    assert [m["sender_type"] for m in plain] == ["customer"]
    full = ctx.client.get("/conversations/web-1/messages", params={"include_notes": True},
                          headers=ctx.staff(agent)).json()
    assert [m["sender_type"] for m in full] == ["customer", "note"]


@pytest.mark.parametrize("body, code", [
    ({"sender_type": "agent"}, "sender_staff_required"),
    ({"sender_type": "customer", "sender_staff_id": 1}, "unexpected_sender_staff"),
])
def test_message_sender_rules(ctx, body, code):
    put(ctx, "web-1")
    response = ctx.client.post("/conversations/web-1/messages", headers=ctx.gateway(), json={
        "client_message_id": "x1", "text": "hi", "language": "en", **body})
    assert response.status_code == 422 and response.json()["detail"]["code"] == code


@pytest.mark.parametrize("field, value", [("text", ""), ("text", "x" * 5001), ("sender_type", "robot"),
                                          ("client_message_id", ""), ("language", "EN"),
                                          ("metadata", {"blob": "x" * 20000})])
def test_message_input_is_validated(ctx, field, value):
    put(ctx, "web-1")
    body = {"client_message_id": "x1", "sender_type": "customer", "text": "hi", "language": "en", field: value}
    response = ctx.client.post("/conversations/web-1/messages", json=body, headers=ctx.gateway())
    assert response.status_code == 422
    assert any(error["loc"][1] == field for error in response.json()["detail"])


def test_messages_to_unknown_conversation_are_404(ctx):
    response = say(ctx, "nope", "hi")
    assert response.status_code == 404 and response.json()["detail"]["code"] == "conversation_not_found"


def test_handoff_queues_and_files_a_ticket_with_transcript_and_summary(ctx):
    with ctx.db() as s:
        customer = make_customer(s)
        agent = make_staff(s)
    put(ctx, "web-1", customer_id=customer.id)
    say(ctx, "web-1", "quiero un reembolso", mid="c1", language="es")
    say(ctx, "web-1", "I can help with refunds.", mid="b1", sender="bot")
    response = handoff(ctx, "web-1")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "queued" and body["queue_position"] == 1 and body["ticket_number"] == "T10001"
    assert body["summary"] == "Wants a refund." and body["queued_at"]
    ticket = ctx.client.get("/tickets/T10001", headers=ctx.staff(agent)).json()
    assert ticket["customer_id"] == customer.id and ticket["conversation_session_id"] == "web-1"
    assert ticket["description"] == "Wants a refund."
    transcript = ticket["comments"][0]
    assert transcript["public"] is False
    assert "Customer (es): quiero un reembolso" in transcript["body"]
    assert "Bot (en): I can help with refunds." in transcript["body"]
    assert "Summary:\nWants a refund." in transcript["body"]
    # The customer never sees the internal transcript.
    seen = ctx.client.get("/tickets/T10001", headers=ctx.actions(ctx.customer_token(customer))).json()
    assert seen["comments"] == []
    # A repeated handoff (a retry) keeps the place and the ticket.
    again = handoff(ctx, "web-1").json()
    assert again["queue_position"] == 1 and again["ticket_number"] == "T10001" and again["version"] == body["version"]


def test_queue_is_ordered_by_priority_then_waiting_time(ctx):
    with ctx.db() as s:
        agent = make_staff(s)
        vip = make_customer(s, tier="gold")
    for sid in ("a", "b", "c", "d"):
        put(ctx, sid, customer_id=vip.id if sid == "c" else None)
    assert handoff(ctx, "a").json()["queue_position"] == 1
    assert handoff(ctx, "b").json()["queue_position"] == 2
    vip_position = handoff(ctx, "c").json()
    assert vip_position["priority"] == "high" and vip_position["queue_position"] == 1
    urgent = handoff(ctx, "d", priority="urgent").json()
    assert urgent["queue_position"] == 1
    queue = ctx.client.get("/queue", headers=ctx.staff(agent)).json()
    assert [(q["session_id"], q["position"]) for q in queue] == [("d", 1), ("c", 2), ("a", 3), ("b", 4)]
    assert queue[1]["customer"]["tier"] == "gold" and queue[0]["ticket_number"]
    assert all(q["waiting_s"] >= 0 for q in queue)


def test_take_is_exclusive_and_names_the_winner(ctx):
    with ctx.db() as s:
        sam = make_staff(s, name="Sam")
        kim = make_staff(s, name="Kim")
    put(ctx, "web-1")
    handoff(ctx, "web-1")
    taken = ctx.client.post("/conversations/web-1/take", headers=ctx.staff(sam))
    assert taken.status_code == 200
    assert taken.json()["state"] == "with_agent" and taken.json()["assignee"] == {"id": sam.id, "name": "Sam"}
    again = ctx.client.post("/conversations/web-1/take", headers=ctx.staff(sam))
    assert again.status_code == 200  # taking what you already have is not an error
    lost = ctx.client.post("/conversations/web-1/take", headers=ctx.staff(kim))
    assert lost.status_code == 409
    assert lost.json()["detail"]["code"] == "already_taken"
    assert lost.json()["detail"]["assignee"] == {"id": sam.id, "name": "Sam"}
    ticket = ctx.client.get(f"/tickets/{taken.json()['ticket_number']}", headers=ctx.staff(sam)).json()
    assert ticket["assignee"]["id"] == sam.id
    assert ctx.client.get("/queue", headers=ctx.staff(sam)).json() == []


def test_cannot_take_what_is_not_queued(ctx):
    with ctx.db() as s:
        sam = make_staff(s)
    put(ctx, "web-1")
    response = ctx.client.post("/conversations/web-1/take", headers=ctx.staff(sam))
    assert response.status_code == 409
    assert response.json()["detail"] | {} == {**response.json()["detail"], "code": "invalid_transition",
                                             "state": "bot"}


def test_transfer_handback_resolve_and_csat(ctx):
    with ctx.db() as s:
        sam = make_staff(s, name="Sam")
        kim = make_staff(s, name="Kim", languages=("es",))
        lee = make_staff(s, name="Lee")
    put(ctx, "web-1")
    handoff(ctx, "web-1")
    ctx.client.post("/conversations/web-1/take", headers=ctx.staff(sam))
    stranger = ctx.client.post("/conversations/web-1/transfer", json={"to_staff_id": lee.id},
                               headers=ctx.staff(lee))
    assert stranger.status_code == 403 and stranger.json()["detail"]["code"] == "not_assignee"
    moved = ctx.client.post("/conversations/web-1/transfer", json={"to_staff_id": kim.id, "note": "speaks es"},
                            headers=ctx.staff(sam))
    assert moved.status_code == 200 and moved.json()["assignee"]["name"] == "Kim"
    assert ctx.client.post("/conversations/web-1/transfer", json={"to_staff_id": 999999},
                           headers=ctx.staff(kim)).status_code == 404
    back = ctx.client.post("/conversations/web-1/handback", headers=ctx.staff(kim))
    assert back.status_code == 200 and back.json()["state"] == "bot" and back.json()["assignee"] is None
    assert ctx.client.post("/conversations/web-1/handback", headers=ctx.staff(kim)).status_code == 409
    handoff(ctx, "web-1")
    ctx.client.post("/conversations/web-1/take", headers=ctx.staff(sam))
    resolved = ctx.client.post("/conversations/web-1/resolve", headers=ctx.staff(sam))
    assert resolved.status_code == 200 and resolved.json()["state"] == "closed"
    ticket = ctx.client.get(f"/tickets/{resolved.json()['ticket_number']}", headers=ctx.staff(sam)).json()
    assert ticket["status"] == "solved"
    rated = ctx.client.post("/conversations/web-1/csat", json={"score": 5, "comment": "great"},
                            headers=ctx.gateway())
    assert rated.json()["csat_score"] == 5
    assert ctx.client.post("/conversations/web-1/csat", json={"score": 6}, headers=ctx.gateway()).status_code == 422
    # The customer writes again: closed -> bot.
    say(ctx, "web-1", "one more thing", mid="late-1")
    assert ctx.client.get("/conversations/web-1", headers=ctx.gateway()).json()["state"] == "bot"
    with ctx.db() as s:
        from crm_backend.models import AuditEntry
        actions = [e.action for e in s.query(AuditEntry).filter_by(entity_type="conversation",
                                                                   entity_id="web-1").order_by(AuditEntry.id)]
    for action in ("conversation.created", "conversation.handoff", "conversation.take", "conversation.transfer",
                   "conversation.handback", "conversation.resolve", "conversation.csat", "conversation.reopened"):
        assert action in actions


def test_conversation_list_for_staff(ctx):
    with ctx.db() as s:
        sam = make_staff(s)
    for sid in ("a", "b"):
        put(ctx, sid)
    handoff(ctx, "a")
    page = ctx.client.get("/conversations", params={"state": "queued"}, headers=ctx.staff(sam)).json()
    assert page["total"] == 1 and page["items"][0]["session_id"] == "a"
