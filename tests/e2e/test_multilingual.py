"""The translation and generation module in the running stack: Rasa asks the gateway's
NLG for every response, in the conversation's language; the action server's
knowledge search answers over HTTP with the service token."""

from tests.support.stack import http_json


def test_rasa_replies_in_the_language_of_the_message_metadata(stack):
    for language, start in (("es", "¡Hola!"), ("de", "Hallo!"), ("fr", "Bonjour !"), ("en", "Hi!")):
        status, messages = http_json("POST", stack.url("gateway") + "/webhooks/rest/webhook",
                                     {"sender": f"e2e-language-{language}", "message": "hola",
                                      "metadata": {"language": language}})
        assert status == 200
        assert messages[0]["text"].startswith(start), messages
    assert "nlg rendered utter_greet in es (curated)" in stack.log_tail("gateway", 400)


def test_knowledge_search_over_http(stack):
    url = stack.url("gateway") + "/internal/knowledge/search"
    auth = {"Authorization": f"Bearer {stack.env['GATEWAY_SERVICE_TOKEN']}"}
    status, body = http_json("POST", url, {"query": "¿Cuánto cuesta el envío?", "language": "es"}, auth, timeout=90)
    assert status == 200, body
    assert body["matches"][0]["id"] == "shipping_costs"
    assert body["matches"][0]["title"] == "Gastos de envío"
    assert body["matches"][0]["score"] >= body["threshold"]
    assert http_json("POST", url, {"query": "x", "language": "es"})[0] == 401
