"""Handing the conversation to a person (gateway POST /internal/handoff) and, when nobody can
take it, leaving a message (a CRM ticket the team answers by e-mail)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import gateway
from actions.common import SafeAction, crm_for, datetime_, is_verified, request_key, reset_task
from actions.forms import Slots, VerifiedFormValidation
from actions.tickets import ticket_body, validate_contact_email

logger = logging.getLogger(__name__)


def previous_turn(tracker: Tracker) -> tuple[list[str], str | None]:
    """(bot responses of the turn before the latest message, the intent before it)."""
    events = list(tracker.events)
    user_indexes = [i for i, event in enumerate(events) if event.get("event") == "user"]
    if not user_indexes:
        return [], None
    latest = user_indexes[-1]
    before = user_indexes[-2] if len(user_indexes) > 1 else -1
    responses = [event.get("metadata", {}).get("utter_action") or event.get("name")
                 for event in events[before + 1:latest] if event.get("event") in ("bot", "action")]
    intent = ((events[before].get("parse_data") or {}).get("intent") or {}).get("name") if before >= 0 else None
    return [r for r in responses if r], intent


def handoff_reason(tracker: Tracker) -> str:
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    if intent == "complain":
        return "complaint"
    said, _ = previous_turn(tracker)
    if "utter_offer_human_frustrated" in said:
        return "frustration"
    if "utter_offer_human_fallback" in said or "action_handle_fallback" in said:
        return "fallback"
    if any(name.startswith("utter_crm_unavailable") for name in said):
        return "crm_unavailable"
    return "customer_request"


def expected_reply(value: Any) -> str | None:
    """The gateway's `expected_reply`: an ISO date-time, or a number of minutes from now."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return (datetime.now(timezone.utc) + timedelta(minutes=float(value))).isoformat(timespec="minutes")
    return value if isinstance(value, str) and value else None


class ActionHandoff(SafeAction):
    def name(self) -> str:
        return "action_handoff"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> list[EventType]:
        reason = handoff_reason(tracker)
        priority = "high" if reason == "complaint" and tracker.get_slot("high_tier") else None
        events: list[EventType] = reset_task()
        try:
            answer = await gateway.request_handoff(tracker.sender_id, reason, priority)
        except gateway.GatewayUnavailable:
            dispatcher.utter_message(response="utter_handoff_failed")
            return events  # leave_message_form follows and offers to leave a message
        if answer["outcome"] == "queued":
            dispatcher.utter_message(response="utter_handoff_queued", queue_position=answer.get("queue_position", 1))
            # leave_message_confirm=False: if the conversation comes back, no message is pending
            return events + [SlotSet("leave_message_confirm", False), ConversationPaused()]
        dispatcher.utter_message(response="utter_handoff_no_agents" if answer["outcome"] == "no_agents"
                                 else "utter_handoff_offline")
        reply_by = expected_reply(answer.get("expected_reply"))
        if reply_by:
            dispatcher.utter_message(response="utter_handoff_reply_by", expected_reply=datetime_(reply_by))
        return events


class ValidateLeaveMessageForm(VerifiedFormValidation):
    needs_verification = False
    order_is_subject = False

    def name(self) -> str:
        return "validate_leave_message_form"

    async def task_required_slots(self, tracker: Tracker, verified: bool) -> list[str]:
        if tracker.slots.get("leave_message_confirm") is False:
            return ["leave_message_confirm"]
        return ["leave_message_confirm"] + ([] if verified else ["contact_email"]) + ["leave_message_text"]

    async def validate_contact_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: dict) -> Slots:
        return validate_contact_email(value, dispatcher)


class ActionLeaveMessage(SafeAction):
    writes = True

    def name(self) -> str:
        return "action_leave_message"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> list[EventType]:
        text = tracker.get_slot("leave_message_text")
        if tracker.get_slot("leave_message_confirm") is not True or not text:
            if tracker.get_slot("leave_message_confirm") is False and not tracker.get_slot("task_blocked"):
                dispatcher.utter_message(response="utter_message_not_left")
            return reset_task()
        contact = None if is_verified(tracker) else tracker.get_slot("contact_email")
        body = ticket_body(tracker, text, text, "other", contact_email=contact)
        ticket = await crm_for(tracker).create_ticket(body, request_key(tracker, "message"))
        dispatcher.utter_message(response="utter_message_left", ticket_number=ticket["number"])
        return reset_task()
