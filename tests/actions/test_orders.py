"""Verification and order tasks against the real CRM with its demo data (docs/DEMO_DATA.md)."""

from __future__ import annotations

import time

import jwt
from rasa_sdk.executor import CollectingDispatcher

from actions.crm import CRMClient
from actions.orders import (
    ActionAskConfirmCancel,
    ActionCancelOrder,
    ActionChangeAddress,
    ActionOrderStatus,
    ValidateCancelOrderForm,
    ValidateChangeAddressForm,
    ValidateOrderStatusForm,
    format_address,
    parse_address,
)
from actions.verification import ActionAskOrderNumber, ActionValidateSlotMappings
from crm_backend.demo import scenarios
from tests.actions.conftest import make_tracker, responses, slot_events

EN = scenarios.EN
PLACED = EN.order("placed").number        # 100101
SHIPPED = EN.order("shipped").number      # 100103
DELIVERED = EN.order("delivered").number  # 100104


async def verified_slots(order_number: str = PLACED, email: str = EN.email) -> dict:
    answer = await CRMClient().verify(order_number, email)
    return {"customer_token": answer["customer_token"], "verified": True, "high_tier": False}


async def test_unverified_customer_is_asked_for_the_email_before_anything_about_the_order(domain):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(set_now={"order_number": PLACED}, active_loop="order_status_form")
    events = await ValidateOrderStatusForm().run(dispatcher, tracker, domain)
    assert slot_events(events)["requested_slot"] == "email"
    assert responses(dispatcher) == []  # nothing said about the order yet


async def test_right_email_verifies_and_masks_the_address(domain):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"order_number": PLACED}, set_now={"email": EN.email.upper()},
                           active_loop="order_status_form")
    events = slot_events(await ValidateOrderStatusForm().run(dispatcher, tracker, domain))
    assert events["verified"] is True and events["customer_token"]
    assert events["email"] is None  # the address is not kept in the tracker
    assert events["requested_slot"] is None  # order known and verified: the form is done
    verified = dispatcher.messages[0]
    assert verified["response"] == "utter_verified"
    assert verified["first_name"] == EN.first_name
    assert verified["masked_email"] != EN.email and "*" in verified["masked_email"]


async def test_wrong_email_is_refused_and_both_are_asked_again(domain):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"order_number": PLACED}, set_now={"email": "someone.else@example.com"},
                           active_loop="order_status_form")
    events = slot_events(await ValidateOrderStatusForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_verification_failed"]
    assert events["order_number"] is None and events["email"] is None
    assert events["requested_slot"] == "order_number"
    assert not events.get("verified")


async def test_malformed_order_number_and_email_are_explained(domain):
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(set_now={"order_number": "12345"}, active_loop="order_status_form")
    events = slot_events(await ValidateOrderStatusForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_order_number_invalid"] and events["order_number"] is None
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"order_number": PLACED}, set_now={"email": "not-an-email"},
                           active_loop="order_status_form")
    await ValidateOrderStatusForm().run(dispatcher, tracker, domain)
    assert responses(dispatcher) == ["utter_email_invalid"]


async def test_shipped_order_status_names_carrier_and_tracking():
    slots = {**await verified_slots(SHIPPED), "order_number": SHIPPED}
    dispatcher = CollectingDispatcher()
    events = slot_events(await ActionOrderStatus().run(dispatcher, make_tracker(slots), {}))
    shipped = dispatcher.messages[0]
    assert shipped["response"] == "utter_order_status_shipped"
    assert shipped["tracking_number"] == EN.order("shipped").tracking_number
    assert shipped["status"] == {"type": "enum", "name": "order_status", "value": "shipped"}
    assert events["order_number"] is None  # the task's slots are cleared afterwards


