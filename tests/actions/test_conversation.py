"""Handoff, leaving a message, knowledge questions, fallback, language and stop.

The gateway's internal API is a local HTTP stand-in of its contract (conftest.GatewayStandIn);
tickets go to the real CRM."""

from __future__ import annotations

from datetime import datetime, timezone

import httpx
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import (
    ActionAnswerQuestion,
    ActionChangeLanguage,
    ActionConfirmLanguage,
    ActionHandleFallback,
    ActionStop,
)
from actions.handoff import ActionHandoff, ActionLeaveMessage, ValidateLeaveMessageForm
from crm_backend.demo import scenarios
from tests.actions.conftest import make_tracker, responses, slot_events


async def test_queued_handoff_tells_the_place_and_pauses(gateway):
    gateway.handoff_answer = {"outcome": "queued", "queue_position": 3}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(intent="request_human", text="a human please", sender_id="conv-1")
    events = await ActionHandoff().run(dispatcher, tracker, {})
    assert dispatcher.messages[0]["response"] == "utter_handoff_queued"
    assert dispatcher.messages[0]["queue_position"] == 3
    assert events[-1]["event"] == "pause"
    path, body, auth = gateway.calls[-1]
    assert path == "/internal/handoff" and auth == f"Bearer {gateway.token}"
    assert body == {"sender_id": "conv-1", "reason": "customer_request"}


async def test_high_tier_complaint_goes_to_a_person_with_high_priority(gateway):
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, make_tracker({"high_tier": True}, intent="complain"), {})
    assert gateway.calls[-1][1]["reason"] == "complaint" and gateway.calls[-1][1]["priority"] == "high"


async def test_accepting_the_offer_after_frustration_is_a_frustration_handoff(gateway):
    earlier = [{"event": "user", "parse_data": {"intent": {"name": "express_frustration"}}},
               {"event": "bot", "metadata": {"utter_action": "utter_offer_human_frustrated"}}]
    await ActionHandoff().run(CollectingDispatcher(), make_tracker(intent="affirm", events=earlier), {})
    assert gateway.calls[-1][1]["reason"] == "frustration"


async def test_asking_for_a_person_after_a_crm_outage_says_why(gateway):
    earlier = [{"event": "user", "parse_data": {"intent": {"name": "check_order_status"}}},
               {"event": "bot", "metadata": {"utter_action": "utter_crm_unavailable_read"}},
               {"event": "bot", "metadata": {"utter_action": "utter_try_again_later"}}]
    await ActionHandoff().run(CollectingDispatcher(), make_tracker(intent="request_human", events=earlier), {})
    assert gateway.calls[-1][1]["reason"] == "crm_unavailable"


async def test_no_agents_says_when_to_expect_an_answer_and_does_not_pause(gateway):
    gateway.handoff_answer = {"outcome": "no_agents", "expected_reply": "2026-11-24T09:00:00Z"}
    dispatcher = CollectingDispatcher()
    events = await ActionHandoff().run(dispatcher, make_tracker(intent="request_human"), {})
    assert responses(dispatcher) == ["utter_handoff_no_agents", "utter_handoff_reply_by"]
    assert dispatcher.messages[1]["expected_reply"] == {"type": "datetime", "value": "2026-11-24T09:00:00Z"}
    assert not any(event["event"] == "pause" for event in events)


async def test_closed_with_a_wait_in_minutes_gives_a_reply_time(gateway):
    gateway.handoff_answer = {"outcome": "closed", "expected_reply": 90}
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, make_tracker(intent="request_human"), {})
    assert responses(dispatcher) == ["utter_handoff_offline", "utter_handoff_reply_by"]
    reply_by = dispatcher.messages[1]["expected_reply"]
    assert reply_by["type"] == "datetime"
    minutes = (datetime.fromisoformat(reply_by["value"]) - datetime.now(timezone.utc)).total_seconds() / 60
    assert 88 <= minutes <= 91


async def test_gateway_down_says_so(gateway):
    gateway.status = 503
    dispatcher = CollectingDispatcher()
    await ActionHandoff().run(dispatcher, make_tracker(intent="request_human"), {})
    assert responses(dispatcher) == ["utter_handoff_failed"]


async def test_leaving_a_message_creates_a_ticket_the_team_answers(domain, crm_stack):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(set_now={"leave_message_confirm": True}, active_loop="leave_message_form")
    events = slot_events(await ValidateLeaveMessageForm().run(dispatcher, tracker, domain))
    assert events["requested_slot"] == "contact_email"
    dispatcher = CollectingDispatcher()
    await ActionLeaveMessage().run(dispatcher, make_tracker({"leave_message_confirm": True,
                                                             "contact_email": "visitor@example.net",
                                                             "leave_message_text": "Please call me back"}), {})
    left = dispatcher.messages[0]
    assert left["response"] == "utter_message_left"
    # staff see it in the CRM with the visitor's address to answer
    async with httpx.AsyncClient(base_url=crm_stack.url("crm") + "/api/v1") as client:
        login = await client.post("/auth/login", json={"email": scenarios.ADMIN.email,
                                                       "password": crm_stack.env["DEMO_ADMIN_PASSWORD"]})
        staff = {"Authorization": "Bearer " + login.json()["access_token"]}
        ticket = (await client.get(f"/tickets/{left['ticket_number']}", headers=staff)).json()
    assert ticket["contact_email"] == "visitor@example.net" and ticket["description"] == "Please call me back"


