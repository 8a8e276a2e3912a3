"""Orders: status, cancellation and a new delivery address (verified customers only)."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    SafeAction,
    crm_for,
    date,
    enum,
    first,
    money,
    request_key,
    reset_task,
)
from actions.crm import CRMError
from actions.forms import Slots, VerifiedFormValidation

logger = logging.getLogger(__name__)

PREPARING = ("placed", "processing", "packed")
ON_THE_WAY = ("shipped", "out_for_delivery")


def status(order: dict) -> dict:
    return enum("order_status", order.get("status"))


# --- status ---------------------------------------------------------------------------
class ValidateOrderStatusForm(VerifiedFormValidation):
    def name(self) -> str:
        return "validate_order_status_form"


def utter_order_status(dispatcher: CollectingDispatcher, order: dict) -> None:
    number, state = order["number"], order.get("status")
    if state in PREPARING:
        dispatcher.utter_message(response="utter_order_status_preparing", order_number=number, status=status(order))
    elif state in ON_THE_WAY:
        dispatcher.utter_message(response="utter_order_status_shipped", order_number=number, status=status(order),
                                 carrier=order.get("carrier") or "", tracking_number=order.get("tracking_number") or "")
        if order.get("tracking_url"):
            dispatcher.utter_message(response="utter_order_tracking_link", tracking_url=order["tracking_url"])
    elif state == "delivered":
        dispatcher.utter_message(response="utter_order_status_delivered", order_number=number,
                                 delivered_at=date(order.get("delivered_at")))
    elif state == "cancelled":
        dispatcher.utter_message(response="utter_order_status_cancelled", order_number=number)
    else:
        dispatcher.utter_message(response="utter_order_status_other", order_number=number, status=status(order))
    if state in PREPARING + ON_THE_WAY and order.get("estimated_delivery"):
        dispatcher.utter_message(response="utter_order_eta", estimated_delivery=date(order["estimated_delivery"]))


class ActionOrderStatus(SafeAction):
    def name(self) -> str:
        return "action_order_status"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> list[EventType]:
        number = tracker.get_slot("order_number")
        if not tracker.get_slot("task_blocked") and number and tracker.get_slot("verified"):
            utter_order_status(dispatcher, await crm_for(tracker).order(number))
        return reset_task()


# --- cancel ---------------------------------------------------------------------------
def utter_cancel_refused(dispatcher: CollectingDispatcher, order: dict) -> None:
    number, state = order["number"], order.get("status")
    if state in ON_THE_WAY:
        name = "utter_cancel_refused_shipped"
    elif state == "delivered":
        name = "utter_cancel_refused_delivered"
    elif state == "cancelled":
        name = "utter_cancel_refused_already"
    else:
        name = "utter_cancel_refused_other"
    dispatcher.utter_message(response=name, order_number=number, status=status(order))


class ValidateCancelOrderForm(VerifiedFormValidation):
    task_slots = ("confirm_cancel",)

    def name(self) -> str:
        return "validate_cancel_order_form"

    async def check_order(self, order: dict, dispatcher: CollectingDispatcher, tracker: Tracker) -> Slots:
        if (order.get("allowed") or {}).get("cancel"):
            return {}
        utter_cancel_refused(dispatcher, order)
        return {"task_blocked": True}


class ActionAskConfirmCancel(Action):
    def name(self) -> str:
        return "action_ask_confirm_cancel"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[EventType]:
        number = tracker.get_slot("order_number")
        try:
            order = await crm_for(tracker).order(number)
        except Exception as exc:  # the plain question still lets the customer answer
            logger.warning("order details for the cancel question not available: %s", exc)
            dispatcher.utter_message(response="utter_ask_confirm_cancel_plain", order_number=number)
            return []
        dispatcher.utter_message(response="utter_ask_confirm_cancel", order_number=number,
                                 item_count=order.get("item_count") or len(order.get("items") or []),
                                 total=money(order.get("total")), status=status(order))
        return []


class ActionCancelOrder(SafeAction):
    writes = True

    def name(self) -> str:
        return "action_cancel_order"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> list[EventType]:
        number = tracker.get_slot("order_number")
        if tracker.get_slot("task_blocked") or not number:
            return reset_task()
        if tracker.get_slot("confirm_cancel") is not True:
            dispatcher.utter_message(response="utter_cancel_kept", order_number=number)
            return reset_task()
        try:
            order = await crm_for(tracker).cancel_order(number, "cancelled by the customer through the assistant",
                                                        request_key(tracker, f"cancel:{number}"))
        except CRMError as exc:
            if exc.code == "order_not_cancellable":  # it moved on while we were talking
                utter_cancel_refused(dispatcher, {"number": number, "status": exc.detail.get("status")})
                return reset_task()
            raise
        dispatcher.utter_message(response="utter_order_cancelled", order_number=number, total=money(order.get("total")))
        return reset_task()


# --- change address -------------------------------------------------------------------
UK_POSTCODE = r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{2}"
POSTCODE = re.compile(rf"\b({UK_POSTCODE}|\d{{4,5}})\b")
LEAD_IN = re.compile(r"^.*?(?:\b(?:is|to|es|ist|est|a|à|nach|sera)\b\s*:?|:)\s*(?=\S*\d)", re.IGNORECASE)


def parse_address(text: str, country: str) -> dict | None:
    """'12 High Street, SW1A 1AA London' / 'Calle Mayor 5, piso 3, 28013 Madrid' ->
    {line1, line2?, postal_code, city, country}; None when street, postcode or city is missing.
    The country stays the order's (the shop delivers within the order's country)."""
    text = " ".join(str(text or "").split()).strip(" .!")
    if "," not in text:
        return None
    if LEAD_IN.match(text) and not re.match(r"^\S*\d", text):
        text = LEAD_IN.sub("", text, count=1)
    parts = [part.strip() for part in text.split(",") if part.strip()]
    postcode_index = next((i for i, part in enumerate(parts) if i > 0 and POSTCODE.search(part)), None)
    if postcode_index is None or not re.search(r"\d", parts[0]) or not re.search(r"[^\W\d_]{2}", parts[0]):
        return None
    match = POSTCODE.search(parts[postcode_index])
    postal_code = match[1].upper()
    city = (parts[postcode_index][:match.start()] + parts[postcode_index][match.end():]).strip(" -")
    middle = parts[1:postcode_index]
    if not city and postcode_index + 1 < len(parts):
        city = parts[postcode_index + 1]
    elif not city and middle:  # "Hauptstraße 12, Berlin, 10115"
        city = middle.pop()
    if not re.search(r"[^\W\d_]{2}", city or ""):
        return None
    address = {"line1": parts[0][:200], "postal_code": postal_code, "city": city[:100], "country": country}
    if middle:
        address["line2"] = ", ".join(middle)[:200]
    return address


# Countries that write the postcode after the city ("Manchester M14 5TP").
POSTCODE_AFTER_CITY = {"GB", "IE", "US", "CA"}


def format_address(address: dict) -> str:
    middle = f"{address['line2']}, " if address.get("line2") else ""
    if address.get("country") in POSTCODE_AFTER_CITY:
        return f"{address['line1']}, {middle}{address['city']} {address['postal_code']}"
    return f"{address['line1']}, {middle}{address['postal_code']} {address['city']}"


class ValidateChangeAddressForm(VerifiedFormValidation):
    task_slots = ("address", "confirm_address")

    def name(self) -> str:
        return "validate_change_address_form"

    async def check_order(self, order: dict, dispatcher: CollectingDispatcher, tracker: Tracker) -> Slots:
        if (order.get("allowed") or {}).get("change_address"):
            return {}
        dispatcher.utter_message(response="utter_address_not_changeable", order_number=order["number"],
                                 status=status(order))
        return {"task_blocked": True}

    async def after_verification(self, crm, dispatcher: CollectingDispatcher, tracker: Tracker) -> Slots:
        slots = await super().after_verification(crm, dispatcher, tracker)
        tracker.slots.update(slots)
        if tracker.slots.get("address") and slots.get("order_number") and not slots.get("task_blocked"):
            slots.update(await self.validate_address(tracker.slots["address"], dispatcher, tracker, {}))
        return slots

    async def validate_address(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: dict) -> Slots:
        number = tracker.slots.get("order_number")
        if not number or not tracker.slots.get("verified"):
            return {"address": first(value)}  # kept as written; read once we know whose order it is
        order = await crm_for(tracker).order(number)
        country = (order.get("shipping_address") or {}).get("country") or "GB"
        address = parse_address(first(value), country)
        if address is None:
            dispatcher.utter_message(response="utter_address_not_understood")
            return {"address": None}
        return {"address": format_address(address)}


class ActionChangeAddress(SafeAction):
    writes = True

    def name(self) -> str:
        return "action_change_address"

    async def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                      domain: dict[str, Any]) -> list[EventType]:
        number, text = tracker.get_slot("order_number"), tracker.get_slot("address")
        if tracker.get_slot("task_blocked") or not number or not text:
            return reset_task()
        if tracker.get_slot("confirm_address") is not True:
            dispatcher.utter_message(response="utter_address_kept", order_number=number)
            return reset_task()
        crm = crm_for(tracker)
        order = await crm.order(number)
        address = parse_address(text, (order.get("shipping_address") or {}).get("country") or "GB")
        try:
            await crm.change_address(number, address, request_key(tracker, f"address:{number}"))
        except CRMError as exc:
            if exc.code == "address_not_changeable":
                dispatcher.utter_message(response="utter_address_not_changeable", order_number=number,
                                         status=enum("order_status", exc.detail.get("status") or order["status"]))
                return reset_task()
            if exc.status == 422:
                dispatcher.utter_message(response="utter_address_rejected")
                return reset_task()
            raise
        dispatcher.utter_message(response="utter_address_changed", order_number=number, address=text)
        return reset_task()
