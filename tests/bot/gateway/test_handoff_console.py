"""Escalation and the agent console against a real CRM: presence, queue, exclusive take,
translation both ways, internal notes, transfer, hand back to the bot, resolve and rating."""

import time
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest

from bot.handoff import SupportHours, summarise
from tests.bot.gateway.conftest import wait_for
from tests.bot.gateway.test_message_path import crm_conversation, crm_messages
from tests.support.stack import http_json


def api(gw, token):
    return httpx.Client(base_url=gw.url("gateway"), headers={"Authorization": f"Bearer {token}"}, timeout=30)


def handoff(gw, sender_id, **extra):
    return httpx.post(gw.url("gateway") + "/internal/handoff",
                      json={"sender_id": sender_id, "reason": "customer_request", **extra},
                      headers={"Authorization": f"Bearer {gw.env['GATEWAY_SERVICE_TOKEN']}"}, timeout=30)


def test_handoff_needs_the_service_token_and_valid_input(gw):
    unsigned = httpx.post(gw.url("gateway") + "/internal/handoff", json={"sender_id": "x", "reason": "r"})
    assert unsigned.status_code == 401
    answer = handoff(gw, "x", priority="whenever")
    assert answer.status_code == 422 and any("priority" in e["loc"] for e in answer.json()["detail"])


def test_no_agents_signed_in_means_no_agents(gw, customer_factory):
    customer = customer_factory(gw.url("gateway"))
    customer.say("/request_human")
    customer.wait_text("handoff: no_agents")
    assert crm_conversation(gw, customer.session_id)["state"] == "bot"


def test_unknown_conversation_is_a_404(gw, console_factory):
    console_factory(gw.url("gateway"), gw.login())
    assert handoff(gw, "web-nobody").status_code == 404


def test_full_handoff_story(gw, customer_factory, console_factory):
    sam, marta = gw.login("agent@example.com"), gw.login("agent.es@example.com")
    console = console_factory(gw.url("gateway"), sam)
    customer = customer_factory(gw.url("gateway"))
    customer.say("hola, tengo un problema con mi pedido", language="es")
    customer.wait_text("echo[es]")
    customer.say("/request_human", language="es")
    customer.wait_text("handoff: queued")
    conv = crm_conversation(gw, customer.session_id)
    assert conv["state"] == "queued" and "Customer: hola, tengo un problema con mi pedido" in conv["summary"]
    wait_for(lambda: any(e["type"] == "queue_changed" and e["session_id"] == customer.session_id
                         for e in console.events), what="queue event")
    with api(gw, sam) as agent:
        queue = agent.get("/console/api/queue").json()
        assert customer.session_id in [q["session_id"] for q in queue]

        # While queued the bot is not asked; the agent's console gets it, in English with the original.
        turns_before = len(gw.rasa.texts_for(customer.session_id))
        customer.say("necesito ayuda con la devolución", language="es")
        shown = console.wait_message("necesito ayuda")
        assert shown["text"] == "necesito ayuda con la devolución"
        assert shown["display_language"] == "en" and "help" in shown["display_text"].lower()
        assert len(gw.rasa.texts_for(customer.session_id)) == turns_before

        # Exclusive take: Sam first, Marta is told who has it.
        assert agent.post(f"/console/api/conversations/{customer.session_id}/take").status_code == 200
        with api(gw, marta) as other:
            refused = other.post(f"/console/api/conversations/{customer.session_id}/take")
            assert refused.status_code == 409
            assert refused.json()["detail"]["code"] == "already_taken" and "Sam" in str(refused.json()["detail"])
            # Only the assignee writes to the customer.
            assert other.post(f"/console/api/conversations/{customer.session_id}/messages",
                              json={"text": "hola"}).status_code == 403
        customer.wait_text("Sam Agent")  # utter_gateway_agent_joined, in Spanish
        assert "se ha unido" in customer.wait_text("Sam Agent")["text"]

        # The agent writes English, the customer reads Spanish; both texts are stored.
        sent = agent.post(f"/console/api/conversations/{customer.session_id}/messages",
                          json={"text": "Hello, I will check your order now."})
        assert sent.status_code == 201, sent.text
        received = wait_for(lambda: next((m for m in customer.received if m["sender_type"] == "agent"), None),
                            what="agent message at the customer")
        assert received["text"] != "Hello, I will check your order now." and "comprobar" in received["text"].lower()
        stored = [m for m in crm_messages(gw, customer.session_id) if m["sender_type"] == "agent"][0]
        assert stored["original_text"] == "Hello, I will check your order now." and stored["language"] == "es"

        # Internal notes never reach the customer.
        note = agent.post(f"/console/api/conversations/{customer.session_id}/messages",
                          json={"text": "customer sounds upset", "internal": True})
        assert note.status_code == 201
        console.wait_message("customer sounds upset")
        assert all("upset" not in m["text"] for m in customer.received)
        assert any(m["sender_type"] == "note" for m in crm_messages(gw, customer.session_id, notes=True))

        view = agent.get(f"/console/api/conversations/{customer.session_id}").json()
        assert view["agent_language"] == "en" and view["conversation"]["summary"]
        customer_lines = [m for m in view["messages"] if m["sender_type"] == "customer"]
        assert customer_lines[0]["text"].startswith("hola") and customer_lines[0]["display_language"] == "en"

        # Hand back: Rasa resumed, then the bot picks the thread up with /handed_back.
        assert agent.post(f"/console/api/conversations/{customer.session_id}/handback").status_code == 200
        customer.wait_text("asistente")  # utter_gateway_handed_back in Spanish
        wait_for(lambda: "/handed_back" in gw.rasa.texts_for(customer.session_id), what="/handed_back at Rasa")
        assert (customer.session_id, [{"event": "resume"}]) in gw.rasa.events
        assert crm_conversation(gw, customer.session_id)["state"] == "bot"
        customer.say("gracias", language="es")
        customer.wait_text("echo[es]: gracias")