async def test_another_customers_order_is_not_found_for_a_verified_customer(domain):
    slots = await verified_slots()
    dispatcher = CollectingDispatcher()
    other = scenarios.ES.order("placed").number
    tracker = make_tracker(slots, set_now={"order_number": other}, active_loop="order_status_form")
    events = slot_events(await ValidateOrderStatusForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_order_not_found"] and events["order_number"] is None


async def test_verified_customer_picks_from_recent_orders():
    slots = await verified_slots()
    dispatcher = CollectingDispatcher()
    await ActionAskOrderNumber().run(dispatcher, make_tracker(slots, active_loop="order_status_form"), {})
    message = dispatcher.messages[0]
    assert message["response"] == "utter_ask_order_number_choose"
    assert {button["title"] for button in message["buttons"]} >= {PLACED, SHIPPED}
    assert all(button["payload"].startswith('/inform{"order_number": ') for button in message["buttons"])


async def test_shipped_order_cannot_be_cancelled_and_the_reason_is_given(domain):
    slots = await verified_slots()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, set_now={"order_number": SHIPPED}, active_loop="cancel_order_form")
    events = slot_events(await ValidateCancelOrderForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_cancel_refused_shipped"]
    assert events["task_blocked"] is True and events["requested_slot"] is None
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, make_tracker({**slots, "order_number": SHIPPED, "task_blocked": True}),
                                  {})
    assert responses(dispatcher) == []  # validation already said why
    assert (await CRMClient(customer_token=slots["customer_token"]).order(SHIPPED))["status"] == "shipped"


async def test_cancelling_a_placed_order_asks_then_cancels_it_once(domain):
    number = EN.order("packed").number  # 100102: cancellable, left alone by the other tests
    slots = await verified_slots(number)
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, set_now={"order_number": number}, active_loop="cancel_order_form")
    events = slot_events(await ValidateCancelOrderForm().run(dispatcher, tracker, domain))
    assert events["requested_slot"] == "confirm_cancel"
    dispatcher = CollectingDispatcher()
    await ActionAskConfirmCancel().run(dispatcher, make_tracker({**slots, "order_number": number}), {})
    question = dispatcher.messages[0]
    assert question["response"] == "utter_ask_confirm_cancel"
    assert question["total"]["type"] == "money" and question["total"]["currency"] == "GBP"
    confirmed = make_tracker({**slots, "order_number": number, "confirm_cancel": True}, intent="affirm")
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, confirmed, {})
    assert responses(dispatcher) == ["utter_order_cancelled"]
    # Rasa retrying the same action for the same message: same Idempotency-Key, same answer
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, confirmed, {})
    assert responses(dispatcher) == ["utter_order_cancelled"]
    order = await CRMClient(customer_token=slots["customer_token"]).order(number)
    assert order["status"] == "cancelled"
    assert [entry["status"] for entry in order["status_history"]].count("cancelled") == 1


async def test_saying_no_keeps_the_order():
    slots = await verified_slots()
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, make_tracker({**slots, "order_number": PLACED, "confirm_cancel": False}),
                                  {})
    assert responses(dispatcher) == ["utter_cancel_kept"]
    assert (await CRMClient(customer_token=slots["customer_token"]).order(PLACED))["status"] == "placed"


def test_addresses_are_read_in_the_ways_customers_write_them():
    assert parse_address("Calle Mayor 5, 28013 Madrid", "ES") == {
        "line1": "Calle Mayor 5", "postal_code": "28013", "city": "Madrid", "country": "ES"}
    assert parse_address("12 High Street, Flat 2, SW1A 1AA London", "GB") == {
        "line1": "12 High Street", "line2": "Flat 2", "postal_code": "SW1A 1AA", "city": "London", "country": "GB"}
    assert parse_address("Hauptstraße 12, Berlin, 10115", "DE")["city"] == "Berlin"
    assert format_address(parse_address("14 Elm Road, Manchester M14 5TP", "GB")) == "14 Elm Road, Manchester M14 5TP"
    assert format_address(parse_address("Calle Mayor 5, 28013 Madrid", "ES")) == "Calle Mayor 5, 28013 Madrid"
    assert parse_address("somewhere nice", "GB") is None
    assert parse_address("Madrid", "ES") is None


async def test_new_address_is_confirmed_then_saved_in_the_crm(domain):
    number = scenarios.DE.order("placed").number
    answer = await CRMClient().verify(number, scenarios.DE.email)
    slots = {"customer_token": answer["customer_token"], "verified": True, "order_number": number}
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, set_now={"address": "Hauptstraße 12, 10115 Berlin"},
                           active_loop="change_address_form")
    events = slot_events(await ValidateChangeAddressForm().run(dispatcher, tracker, domain))
    assert events["address"] == "Hauptstraße 12, 10115 Berlin" and events["requested_slot"] == "confirm_address"
    dispatcher = CollectingDispatcher()
    await ActionChangeAddress().run(dispatcher, make_tracker({**slots, "address": events["address"],
                                                              "confirm_address": True}), {})
    assert responses(dispatcher) == ["utter_address_changed"]
    order = await CRMClient(customer_token=answer["customer_token"]).order(number)
    assert order["shipping_address"]["line1"] == "Hauptstraße 12"
    assert order["shipping_address"]["postal_code"] == "10115"


