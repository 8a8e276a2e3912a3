"""Helpers every action module shares: typed response arguments, slot resets, the
customer's CRM client, and SafeAction (no action ever ends in silence or a stack trace)."""

from __future__ import annotations

import logging
import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.crm import CRMClient, CRMError, CRMUnavailable, idempotency_key

logger = logging.getLogger(__name__)

ORDER_NUMBER = re.compile(r"(?<!\d)(\d{6})(?!\d)")
TICKET_NUMBER = re.compile(r"\b[Tt][- ]?(\d{5})\b")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$")

# Slots one task fills; cleared when the task ends so the next one starts clean.
TASK_SLOTS = ("order_number", "email", "contact_email", "ticket_number", "address", "ticket_category",
              "ticket_description", "return_reason", "problem_category", "problem_details", "ticket_comment",
              "confirm_cancel", "confirm_address", "leave_message_confirm", "leave_message_text", "task_blocked")
VERIFICATION_SLOTS = ("customer_token", "verified", "high_tier")


# --- typed arguments (docs/INTERFACES.md "Arguments actions pass to responses") ---------
def enum(name: str, value: str | None) -> dict:
    return {"type": "enum", "name": name, "value": value or ""}


def money(value: dict | None) -> dict | str:
    if not value:
        return ""
    return {"type": "money", "amount": str(value.get("amount")), "currency": value.get("currency")}


def date(value: str | None) -> dict | str:
    return {"type": "date", "value": value[:10]} if value else ""


def datetime_(value: str | None) -> dict | str:
    return {"type": "datetime", "value": value} if value else ""


# --- reading the customer's input --------------------------------------------------------
def normalise_order_number(value: Any) -> str | None:
    match = ORDER_NUMBER.search(str(value or ""))
    return match[1] if match else None


def normalise_ticket_number(value: Any) -> str | None:
    match = TICKET_NUMBER.search(str(value or ""))
    return f"T{match[1]}" if match else None


def normalise_email(value: Any) -> str | None:
    text = str(value or "").strip().strip(".,;:!?<>()").lower()
    return text if EMAIL.match(text) else None


def first(value: Any) -> Any:
    """Slots filled from entities can hold a list when a message had two of them."""
    return value[0] if isinstance(value, list) and value else value


def reset(*names: str) -> list[EventType]:
    return [SlotSet(name, None) for name in names]


def reset_task() -> list[EventType]:
    return reset(*TASK_SLOTS)


def is_verified(tracker: Tracker) -> bool:
    return bool(tracker.get_slot("verified") and tracker.get_slot("customer_token"))


def crm_for(tracker: Tracker) -> CRMClient:
    return CRMClient(customer_token=tracker.get_slot("customer_token") if is_verified(tracker) else None)


def request_key(tracker: Tracker, what: str) -> str:
    """Idempotency-Key of this customer message's change `what` (a retry does it once)."""
    message = tracker.latest_message or {}
    message_id = str((message.get("metadata") or {}).get("message_id") or message.get("message_id") or "")
    return idempotency_key(tracker.sender_id, message_id, what)


def conversation_language(tracker: Tracker) -> str:
    """The language to search and answer in, chosen as the gateway's NLG chooses it: a language
    the gateway switched to with this very message wins over the slot (the gateway updates the
    slot in the background, so on the turn of a switch the slot still holds the old language)."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    if metadata.get("language_switched") and isinstance(metadata.get("language"), str):
        return metadata["language"]
    language = tracker.get_slot("language") or metadata.get("language")
    return language if isinstance(language, str) and language else "en"


def verification_lost(dispatcher: CollectingDispatcher) -> list[EventType]:
    """The customer token expired (or the customer was erased): ask again."""
    dispatcher.utter_message(response="utter_verification_expired")
    return reset(*VERIFICATION_SLOTS)


class SafeAction(Action, ABC):
    """Runs `perform`; a CRM outage becomes utter_crm_unavailable_* plus what happens next, any
    other failure utter_something_went_wrong. `writes` says whether the action changes data."""

    writes = False

    @abstractmethod
    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> list[EventType]:
        ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        try:
            return await self.perform(dispatcher, tracker, domain)
        except CRMUnavailable:
            dispatcher.utter_message(response="utter_crm_unavailable_write" if self.writes
                                     else "utter_crm_unavailable_read")
            dispatcher.utter_message(response="utter_try_again_later")
            return reset_task()
        except CRMError as exc:
            if exc.status == 401 and exc.code in ("customer_token_invalid", "customer_token_required"):
                return verification_lost(dispatcher) + reset_task()
            logger.error("%s: unexpected CRM answer %s %s", self.name(), exc.status, exc.code)
            dispatcher.utter_message(response="utter_something_went_wrong")
            return reset_task()
        except Exception:
            logger.exception("%s failed", self.name())
            dispatcher.utter_message(response="utter_something_went_wrong")
            return reset_task()