def test_resolve_asks_for_a_rating_and_records_it(gw, customer_factory, console_factory):
    sam = gw.login()
    console_factory(gw.url("gateway"), sam)
    customer = customer_factory(gw.url("gateway"))
    customer.say("hello", language="en")
    assert handoff(gw, customer.session_id).json()["outcome"] == "queued"
    with api(gw, sam) as agent:
        assert agent.post(f"/console/api/conversations/{customer.session_id}/take").status_code == 200
        assert agent.post(f"/console/api/conversations/{customer.session_id}/resolve").status_code == 200
    request = customer.wait_text("rate")
    assert [q["payload"] for q in request["quick_replies"]] == ["1", "2", "3", "4", "5"]
    assert (customer.session_id, [{"event": "resume"}]) in gw.rasa.events  # Rasa listens again
    customer.say("4")
    wait_for(lambda: crm_conversation(gw, customer.session_id)["csat_score"] == 4, what="csat stored")
    assert "4" not in gw.rasa.texts_for(customer.session_id)
    # Writing again after the rating: closed -> bot, the bot answers.
    customer.say("one more question", language="en")
    customer.wait_text("echo[en]: one more question")
    assert crm_conversation(gw, customer.session_id)["state"] == "bot"


def test_transfer_moves_the_conversation(gw, customer_factory, console_factory):
    sam, marta = gw.login(), gw.login("agent.es@example.com")
    console_factory(gw.url("gateway"), sam)
    customer = customer_factory(gw.url("gateway"))
    customer.say("hello", language="en")
    handoff(gw, customer.session_id)
    with api(gw, sam) as agent, api(gw, marta) as other:
        agent.post(f"/console/api/conversations/{customer.session_id}/take")
        marta_id = other.get("/console/api/me").json()["id"]
        moved = agent.post(f"/console/api/conversations/{customer.session_id}/transfer", json={"to_staff_id": marta_id})
        assert moved.status_code == 200 and moved.json()["assignee"]["id"] == marta_id
        assert other.get("/console/api/me").json()["language"] == "es"
        # Sam no longer may write; Marta may.
        assert agent.post(f"/console/api/conversations/{customer.session_id}/messages",
                          json={"text": "hi"}).status_code == 403
        assert other.post(f"/console/api/conversations/{customer.session_id}/messages",
                          json={"text": "Hola, soy Marta"}).status_code == 201
    # Marta writes Spanish; the conversation is English.
    received = customer.wait_text("Marta")
    assert received["sender_type"] == "agent" and received["text"] != "Hola, soy Marta"