async def test_address_of_a_shipped_order_cannot_be_changed(domain):
    slots = await verified_slots()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(slots, set_now={"order_number": SHIPPED}, active_loop="change_address_form")
    events = slot_events(await ValidateChangeAddressForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_address_not_changeable"] and events["task_blocked"] is True


async def test_crm_down_gives_a_plain_message_not_silence(domain, monkeypatch):
    from tests.support.stack import free_port
    monkeypatch.setenv("CRM_URL", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"order_number": PLACED}, set_now={"email": EN.email}, active_loop="order_status_form")
    events = slot_events(await ValidateOrderStatusForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_crm_unavailable_read", "utter_try_again_later"]
    assert events["task_blocked"] is True and events["requested_slot"] is None
    dispatcher = CollectingDispatcher()
    await ActionCancelOrder().run(dispatcher, make_tracker({"customer_token": "x", "verified": True,
                                                             "order_number": PLACED, "confirm_cancel": True}), {})
    assert responses(dispatcher) == ["utter_crm_unavailable_write", "utter_try_again_later"]


async def test_website_token_verifies_the_customer_once(crm_stack, domain):
    exp = int(time.time()) + 600
    token = jwt.encode({"sub": EN.email, "exp": exp}, crm_stack.env["SHOP_SIGNING_SECRET"], algorithm="HS256")
    action = ActionValidateSlotMappings()
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(metadata={"customer_token": token})
    events = slot_events(await action.run(dispatcher, tracker, domain))
    assert events["verified"] is True and events["customer_token"] and events["site_token_hash"]
    profile = await CRMClient(customer_token=events["customer_token"]).request("GET", "/me")
    assert profile["first_name"] == EN.first_name
    # a forged token verifies nobody
    forged = jwt.encode({"sub": EN.email, "exp": exp}, "not-the-shop-secret-0123456789abcdef", algorithm="HS256")
    events = slot_events(await action.run(CollectingDispatcher(), make_tracker(metadata={"customer_token": forged}),
                                          domain))
    assert not events.get("verified") and not events.get("customer_token")


async def test_address_given_before_verification_is_read_once_verified(domain):
    customer = scenarios.FR
    number = customer.order("placed").number
    dispatcher = CollectingDispatcher()
    tracker = make_tracker(set_now={"order_number": number, "address": "12 rue de la Paix, 75002 Paris"},
                           active_loop="change_address_form")
    events = slot_events(await ValidateChangeAddressForm().run(dispatcher, tracker, domain))
    assert events["requested_slot"] == "email" and responses(dispatcher) == []
    dispatcher = CollectingDispatcher()
    tracker = make_tracker({"order_number": number, "address": "12 rue de la Paix, 75002 Paris"},
                           set_now={"email": customer.email}, active_loop="change_address_form")
    events = slot_events(await ValidateChangeAddressForm().run(dispatcher, tracker, domain))
    assert responses(dispatcher) == ["utter_verified"]
    assert events["address"] == "12 rue de la Paix, 75002 Paris" and events["requested_slot"] == "confirm_address"


async def test_repeated_wrong_emails_lock_the_order_and_the_customer_is_told_how_long(domain):
    number = scenarios.UNKNOWN_ORDER_NUMBER  # its own failure count: no other test uses it
    said: list[str] = []
    for attempt in range(6):
        dispatcher = CollectingDispatcher()
        tracker = make_tracker({"order_number": number}, set_now={"email": f"guess{attempt}@example.com"},
                               active_loop="order_status_form")
        events = slot_events(await ValidateOrderStatusForm().run(dispatcher, tracker, domain))
        said += responses(dispatcher)
    # the fifth failure locks the order (VERIFICATION_MAX_FAILURES=5); later attempts stay locked
    assert said == ["utter_verification_failed"] * 4 + ["utter_verification_locked"] * 2
    assert 1 <= dispatcher.messages[0]["minutes"] <= 15
    assert events["task_blocked"] is True and events["requested_slot"] is None
