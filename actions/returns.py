"""Returns and refunds (CRM POST /orders/{n}/returns), and damaged, missing or wrong items
(a ticket with the matching category and priority)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import SafeAction, crm_for, enum, request_key, reset_task
from actions.crm import CRMError
from actions.forms import Slots, VerifiedFormValidation
from actions.orders import status

# How urgent each kind of problem is for the team (the CRM raises it for gold/platinum).
PROBLEM_PRIORITY = {"damaged_item": "high", "missing_item": "high", "wrong_item": "normal"}
PROBLEM_QUESTION = {"damaged_item": "utter_ask_damage_details", "missing_item": "utter_ask_missing_details",
                    "wrong_item": "utter_ask_wrong_item_details"}


def subject_from(text: str, limit: int = 120) -> str:
    """Tickets are titled with the customer's own words (staff read them in the console)."""
    text = " ".join(str(text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def utter_return_refused(dispatcher: CollectingDispatcher, order: dict) -> None:
    if order.get("status") == "delivered":
        dispatcher.utter_message(response="utter_return_window_closed", order_number=order["number"])
    else:
        dispatcher.utter_message(response="utter_return_not_possible", order_number=order["number"],
                                 status=status(order))


class ValidateReturnForm(VerifiedFormValidation):
    task_slots = ("return_reason",)

    def name(self) -> str:
        return "validate_return_form"

    async def check_order(self, order: dict, dispatcher: CollectingDispatcher, tracker: Tracker) -> Slots:
        if (order.get("allowed") or {}).get("return"):
            return {}
        utter_return_refused(dispatcher, order)
        return {"task_blocked": True}


class ActionRequestReturn(SafeAction):
    writes = True

    def name(self) -> str:
        return "action_request_return"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> list[EventType]:
        number, reason = tracker.get_slot("order_number"), tracker.get_slot("return_reason")
        if tracker.get_slot("task_blocked") or not number or not reason:
            return reset_task()
        category = "refund" if tracker.get_slot("ticket_category") == "refund" else "return"
        try:
            answer = await crm_for(tracker).request_return(number, subject_from(reason, 500), category,
                                                           request_key(tracker, f"return:{number}"),
                                                           description=reason)
        except CRMError as exc:
            if exc.code in ("return_window_closed", "invalid_transition"):
                status_value = "delivered" if exc.code == "return_window_closed" else exc.detail.get("status")
                utter_return_refused(dispatcher, {"number": number, "status": status_value})
                return reset_task()
            raise
        ticket = answer.get("ticket") or {}
        dispatcher.utter_message(response="utter_return_created", order_number=number,
                                 category=enum("ticket_category", category), ticket_number=ticket.get("number", ""))
        return reset_task()


class ValidateProblemForm(VerifiedFormValidation):
    task_slots = ("problem_details",)

    def name(self) -> str:
        return "validate_problem_form"


class ActionAskProblemDetails(Action):
    def name(self) -> str:
        return "action_ask_problem_details"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        category = tracker.get_slot("problem_category") or "damaged_item"
        dispatcher.utter_message(response=PROBLEM_QUESTION.get(category, "utter_ask_damage_details"))
        return []


class ActionReportProblem(SafeAction):
    writes = True

    def name(self) -> str:
        return "action_report_problem"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> list[EventType]:
        number, details = tracker.get_slot("order_number"), tracker.get_slot("problem_details")
        if tracker.get_slot("task_blocked") or not number or not details:
            return reset_task()
        category = tracker.get_slot("problem_category")
        if category not in PROBLEM_PRIORITY:
            category = "damaged_item"
        body = {"subject": subject_from(details), "description": details, "category": category,
                "priority": PROBLEM_PRIORITY[category], "order_number": number}
        ticket = await crm_for(tracker).create_ticket(body, request_key(tracker, f"problem:{number}"))
        dispatcher.utter_message(response="utter_problem_ticket_opened", ticket_number=ticket["number"],
                                 category=enum("ticket_category", category), order_number=number)
        return reset_task()