async def test_declining_to_leave_a_message_ends_the_form(domain):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(set_now={"leave_message_confirm": False}, active_loop="leave_message_form")
    events = slot_events(await ValidateLeaveMessageForm().run(dispatcher, tracker, domain))
    assert events["requested_slot"] is None
    dispatcher = CollectingDispatcher()
    await ActionLeaveMessage().run(dispatcher, make_tracker({"leave_message_confirm": False}), {})
    assert responses(dispatcher) == ["utter_message_not_left"]


async def test_knowledge_answer_unknown_and_unavailable(gateway):
    gateway.knowledge_answer = {"matches": [{"id": "shipping_times", "score": 0.8, "title": "Shipping times"}],
                                "threshold": 0.43}
    dispatcher = CollectingDispatcher()
    await ActionAnswerQuestion().run(dispatcher, make_tracker({"language": "de"}, intent="ask_question",
                                                              text="wie lange dauert der versand"), {})
    answer = dispatcher.messages[0]
    assert answer["response"] == "utter_kb_answer" and answer["kb_id"] == "shipping_times"
    assert gateway.calls[-1][1] == {"query": "wie lange dauert der versand", "language": "de", "top_k": 3}
    gateway.knowledge_answer = {"matches": [{"id": "shipping_times", "score": 0.2, "title": "x"}], "threshold": 0.43}
    dispatcher = CollectingDispatcher()
    await ActionAnswerQuestion().run(dispatcher, make_tracker(intent="ask_question", text="can I pay in gold"), {})
    assert responses(dispatcher) == ["utter_kb_unknown"]
    gateway.status = 503
    dispatcher = CollectingDispatcher()
    await ActionAnswerQuestion().run(dispatcher, make_tracker(intent="ask_question", text="returns?"), {})
    assert responses(dispatcher) == ["utter_kb_unavailable"]


async def test_fallback_offers_the_two_likeliest_intents_then_a_person():
    ranking = [{"name": "nlu_fallback", "confidence": 0.3}, {"name": "cancel_order", "confidence": 0.25},
               {"name": "inform", "confidence": 0.2}, {"name": "stop", "confidence": 0.18},
               {"name": "request_return", "confidence": 0.15}]
    dispatcher = CollectingDispatcher()
    await ActionHandleFallback().run(dispatcher, make_tracker(intent="nlu_fallback", intent_ranking=ranking), {})
    offer = dispatcher.messages[0]
    assert offer["response"] == "utter_ask_affirmation"
    assert offer["intent_1"] == {"type": "enum", "name": "intent", "value": "cancel_order"}
    assert (offer["intent_1_name"], offer["intent_2_name"]) == ("cancel_order", "request_return")
    earlier = [{"event": "user", "parse_data": {"intent": {"name": "nlu_fallback"}}},
               {"event": "user", "parse_data": {"intent": {"name": "deny"}}}]
    dispatcher = CollectingDispatcher()
    await ActionHandleFallback().run(dispatcher, make_tracker(intent="nlu_fallback", intent_ranking=ranking,
                                                              events=earlier), {})
    assert responses(dispatcher) == ["utter_offer_human_fallback"]


async def test_language_change_supported_unsupported_and_unspecified():
    dispatcher = CollectingDispatcher()
    events = await ActionChangeLanguage().run(dispatcher, make_tracker(
        intent="change_language", entities=[{"entity": "language", "value": "de"}]), {})
    assert slot_events(events) == {"language": "de"} and dispatcher.messages == []
    # the confirmation comes from the next action, once the slot is set (rendered in German)
    history = [{"event": "user", "parse_data": {}}, {"event": "action", "name": "action_change_language"},
               {"event": "slot", "name": "language", "value": "de"}]
    dispatcher = CollectingDispatcher()
    await ActionConfirmLanguage().run(dispatcher, _tracker_with(history), {})
    assert responses(dispatcher) == ["utter_language_changed"]
    dispatcher = CollectingDispatcher()
    await ActionChangeLanguage().run(dispatcher, make_tracker(
        intent="change_language", entities=[{"entity": "language", "value": "it"}]), {})
    assert responses(dispatcher) == ["utter_language_not_supported"]
    dispatcher = CollectingDispatcher()
    await ActionChangeLanguage().run(dispatcher, make_tracker(intent="change_language"), {})
    assert responses(dispatcher) == ["utter_ask_which_language"]


def _tracker_with(events: list):
    from rasa_sdk import Tracker
    return Tracker("t", {}, {}, events, False, None, {}, None)


async def test_stop_ends_the_form_and_clears_what_it_had():
    dispatcher = CollectingDispatcher()
    events = await ActionStop().run(dispatcher, make_tracker({"order_number": "100101"}, intent="stop",
                                                             active_loop="cancel_order_form"), {})
    assert responses(dispatcher) == ["utter_stopped"]
    assert any(event["event"] == "active_loop" and event["name"] is None for event in events)
    assert slot_events(events)["order_number"] is None


def test_language_switched_with_this_message_wins_over_the_stale_slot():
    from actions.common import conversation_language

    # The gateway switched to German with this message; the slot still says Spanish.
    switched = make_tracker({"language": "es"}, metadata={"language": "de", "language_switched": True})
    assert conversation_language(switched) == "de"
    # Without a switch the slot is the conversation's language, metadata only a fallback.
    assert conversation_language(make_tracker({"language": "es"}, metadata={"language": "de"})) == "es"
    assert conversation_language(make_tracker({}, metadata={"language": "fr"})) == "fr"
    assert conversation_language(make_tracker({})) == "en"
