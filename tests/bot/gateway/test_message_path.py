"""The customer's message path through a real gateway and a real CRM (Rasa is the recording
stand-in): stored before acknowledged, routed to the bot, replies stored then emitted."""

from tests.bot.gateway.conftest import wait_for
from tests.support.stack import http_json

API = "/api/v1"


def crm_messages(gw, session_id, notes=False):
    status, body = http_json("GET", gw.url("crm") + f"{API}/conversations/{session_id}/messages?include_notes="
                             + ("true" if notes else "false"),
                             headers={"Authorization": f"Bearer {gw.env['CRM_GATEWAY_TOKEN']}"})
    assert status == 200, body
    return body


def crm_conversation(gw, session_id):
    status, body = http_json("GET", gw.url("crm") + f"{API}/conversations/{session_id}",
                             headers={"Authorization": f"Bearer {gw.env['CRM_GATEWAY_TOKEN']}"})
    assert status == 200, body
    return body


def test_rest_webhook_stores_both_sides_and_sends_language_to_rasa(gw):
    status, replies = http_json("POST", gw.url("gateway") + "/webhooks/rest/webhook",
                                {"sender": "shopper-1", "message": "hola, ¿dónde está mi pedido?",
                                 "metadata": {"language": "es"}})
    assert status == 200
    assert replies == [{"recipient_id": "shopper-1", "text": "echo[es]: hola, ¿dónde está mi pedido?"}]
    sent = [m for m in gw.rasa.messages if m["sender"] == "rest:shopper-1"][-1]
    assert sent["metadata"]["language"] == "es" and sent["metadata"]["message_id"]
    stored = crm_messages(gw, "rest:shopper-1")
    assert [(m["sender_type"], m["text"]) for m in stored] == [
        ("customer", "hola, ¿dónde está mi pedido?"), ("bot", "echo[es]: hola, ¿dónde está mi pedido?")]
    assert [m["seq"] for m in stored] == sorted(m["seq"] for m in stored)
    assert crm_conversation(gw, "rest:shopper-1")["language"] == "es"


def test_rest_webhook_retry_with_same_message_id_is_stored_once(gw):
    body = {"sender": "shopper-2", "message": "hello there", "metadata": {"message_id": "m-1"}}
    http_json("POST", gw.url("gateway") + "/webhooks/rest/webhook", body)
    http_json("POST", gw.url("gateway") + "/webhooks/rest/webhook", body)
    customer_turns = [m for m in crm_messages(gw, "rest:shopper-2") if m["sender_type"] == "customer"]
    assert len(customer_turns) == 1
    assert gw.rasa.texts_for("rest:shopper-2") == ["hello there"]  # the retry did not run a second bot turn


def test_bot_buttons_come_back_as_rest_buttons(gw):
    status, replies = http_json("POST", gw.url("gateway") + "/webhooks/rest/webhook",
                                {"sender": "shopper-3", "message": "buttons"})
    assert status == 200
    assert replies[0]["buttons"] == [{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]


def test_silent_bot_is_answered_with_the_unavailable_line(gw):
    status, replies = http_json("POST", gw.url("gateway") + "/webhooks/rest/webhook",
                                {"sender": "shopper-4", "message": "silence", "metadata": {"language": "es"}})
    assert status == 200
    assert replies[0]["text"].startswith("Lo siento")  # utter_gateway_unavailable in Spanish


def test_socket_session_ids_are_issued_by_the_gateway(gw, customer_factory):
    first = customer_factory(gw.url("gateway"))
    assert first.session_id.startswith("web-")
    again = customer_factory(gw.url("gateway"), first.session_id)
    assert again.session_id == first.session_id  # reload: the stored id is honoured
    chosen = customer_factory(gw.url("gateway"), "someone-elses-session")
    assert chosen.session_id != "someone-elses-session" and chosen.session_id.startswith("web-")
    forged = customer_factory(gw.url("gateway"), first.session_id[:-1] + ("0" if first.session_id[-1] != "0" else "1"))
    assert forged.session_id != first.session_id


def test_socket_message_is_acknowledged_after_storage_then_answered(gw, customer_factory):
    customer = customer_factory(gw.url("gateway"))
    ack = customer.say("hello", message_id="abc123", language="en")
    assert ack["stored"] is True and ack["seq"] >= 1 and ack["message_id"] == "w-abc123"
    reply = customer.wait_text("echo[en]: hello")
    assert reply["sender_type"] == "bot" and reply["seq"] > ack["seq"]
    assert True in customer.typing and customer.typing[-1] is False
    stored = crm_messages(gw, customer.session_id)
    assert [m["client_message_id"] for m in stored] == ["w-abc123", reply["message_id"]]


def test_socket_refuses_to_write_into_another_session(gw, customer_factory):
    victim = customer_factory(gw.url("gateway"))
    victim.say("my secret order")
    intruder = customer_factory(gw.url("gateway"))
    answer = intruder.client.call("user_uttered", {"message": "hijack", "session_id": victim.session_id}, timeout=10)
    assert answer["error"]["code"] == "no_session"
    assert all(m["text"] != "hijack" for m in crm_messages(gw, victim.session_id))


def test_html_is_stored_and_relayed_as_plain_text(gw, customer_factory):
    customer = customer_factory(gw.url("gateway"))
    markup = '<img src=x onerror="alert(1)"><b>bold</b>'
    customer.say(markup, language="en")
    reply = customer.wait_text("onerror")
    assert reply["text"] == f"echo[en]: {markup}"  # untouched text; the widget renders it with textContent
    assert crm_messages(gw, customer.session_id)[0]["text"] == markup


def test_invalid_socket_messages_get_a_clear_error(gw, customer_factory):
    customer = customer_factory(gw.url("gateway"))
    assert customer.client.call("user_uttered", {"message": "", "session_id": customer.session_id},
                                timeout=10)["error"]["code"] == "invalid_message"
    assert customer.client.call("user_uttered", {"message": "x" * 5001, "session_id": customer.session_id},
                                timeout=10)["error"]["code"] == "invalid_message"


def test_sync_returns_what_was_missed_in_order(gw, customer_factory):
    customer = customer_factory(gw.url("gateway"))
    first = customer.say("one")
    customer.wait_text("echo[en]: one")
    customer.say("two")
    customer.wait_text("echo[en]: two")
    missed = customer.client.call("sync", {"session_id": customer.session_id, "after_seq": first["seq"]}, timeout=10)
    assert [m["text"] for m in missed["messages"]] == ["echo[en]: one", "two", "echo[en]: two"]
    wait_for(lambda: len(gw.rasa.texts_for(customer.session_id)) == 2, what="two turns")


def test_plain_rasa_clients_get_rasas_exact_message_shape(gw, customer_factory):
    customer = customer_factory(gw.url("gateway"), enriched=False)  # e.g. rasa-webchat
    customer.say("buttons")
    reply = customer.wait_text("Pick one")
    assert reply == {"text": "Pick one", "quick_replies": [
        {"content_type": "text", "title": "Yes", "payload": "/affirm"},
        {"content_type": "text", "title": "No", "payload": "/deny"}]}
    assert customer.typing == []
