"""The path of one customer message: gateway -> Rasa -> NLG (gateway) -> reply."""

import pytest

from tests.support.stack import http_json


def test_greeting_goes_through_rasa_and_the_nlg_endpoint(stack):
    status, messages = http_json("POST", stack.url("gateway") + "/webhooks/rest/webhook",
                                 {"sender": "e2e-greeting", "message": "hi"})
    assert status == 200
    assert messages and "assistant" in messages[0]["text"].lower()
    # The text came from the NLG endpoint, which Rasa called with the gateway's token.
    assert "nlg rendered utter_greet" in stack.log_tail("gateway", 400)


def test_rasa_channel_rejects_callers_without_the_token(stack):
    status, _ = http_json("POST", stack.url("rasa") + "/webhooks/gateway/webhook",
                          {"sender": "intruder", "message": "hi"})
    assert status == 401


def test_action_server_rejects_callers_without_the_token(stack):
    status, _ = http_json("POST", stack.url("actions") + "/webhook", {"next_action": "action_listen"})
    assert status == 401


def test_nlg_endpoint_rejects_callers_without_the_token(stack):
    status, _ = http_json("POST", stack.url("gateway") + "/nlg", {"response": "utter_greet"})
    assert status == 401


@pytest.mark.parametrize("body, field", [({"sender": "x"}, "message"), ({"message": "hi"}, "sender"),
                                          ({"sender": "x", "message": "a" * 5001}, "message")])
def test_rest_channel_validates_input(stack, body, field):
    status, detail = http_json("POST", stack.url("gateway") + "/webhooks/rest/webhook", body)
    assert status == 422
    assert any(field in error["loc"] for error in detail["detail"])
