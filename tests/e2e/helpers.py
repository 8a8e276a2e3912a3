"""Driving conversations through the running stack's gateway and asking the CRM what
really happened; shared by the end-to-end tests of the assistant."""

from __future__ import annotations

import uuid

from crm_backend.demo import scenarios
from tests.support.stack import http_json


class Customer:
    """A customer on the gateway's REST webhook; `says` answers the bot's texts joined by
    newlines, `last_messages` keeps the bot's messages (text, buttons) of that turn."""

    def __init__(self, stack, name: str) -> None:
        self.stack = stack
        self.sender = f"e2e-{name}-{uuid.uuid4().hex[:8]}"
        self.transcript: list[tuple[str, str]] = []
        self.last_messages: list[dict] = []

    def says(self, text: str, **metadata) -> str:
        status, messages = http_json("POST", self.stack.url("gateway") + "/webhooks/rest/webhook",
                                     {"sender": self.sender, "message": text, "metadata": metadata or None},
                                     timeout=60)
        assert status == 200, messages
        self.last_messages = messages
        reply = "\n".join(m.get("text") or "" for m in messages)
        self.transcript.append((text, reply))
        assert reply.strip(), f"the bot said nothing to {text!r}"
        assert "Traceback" not in reply and "Exception" not in reply
        return reply

    def __repr__(self) -> str:  # shown when an assertion fails
        return "\n".join(f"> {said}\n< {reply}" for said, reply in self.transcript)


def crm_order(stack, number: str, email: str) -> dict:
    """The order as the CRM holds it (verified with the actions' own service token)."""
    base, auth = stack.url("crm") + "/api/v1", {"Authorization": "Bearer " + stack.env["CRM_ACTIONS_TOKEN"]}
    status, verified = http_json("POST", base + "/verifications", {"order_number": number, "email": email}, auth)
    assert status == 200, verified
    status, order = http_json("GET", f"{base}/orders/{number}", None,
                              {**auth, "X-Customer-Token": verified["customer_token"]})
    assert status == 200, order
    return order


def staff_headers(stack) -> dict:
    status, login = http_json("POST", stack.url("crm") + "/api/v1/auth/login",
                              {"email": scenarios.ADMIN.email, "password": stack.env["DEMO_ADMIN_PASSWORD"]})
    assert status == 200, login
    return {"Authorization": "Bearer " + login["access_token"]}


def bulk_order(stack, status: str, language: str) -> tuple[str, dict]:
    """An order of the generated bulk data (not a scenario order other tests rely on) in
    `status`, of a customer writing in `language`: (order number, customer)."""
    base, headers = stack.url("crm") + "/api/v1", staff_headers(stack)
    _, orders = http_json("GET", f"{base}/orders?status={status}&limit=100", None, headers)
    for order in orders["items"]:
        if int(order["number"]) < 200000:
            continue
        _, customer = http_json("GET", f"{base}/customers/{order['customer_id']}", None, headers)
        if customer["preferred_language"] == language:
            return order["number"], customer
    raise AssertionError(f"no bulk order in status {status} for a {language} customer")