def test_console_requires_staff(gw):
    page = httpx.get(gw.url("gateway") + "/console", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")
    assert httpx.get(gw.url("gateway") + "/console/api/queue").status_code == 401
    assert httpx.get(gw.url("gateway") + "/console", cookies={"staff_session": gw.login()}).status_code == 200


@pytest.mark.parametrize("when, expected", [
    ("2026-11-23T09:00:00+01:00", True),   # Monday 09:00 Madrid
    ("2026-11-23T07:59:00+01:00", False),
    ("2026-11-23T18:00:00+01:00", False),
    ("2026-11-22T10:00:00+01:00", False),  # Sunday
    ("2026-11-28T11:00:00+01:00", True),   # Saturday, second range
])
def test_support_hours(when, expected):
    hours = SupportHours("Mon-Fri 08:00-18:00 Europe/Madrid; Sat 10:00-14:00 Europe/Madrid")
    assert hours.is_open(datetime.fromisoformat(when).astimezone(ZoneInfo("UTC"))) is expected
    assert SupportHours("").is_open()
    with pytest.raises(ValueError):
        SupportHours("weekdays 9 to 5")


def test_summary_is_short_and_keeps_the_last_customer_words():
    transcript = [{"sender_type": "customer", "text": f"message {i}", "translations": None} for i in range(10)]
    summary = summarise("customer_request", {"language": "es"}, transcript)
    assert "message 9" in summary and "message 6" not in summary and len(summary) <= 600


def test_simultaneous_takes_one_wins(gw, customer_factory, console_factory):
    from concurrent.futures import ThreadPoolExecutor

    tokens = [gw.login(), gw.login("agent.es@example.com"), gw.login("agent.de@example.com")]
    console_factory(gw.url("gateway"), tokens[0])
    customer = customer_factory(gw.url("gateway"))
    customer.say("hello", language="en")
    assert handoff(gw, customer.session_id).json()["outcome"] == "queued"

    def take(token):
        with api(gw, token) as agent:
            return agent.post(f"/console/api/conversations/{customer.session_id}/take")

    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(take, tokens))
    assert sorted(a.status_code for a in answers) == [200, 409, 409]
    winner = next(a for a in answers if a.status_code == 200).json()["assignee"]["name"]
    for refused in (a for a in answers if a.status_code == 409):
        assert refused.json()["detail"]["assignee"]["name"] == winner
    wait_for(lambda: [m for m in customer.received if m["sender_type"] == "system"], what="joined line")
    time.sleep(1)  # a second "joined" line would have arrived by now
    assert [m["text"] for m in customer.received if m["sender_type"] == "system"] == [
        f"{winner} from our support team has joined the conversation."]


def test_verified_customer_is_linked_and_shown_to_the_agent(gw, customer_factory, console_factory):
    status, verified = http_json("POST", gw.url("crm") + "/api/v1/verifications",
                                 {"order_number": "100203", "email": "lucia.garcia@example.com"},
                                 headers={"Authorization": f"Bearer {gw.env['CRM_ACTIONS_TOKEN']}"})
    assert status == 200, verified
    sam = gw.login()
    console_factory(gw.url("gateway"), sam)
    customer = customer_factory(gw.url("gateway"))
    customer.say("hola", language="es")
    gw.rasa.slots[customer.session_id] = {"customer_token": verified["customer_token"], "verified": True}
    assert handoff(gw, customer.session_id).json()["outcome"] == "queued"
    with api(gw, sam) as agent:
        view = agent.get(f"/console/api/conversations/{customer.session_id}").json()
    assert view["conversation"]["customer_id"] == verified["customer"]["id"]
    assert view["customer"]["first_name"] == "Lucía"
    assert "100203" in [o["number"] for o in view["customer"]["recent_orders"]]
    queue = api(gw, sam).get("/console/api/queue").json()
    entry = next(q for q in queue if q["session_id"] == customer.session_id)
    assert entry["customer"]["id"] == verified["customer"]["id"]
