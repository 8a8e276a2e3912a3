"""Nothing is lost when the CRM or the gateway goes away, and two gateway processes share
live events through Redis (127.0.0.1:6379)."""

import secrets

import httpx
import pytest

from tests.bot.gateway.conftest import make_stack, wait_for
from tests.bot.gateway.test_handoff_console import api, handoff
from tests.bot.gateway.test_message_path import crm_conversation, crm_messages
from tests.support.stack import http_json


@pytest.fixture
def redis_gw():
    """CRM + two gateway processes sharing Redis under a namespace of their own."""
    rasa, running = make_stack("gateway-redis", {"REDIS_URL": "redis://127.0.0.1:6379/0",
                                                 "REDIS_NAMESPACE": f"gwtest-{secrets.token_hex(4)}"})
    try:
        running.start("crm", "gateway")
        running.start_service("gateway2")
        running.wait_healthy("gateway2")
        yield running
    finally:
        running.stop()
        rasa.stop()


def rest(gw, sender, text):
    return http_json("POST", gw.url("gateway") + "/webhooks/rest/webhook",
                     {"sender": sender, "message": text, "metadata": {"language": "en"}})


def test_crm_outage_keeps_messages_in_the_outbox_and_replays_them_in_order(gw):
    assert rest(gw, "outage", "before the outage")[0] == 200
    gw.stop_service("crm")
    try:
        status, replies = rest(gw, "outage", "during the outage")
        assert status == 200 and replies[0]["text"] == "echo[en]: during the outage"  # the bot still answers
        assert rest(gw, "outage-new", "a brand new conversation")[0] == 200
    finally:
        gw.start("crm")
    expected = ["before the outage", "echo[en]: before the outage", "during the outage", "echo[en]: during the outage"]
    wait_for(lambda: [m["text"] for m in crm_messages(gw, "rest:outage")] == expected, 20, "replayed messages")
    wait_for(lambda: len(crm_messages(gw, "rest:outage-new")) == 2, 20, "new conversation replayed")


def test_gateway_restart_with_pending_outbox_loses_nothing(gw, customer_factory):
    customer = customer_factory(gw.url("gateway"))
    customer.say("first", language="en")
    customer.wait_text("echo[en]: first")
    last_seen = max(m["seq"] for m in customer.received)
    gw.stop_service("crm")
    try:
        ack = customer.say("while the CRM is down", language="en")
        assert ack["stored"] is True and ack["seq"] is None  # durably kept in the outbox, acknowledged
        customer.wait_text("echo[en]: while the CRM is down")
        gw.stop_service("gateway")  # the gateway goes down with the message still in its outbox
    finally:
        gw.start("crm")
    gw.start("gateway")
    wait_for(lambda: len(crm_messages(gw, customer.session_id)) == 4, 20, "outbox replayed after restart")
    # The customer comes back (same stored session id) and catches up without duplicates.
    back = customer_factory(gw.url("gateway"), customer.session_id)
    assert back.session_id == customer.session_id
    missed = back.client.call("sync", {"session_id": back.session_id, "after_seq": last_seen}, timeout=10)["messages"]
    assert [m["text"] for m in missed] == ["while the CRM is down", "echo[en]: while the CRM is down"]
    assert [m["message_id"] for m in missed][0] == ack["message_id"]  # the widget dedupes by this id


def test_two_gateways_share_live_events_through_redis(redis_gw, customer_factory, console_factory):
    sam = redis_gw.login()
    console = console_factory(redis_gw.url("gateway2"), sam)      # the agent is on gateway 2
    customer = customer_factory(redis_gw.url("gateway"))          # the customer on gateway 1
    customer.say("hello", language="en")
    customer.wait_text("echo[en]: hello")
    answer = handoff(redis_gw, customer.session_id)                # presence seen through Redis
    assert answer.json()["outcome"] == "queued", answer.text
    wait_for(lambda: any(e["type"] == "queue_changed" for e in console.events), what="queue event on gateway 2")
    customer.say("is anyone there?", language="en")
    console.wait_message("is anyone there?")
    with api(redis_gw, sam) as agent:
        agent.base_url = httpx.URL(redis_gw.url("gateway2"))
        assert agent.post(f"/console/api/conversations/{customer.session_id}/take").status_code == 200
        assert agent.post(f"/console/api/conversations/{customer.session_id}/messages",
                          json={"text": "Yes, Sam here."}).status_code == 201
    assert customer.wait_text("Yes, Sam here.")["sender_type"] == "agent"
    assert crm_conversation(redis_gw, customer.session_id)["state"] == "with_agent"
