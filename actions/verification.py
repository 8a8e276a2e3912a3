"""Who the customer is: the website's signed token (metadata.customer_token), exchanged once
for a CRM customer token on the first message that carries it; and asking for the order
number in the way that fits (verify first, or pick one of your recent orders)."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker, ValidationAction
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import crm_for, is_verified
from actions.crm import CRMClient, CRMError, CRMUnavailable
from actions.forms import verified_slots

logger = logging.getLogger(__name__)

# Forms where the order number only proves who the customer is (the subject is a ticket).
VERIFY_ONLY_FORMS = ("ticket_status_form", "ticket_comment_form")


class ActionValidateSlotMappings(ValidationAction):
    """Runs after every customer message (Rasa's action_validate_slot_mappings)."""

    async def get_validation_events(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict) -> list[EventType]:
        # Slots outside forms are taken as extracted (forms validate their own); the SDK's
        # version would log a warning per slot and message for the missing validate_ methods.
        return [SlotSet(name, value) for name, value in tracker.slots_to_validate().items()]

    async def extract_customer_token(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: dict) -> dict[str, Any]:
        site_token = ((tracker.latest_message or {}).get("metadata") or {}).get("customer_token")
        if not isinstance(site_token, str) or not site_token:
            return {}
        digest = hashlib.sha256(site_token.encode()).hexdigest()
        if tracker.get_slot("site_token_hash") == digest and is_verified(tracker):
            return {}
        try:
            answer = await CRMClient().verify_site_token(site_token)
        except (CRMError, CRMUnavailable) as exc:
            # Not fatal: the customer can still verify with an order number and e-mail.
            logger.warning("site token not accepted: %s", exc)
            return {"site_token_hash": digest}
        return {**verified_slots(answer), "site_token_hash": digest}


class ActionAskOrderNumber(Action):
    def name(self) -> str:
        return "action_ask_order_number"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        if not is_verified(tracker):
            loop = (tracker.active_loop or {}).get("name")
            dispatcher.utter_message(response="utter_ask_order_number_to_verify" if loop in VERIFY_ONLY_FORMS
                                     else "utter_ask_order_number")
            return []
        try:
            orders = await crm_for(tracker).my_orders(limit=5)
        except (CRMError, CRMUnavailable) as exc:
            logger.warning("recent orders not available: %s", exc)
            orders = []
        if not orders:
            dispatcher.utter_message(response="utter_ask_order_number")
            return []
        buttons = [{"title": order["number"], "payload": "/inform" + json.dumps({"order_number": order["number"]})}
                   for order in orders if order.get("number")]
        dispatcher.utter_message(response="utter_ask_order_number_choose", buttons=buttons)
        return []
