"""The /nlg route Rasa calls, through the gateway app and its lifespan."""

import pytest

from tests.bot.conftest import SERVICE_TOKEN

AUTH = {"Authorization": f"Bearer {SERVICE_TOKEN}"}


def body(language=None, response="utter_greet", **extra):
    return {"response": response, "arguments": {}, "channel": {"name": "gateway"},
            "tracker": {"sender_id": "s1", "slots": {"language": language}, "latest_message": {"metadata": {}}},
            **extra}


def test_rasa_gets_the_response_in_the_conversation_language(gateway):
    reply = gateway.post("/nlg", json=body("de"), headers=AUTH)
    assert reply.status_code == 200
    assert reply.json()["text"].startswith("Hallo! Ich bin der virtuelle Assistent des Shops.")
    assert gateway.post("/nlg", json=body(None), headers=AUTH).json()["text"].startswith("Hi! I'm the shop's")


def test_the_metadata_language_is_used_before_the_slot_is_set(gateway):
    payload = body(None)
    payload["tracker"]["latest_message"]["metadata"] = {"language": "fr"}
    assert gateway.post("/nlg", json=payload, headers=AUTH).json()["text"].startswith("Bonjour !")


def test_callers_without_the_service_token_are_refused(gateway):
    assert gateway.post("/nlg", json=body("es")).status_code == 401
    assert gateway.post("/nlg", json=body("es"), headers={"Authorization": "Bearer wrong"}).status_code == 401


def test_bad_requests_get_precise_errors(gateway):
    assert gateway.post("/nlg", json=body("es", response="utter_nope"), headers=AUTH).status_code == 404
    assert gateway.post("/nlg", json={"arguments": {}}, headers=AUTH).status_code == 422
    assert gateway.post("/nlg", json=body("es", arguments=[1]), headers=AUTH).status_code == 422


@pytest.fixture
def broken_translations(monkeypatch, tmp_path):
    directory = tmp_path / "translations"
    directory.mkdir()
    (directory / "de.yml").write_text("language: de\nresponses: [\n")
    monkeypatch.setenv("NLG_TRANSLATIONS_DIR", str(directory))


def test_a_broken_translation_file_leaves_the_gateway_answering(broken_translations, gateway):
    reply = gateway.post("/nlg", json=body("de"), headers=AUTH)
    assert reply.status_code == 200
    assert reply.json()["text"].startswith("Hi! I'm the shop's")
    assert reply.json()["text"].endswith("(This reply is only available in English.)")
