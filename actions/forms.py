"""Form validation base: verification first, then the task's own slots.

Contract (what the domain must declare for a form validated by VerifiedFormValidation):
- slots: order_number, email (verification: CRM POST /verifications), customer_token,
  verified, high_tier, task_blocked, and the form's `task_slots`;
- responses: utter_order_number_invalid {value}, utter_email_invalid,
  utter_verification_failed {order_number}, utter_verification_locked {minutes},
  utter_verified {first_name, masked_email}, utter_verification_expired,
  utter_crm_unavailable_read, utter_try_again_later, utter_something_went_wrong;
- the form's submit action runs after the form ends, also when `task_blocked` ended it early
  (validation already told the customer why the task cannot be done).

A verified customer skips order_number/email when the order number is not itself the subject
(`order_is_subject = False`). Validation failures re-ask the slot; a CRM outage ends the form
with a plain message (task_blocked), never silence.
"""

from __future__ import annotations

import logging
from abc import abstractmethod
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    VERIFICATION_SLOTS,
    crm_for,
    first,
    is_verified,
    normalise_email,
    normalise_order_number,
    reset,
    verification_lost,
)
from actions.crm import CRMClient, CRMError, CRMUnavailable

logger = logging.getLogger(__name__)

Slots = dict[str, Any]


def verified_slots(answer: dict) -> Slots:
    customer = answer.get("customer") or {}
    return {"customer_token": answer.get("customer_token"), "verified": True,
            "high_tier": customer.get("tier") in ("gold", "platinum")}


class VerifiedFormValidation(FormValidationAction):
    # True: the order is what the task is about (check it once the customer is verified).
    order_is_subject = True
    # Slots after verification, in the order they are asked.
    task_slots: tuple[str, ...] = ()
    # Whether an unverified customer must verify first (False: e.g. opening a ticket).
    needs_verification = True

    @abstractmethod
    def name(self) -> str:
        """validate_<form name>"""

    # --- which slots, in which order ----------------------------------------------------
    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict) -> list[str]:
        if tracker.slots.get("task_blocked"):
            return []
        slots: list[str] = []
        verified = is_verified(tracker)
        if self.needs_verification and not verified:
            slots += ["order_number", "email"]
        elif self.order_is_subject:
            slots.append("order_number")
        slots += await self.task_required_slots(tracker, verified)
        return slots

    async def task_required_slots(self, tracker: Tracker, verified: bool) -> list[str]:
        return list(self.task_slots)

    async def next_requested_slot(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: dict) -> EventType:
        # Always decided here (the SDK leaves it to Rasa when the list equals the domain's).
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        return SlotSet("requested_slot", next((slot for slot in required if tracker.slots.get(slot) is None), None))

    # --- hooks for the task -------------------------------------------------------------
    async def check_order(self, order: dict, dispatcher: CollectingDispatcher, tracker: Tracker) -> Slots:
        """Called with the customer's order once it is known; returns slots to set
        (task_blocked=True after saying why the task is impossible)."""
        return {}

    async def after_verification(self, crm: CRMClient, dispatcher: CollectingDispatcher,
                                 tracker: Tracker) -> Slots:
        """Checks what was given before verification (the order, a ticket) with the new token."""
        order_number = normalise_order_number(tracker.slots.get("order_number"))
        if self.order_is_subject and order_number:
            return await self._load_order(crm, order_number, dispatcher, tracker)
        return {}

    # --- running safely ---------------------------------------------------------------
    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        try:
            return await super().run(dispatcher, tracker, domain)
        except CRMUnavailable:
            dispatcher.utter_message(response="utter_crm_unavailable_read")
            dispatcher.utter_message(response="utter_try_again_later")
        except CRMError as exc:
            if exc.status == 401:  # the customer token expired: verify again, the form goes on
                return [*verification_lost(dispatcher), *reset("order_number", "email"),
                        SlotSet("requested_slot", "order_number")]
            logger.error("%s: unexpected CRM answer %s %s", self.name(), exc.status, exc.code)
            dispatcher.utter_message(response="utter_something_went_wrong")
        except Exception:
            logger.exception("%s failed", self.name())
            dispatcher.utter_message(response="utter_something_went_wrong")
        # end the form; the submit action sees task_blocked and only tidies up
        return [SlotSet("task_blocked", True), SlotSet("requested_slot", None)]

    async def _load_order(self, crm: CRMClient, number: str, dispatcher: CollectingDispatcher,
                          tracker: Tracker) -> Slots:
        try:
            order = await crm.order(number)
        except CRMError as exc:
            if exc.status == 404:
                dispatcher.utter_message(response="utter_order_not_found", order_number=number)
                return {"order_number": None}
            if exc.status == 401:
                dispatcher.utter_message(response="utter_verification_expired")
                return {**{name: None for name in VERIFICATION_SLOTS}, "order_number": None}
            raise
        return {"order_number": number, **await self.check_order(order, dispatcher, tracker)}

    # --- validation of the verification slots ------------------------------------------
    async def validate_order_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: dict) -> Slots:
        number = normalise_order_number(first(value))
        if number is None:
            dispatcher.utter_message(response="utter_order_number_invalid", value=str(first(value) or ""))
            return {"order_number": None}
        if not is_verified(tracker):
            return {"order_number": number}  # checked together with the e-mail
        if not self.order_is_subject:
            return {"order_number": number}
        return await self._load_order(crm_for(tracker), number, dispatcher, tracker)

    async def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: dict) -> Slots:
        if is_verified(tracker):
            return {"email": None}
        email = normalise_email(first(value))
        if email is None:
            dispatcher.utter_message(response="utter_email_invalid")
            return {"email": None}
        order_number = normalise_order_number(tracker.slots.get("order_number"))
        if order_number is None:
            return {"email": email}  # asked for the order number next, then verified
        crm = CRMClient()
        try:
            answer = await crm.verify(order_number, email)
        except CRMError as exc:
            if exc.status == 429:
                minutes = max(1, -(-int(exc.detail.get("retry_after_s") or 900) // 60))
                dispatcher.utter_message(response="utter_verification_locked", minutes=minutes)
                return {"email": None, "task_blocked": True}
            if exc.status in (401, 404, 422):
                dispatcher.utter_message(response="utter_verification_failed", order_number=order_number)
                return {"email": None, "order_number": None}
            raise
        customer = answer.get("customer") or {}
        dispatcher.utter_message(response="utter_verified", first_name=customer.get("first_name") or "",
                                 masked_email=customer.get("masked_email") or "")
        slots = {**verified_slots(answer), "email": None}
        tracker.slots.update(slots)
        slots.update(await self.after_verification(CRMClient(customer_token=slots["customer_token"]),
                                                   dispatcher, tracker))
        return slots
