"""Conversation-level actions: stop what we were doing, not understood (rephrase / offer a
person), change language, and knowledge-base questions."""

from __future__ import annotations

import logging
import os
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import gateway
from actions.common import conversation_language, enum, reset_task

logger = logging.getLogger(__name__)

# Intents never offered as "did you mean" buttons: only things the customer can want done.
NOT_OFFERED = {"nlu_fallback", "inform", "affirm", "deny", "handed_back", "out_of_scope", "stop", "greet", "goodbye",
               "thank", "express_frustration", "bot_challenge"}
# What the rephrase buttons offer when the classifier had no second guess.
DEFAULT_OFFERS = ("check_order_status", "request_human")


class ActionStop(Action):
    def name(self) -> str:
        return "action_stop"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        dispatcher.utter_message(response="utter_stopped")
        return [ActiveLoop(None), SlotSet("requested_slot", None), *reset_task()]


def consecutive_failure(tracker: Tracker) -> bool:
    """True when the customer's previous attempt was not understood either ("Something else"
    after the rephrase buttons does not break the run)."""
    users = [event for event in tracker.events if event.get("event") == "user"][:-1]
    for event in reversed(users):
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        if intent == "nlu_fallback":
            return True
        if intent != "deny":
            return False
    return False


class ActionHandleFallback(Action):
    """Low confidence: offer the two likeliest intents as buttons; the second failure in a
    row offers a person (or a ticket) instead."""

    def name(self) -> str:
        return "action_handle_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if consecutive_failure(tracker):
            dispatcher.utter_message(response="utter_offer_human_fallback")
            return []
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        offers = [item["name"] for item in ranking if item.get("name") not in NOT_OFFERED][:2]
        for default in DEFAULT_OFFERS:
            if len(offers) < 2 and default not in offers:
                offers.append(default)
        dispatcher.utter_message(response="utter_ask_affirmation",
                                 intent_1=enum("intent", offers[0]), intent_1_name=offers[0],
                                 intent_2=enum("intent", offers[1]), intent_2_name=offers[1])
        return []


def supported_languages() -> list[str]:
    return [code.strip() for code in os.environ.get("LANGUAGES", "en,es,de,fr").split(",") if code.strip()]


class ActionChangeLanguage(Action):
    """Sets the `language` slot; action_confirm_language then confirms in the new language
    (responses are rendered with the tracker as it was before this action's events)."""

    def name(self) -> str:
        return "action_change_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        requested = [str(e.get("value")).lower() for e in (tracker.latest_message or {}).get("entities") or []
                     if e.get("entity") == "language" and e.get("value")]
        if not requested:
            dispatcher.utter_message(response="utter_ask_which_language")
            return []
        supported = [code for code in requested if code in supported_languages()]
        if not supported:
            dispatcher.utter_message(response="utter_language_not_supported")
            return []
        return [SlotSet("language", supported[-1])]


class ActionConfirmLanguage(Action):
    def name(self) -> str:
        return "action_confirm_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        # Only when action_change_language just switched (it has answered the other cases).
        for event in reversed(list(tracker.events)):
            if event.get("event") == "slot" and event.get("name") == "language":
                dispatcher.utter_message(response="utter_language_changed")
                break
            if event.get("event") == "action" and event.get("name") == "action_change_language":
                continue
            if event.get("event") in ("user", "action"):
                break
        return []


class ActionAnswerQuestion(Action):
    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        message = tracker.latest_message or {}
        query = (message.get("text") or "").strip()
        try:
            answer = await gateway.search_knowledge(query, conversation_language(tracker))
        except gateway.GatewayUnavailable:
            dispatcher.utter_message(response="utter_kb_unavailable")
            return []
        matches = sorted(answer["matches"], key=lambda match: match.get("score", 0), reverse=True)
        threshold = float(answer.get("threshold") or 0)
        if matches and float(matches[0].get("score") or 0) >= threshold:
            dispatcher.utter_message(response="utter_kb_answer", kb_id=matches[0]["id"])
        else:
            dispatcher.utter_message(response="utter_kb_unknown")
        return []
