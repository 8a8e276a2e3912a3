"""Returns, problem reports and tickets against the real CRM with its demo data."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.crm import CRMClient
from actions.returns import ActionAskProblemDetails, ActionReportProblem, ActionRequestReturn, ValidateReturnForm
from actions.tickets import (
    ActionAddTicketComment,
    ActionOpenTicket,
    ActionTicketStatus,
    ValidateTicketCommentForm,
    ValidateTicketForm,
    ValidateTicketStatusForm,
)
from crm_backend.demo import scenarios
from tests.actions.conftest import make_tracker, responses, slot_events


async def verify(customer, status: str = "placed", recent: bool = True) -> dict:
    answer = await CRMClient().verify(customer.order(status, recent=recent).number, customer.email)
    return {"customer_token": answer["customer_token"], "verified": True}


async def test_return_of_a_recent_delivery_creates_a_return_ticket(domain):
    customer = scenarios.FR
    slots = await verify(customer)
    number = customer.order("delivered").number
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, set_now={"order_number": number}, active_loop="return_form")
    events = slot_events(await ValidateReturnForm().run(dispatcher, tracker, domain))
    assert events["requested_slot"] == "return_reason" and responses(dispatcher) == []
    dispatcher = CollectingDispatcher()
    await ActionRequestReturn().run(dispatcher, make_tracker(
        {**slots, "order_number": number, "return_reason": "trop petit", "ticket_category": "refund"}), {})
    created = dispatcher.messages[0]
    assert created["response"] == "utter_return_created"
    assert created["category"] == {"type": "enum", "name": "ticket_category", "value": "refund"}
    order = await CRMClient(customer_token=slots["customer_token"]).order(number)
    assert order["status"] == "return_requested"


async def test_return_after_the_window_is_refused_with_the_offer_of_a_ticket(domain):
    customer = scenarios.EN
    slots = await verify(customer)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, set_now={"order_number": customer.order("delivered", recent=False).number},
                           active_loop="return_form")
    events = slot_events(await ValidateReturnForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_return_window_closed"] and events["task_blocked"] is True


async def test_return_of_an_undelivered_order_is_not_possible(domain):
    customer = scenarios.EN
    slots = await verify(customer)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, set_now={"order_number": customer.order("shipped").number},
                           active_loop="return_form")
    await ValidateReturnForm().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_return_not_possible"]


async def test_damaged_item_report_opens_a_high_priority_ticket_of_that_category():
    customer = scenarios.DE
    slots = await verify(customer)
    number = customer.order("delivered").number
    dispatcher = CollectingDispatcher()
    await ActionAskProblemDetails().run(dispatcher, make_tracker({"problem_category": "damaged_item"}), {})
    assert responses(dispatcher) == ["utter_ask_damage_details"]
    dispatcher = CollectingDispatcher()
    await ActionReportProblem().run(dispatcher, make_tracker(
        {**slots, "order_number": number, "problem_category": "damaged_item",
         "problem_details": "Die Tasse ist zerbrochen angekommen"}), {})
    opened = dispatcher.messages[0]
    assert opened["response"] == "utter_problem_ticket_opened" and opened["order_number"] == number
    ticket = await CRMClient(customer_token=slots["customer_token"]).ticket(opened["ticket_number"])
    assert ticket["category"] == "damaged_item" and ticket["priority"] == "high"
    assert ticket["order_number"] == number


async def test_unverified_customer_opens_a_ticket_with_a_contact_email(domain):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"ticket_category": "billing"}, set_now={"ticket_description": "charged twice"},
                           active_loop="ticket_form")
    events = slot_events(await ValidateTicketForm().run(dispatcher, tracker, domain))
    assert events["requested_slot"] == "contact_email"  # no verification needed to leave a ticket
    dispatcher = CollectingDispatcher()
    await ActionOpenTicket().run(dispatcher, make_tracker({"ticket_category": "billing",
                                                           "ticket_description": "I was charged twice",
                                                           "contact_email": "new.person@example.org"}), {})
    opened = dispatcher.messages[0]
    assert opened["response"] == "utter_ticket_opened" and opened["ticket_number"].startswith("T")


async def test_ticket_status_needs_verification_then_shows_status_and_due_time(domain):
    customer = scenarios.EN
    ticket = next(t for t in scenarios.TICKETS if t.customer_key == "en")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(set_now={"ticket_number": ticket.number.lower()}, active_loop="ticket_status_form")
    events = slot_events(await ValidateTicketStatusForm().run(dispatcher, tracker, domain))
    assert events["ticket_number"] == ticket.number and events["requested_slot"] == "order_number"
    assert responses(dispatcher) == []  # nothing about the ticket before verification
    slots = await verify(customer)
    dispatcher = CollectingDispatcher()
    await ActionTicketStatus().run(dispatcher, make_tracker({**slots, "ticket_number": ticket.number}), {})
    assert responses(dispatcher) == ["utter_ticket_status", "utter_ticket_due"]
    assert dispatcher.messages[0]["status"] == {"type": "enum", "name": "ticket_status", "value": ticket.status}


async def test_someone_elses_ticket_is_not_found(domain):
    slots = await verify(scenarios.EN)
    other = next(t for t in scenarios.TICKETS if t.customer_key == "es")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, set_now={"ticket_number": other.number}, active_loop="ticket_status_form")
    events = slot_events(await ValidateTicketStatusForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_ticket_not_found"] and events["ticket_number"] is None


async def test_information_is_added_to_a_ticket_as_a_public_comment(domain):
    slots = await verify(scenarios.FR)
    ticket = next(t for t in scenarios.TICKETS if t.customer_key == "fr")
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, set_now={"ticket_number": f"t-{ticket.number[1:]}"},
                           active_loop="ticket_comment_form")
    events = slot_events(await ValidateTicketCommentForm().run(dispatcher, tracker, domain))
    assert events["requested_slot"] == "ticket_comment"
    dispatcher = CollectingDispatcher()
    await ActionAddTicketComment().run(dispatcher, make_tracker(
        {**slots, "ticket_number": ticket.number, "ticket_comment": "Le modèle est le XL-200"}), {})
    assert responses(dispatcher) == ["utter_ticket_comment_added"]
    stored = await CRMClient(customer_token=slots["customer_token"]).ticket(ticket.number)
    assert any(c.get("body") == "Le modèle est le XL-200" for c in stored["comments"])


async def test_expired_customer_token_asks_to_verify_again(domain):
    slots = {"customer_token": "expired-or-forged", "verified": True}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, set_now={"ticket_number": "T10001"}, active_loop="ticket_status_form")
    events = slot_events(await ValidateTicketStatusForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_verification_expired"]
    assert events["verified"] is None and events["customer_token"] is None
    assert events["requested_slot"] == "order_number"
