"""Support tickets: open one (unverified customers leave a contact e-mail), check one and add
information to one (verified customers only: the CRM answers 404 for other people's tickets)."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    SafeAction,
    crm_for,
    datetime_,
    enum,
    first,
    is_verified,
    normalise_email,
    normalise_ticket_number,
    request_key,
    reset_task,
)
from actions.crm import CRMClient, CRMError
from actions.forms import Slots, VerifiedFormValidation
from actions.returns import subject_from

CATEGORIES = ("return", "refund", "damaged_item", "missing_item", "wrong_item", "delivery", "billing", "account",
              "product", "complaint", "other")
SESSION_ID = re.compile(r"^[A-Za-z0-9._:@\-]{1,128}$")


def ticket_body(tracker: Tracker, subject_text: str, description: str, category: str,
                priority: str | None = None, contact_email: str | None = None) -> dict:
    body: dict[str, Any] = {"subject": subject_from(subject_text), "description": description, "category": category}
    if priority:
        body["priority"] = priority
    if contact_email and not is_verified(tracker):
        body["contact_email"] = contact_email
    if SESSION_ID.match(tracker.sender_id or ""):
        body["conversation_session_id"] = tracker.sender_id
    return body


def validate_contact_email(value: Any, dispatcher: CollectingDispatcher) -> Slots:
    email = normalise_email(first(value))
    if email is None:
        dispatcher.utter_message(response="utter_email_invalid")
    return {"contact_email": email}


# --- open a ticket ---------------------------------------------------------------------
class ValidateTicketForm(VerifiedFormValidation):
    needs_verification = False
    order_is_subject = False

    def name(self) -> str:
        return "validate_ticket_form"

    async def task_required_slots(self, tracker: Tracker, verified: bool) -> list[str]:
        return ["ticket_category", "ticket_description"] + ([] if verified else ["contact_email"])

    async def validate_ticket_category(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: dict) -> Slots:
        value = first(value)
        return {"ticket_category": value if value in CATEGORIES else "other"}

    async def validate_contact_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: dict) -> Slots:
        return validate_contact_email(value, dispatcher)


class ActionOpenTicket(SafeAction):
    writes = True

    def name(self) -> str:
        return "action_open_ticket"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> list[EventType]:
        description = tracker.get_slot("ticket_description")
        if tracker.get_slot("task_blocked") or not description:
            return reset_task()
        category = tracker.get_slot("ticket_category") or "other"
        priority = "high" if category == "complaint" else None
        body = ticket_body(tracker, description, description, category, priority, tracker.get_slot("contact_email"))
        ticket = await crm_for(tracker).create_ticket(body, request_key(tracker, "ticket"))
        dispatcher.utter_message(response="utter_ticket_opened", ticket_number=ticket["number"],
                                 category=enum("ticket_category", category))
        return reset_task()


# --- check a ticket, add to a ticket -----------------------------------------------------
class TicketFormValidation(VerifiedFormValidation):
    order_is_subject = False
    # True: a closed ticket ends the form (nothing can be added to it)
    refuse_closed = False

    async def after_verification(self, crm: CRMClient, dispatcher: CollectingDispatcher,
                                 tracker: Tracker) -> Slots:
        number = normalise_ticket_number(tracker.slots.get("ticket_number"))
        return await self._load_ticket(crm, number, dispatcher) if number else {}

    async def _load_ticket(self, crm: CRMClient, number: str, dispatcher: CollectingDispatcher) -> Slots:
        try:
            ticket = await crm.ticket(number)
        except CRMError as exc:
            if exc.status in (404, 422):
                dispatcher.utter_message(response="utter_ticket_not_found", ticket_number=number)
                return {"ticket_number": None}
            raise
        if self.refuse_closed and ticket.get("status") == "closed":
            dispatcher.utter_message(response="utter_ticket_closed", ticket_number=number,
                                     status=enum("ticket_status", "closed"))
            return {"ticket_number": number, "task_blocked": True}
        return {"ticket_number": number}

    async def validate_ticket_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                     domain: dict) -> Slots:
        number = normalise_ticket_number(first(value))
        if number is None:
            dispatcher.utter_message(response="utter_ticket_number_invalid", value=str(first(value) or ""))
            return {"ticket_number": None}
        if not is_verified(tracker):
            return {"ticket_number": number}  # looked up once the customer is verified
        return await self._load_ticket(crm_for(tracker), number, dispatcher)


class ValidateTicketStatusForm(TicketFormValidation):
    task_slots = ("ticket_number",)

    def name(self) -> str:
        return "validate_ticket_status_form"


class ValidateTicketCommentForm(TicketFormValidation):
    task_slots = ("ticket_number", "ticket_comment")
    refuse_closed = True

    def name(self) -> str:
        return "validate_ticket_comment_form"


class ActionTicketStatus(SafeAction):
    def name(self) -> str:
        return "action_ticket_status"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> list[EventType]:
        number = tracker.get_slot("ticket_number")
        if tracker.get_slot("task_blocked") or not number or not is_verified(tracker):
            return reset_task()
        ticket = await crm_for(tracker).ticket(number)
        dispatcher.utter_message(response="utter_ticket_status", ticket_number=number,
                                 category=enum("ticket_category", ticket.get("category")),
                                 status=enum("ticket_status", ticket.get("status")),
                                 updated_at=datetime_(ticket.get("updated_at")))
        if ticket.get("status") in ("open", "pending", "on_hold") and ticket.get("sla_due_at"):
            dispatcher.utter_message(response="utter_ticket_due", sla_due_at=datetime_(ticket["sla_due_at"]))
        return reset_task()


class ActionAddTicketComment(SafeAction):
    writes = True

    def name(self) -> str:
        return "action_add_ticket_comment"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> list[EventType]:
        number, comment = tracker.get_slot("ticket_number"), tracker.get_slot("ticket_comment")
        if tracker.get_slot("task_blocked") or not number or not comment or not is_verified(tracker):
            return reset_task()
        try:
            await crm_for(tracker).add_comment(number, comment, request_key(tracker, f"comment:{number}"))
        except CRMError as exc:
            if exc.code == "ticket_closed":
                dispatcher.utter_message(response="utter_ticket_closed", ticket_number=number,
                                         status=enum("ticket_status", "closed"))
                return reset_task()
            raise
        dispatcher.utter_message(response="utter_ticket_comment_added", ticket_number=number)
        return reset_task()
