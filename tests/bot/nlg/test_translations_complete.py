"""Every response of the domain has a curated Spanish, German and French translation
whose {fields} and buttons match the English template."""

from pathlib import Path

import pytest

from bot.nlg import CuratedTranslations, load_domain_responses
from bot.nlg.translations import TranslationFileError

ROOT = Path(__file__).resolve().parents[3]
CURATED = ("es", "de", "fr")


@pytest.fixture(scope="module")
def translations() -> CuratedTranslations:
    return CuratedTranslations.load(ROOT / "data" / "translations")


# What the gateway says itself (agent joined, rating request...), in the domain's format.
GATEWAY_RESPONSES = ROOT / "bot" / "conversations" / "responses.yml"


def test_every_response_has_a_curated_translation_in_spanish_german_and_french(translations):
    responses = load_domain_responses(ROOT / "domain.yml")
    assert responses, "domain.yml has no responses"
    if GATEWAY_RESPONSES.exists():
        responses.update(load_domain_responses(GATEWAY_RESPONSES))
    assert translations.check(responses, list(CURATED)) == []


def test_every_enum_value_of_the_interfaces_has_an_english_label(translations):
    english = translations.packs["en"].enums
    assert set(english["order_status"]) == {"placed", "processing", "packed", "shipped", "out_for_delivery",
                                            "delivered", "cancelled", "return_requested", "returned", "refunded"}
    assert set(english["ticket_status"]) == {"open", "pending", "on_hold", "solved", "closed"}
    assert set(english["ticket_category"]) == {"return", "refund", "damaged_item", "missing_item", "wrong_item",
                                               "delivery", "billing", "account", "product", "complaint", "other"}
    assert set(english["priority"]) == {"low", "normal", "high", "urgent"}


def test_the_check_finds_what_would_reach_a_customer_wrong(tmp_path):
    (tmp_path / "en.yml").write_text("language: en\nenums:\n  order_status: {shipped: shipped, placed: placed}\n")
    (tmp_path / "es.yml").write_text(
        "language: es\n"
        "enums:\n  order_status: {shipped: enviado}\n"
        "responses:\n"
        "  utter_status:\n    - text: 'Su pedido {order} está {estado}.'\n"
        "  utter_confirm:\n    - text: '¿Seguro?'\n      buttons: ['Sí']\n"
        "  utter_two:\n    - text: 'Uno'\n")
    responses = {
        "utter_status": [{"text": "Your order {order} is {status}."}],
        "utter_confirm": [{"text": "Sure?", "buttons": [{"title": "Yes", "payload": "/affirm"},
                                                        {"title": "No", "payload": "/deny"}]}],
        "utter_two": [{"text": "One"}, {"text": "Another one"}],
        "utter_missing": [{"text": "Nobody translated me."}],
    }
    problems = CuratedTranslations.load(tmp_path).check(responses, ["es", "de"])
    assert set(problems) == {
        "es: utter_status[0] placeholders ['estado', 'order'] differ from English ['order', 'status']",
        "es: utter_confirm[0] has 1 button titles, English has 2",
        "es: utter_two has 1 variations, English has 2",
        "es: utter_missing has no translation",
        "es: enum order_status.placed has no label",
        "de: no data/translations/de.yml",
    }
    assert len(problems) == 6


def test_a_file_for_the_wrong_language_is_refused(tmp_path):
    (tmp_path / "es.yml").write_text("language: de\n")
    with pytest.raises(TranslationFileError, match="does not match"):
        CuratedTranslations.load(tmp_path)
