"""prepare_inbound: what Rasa receives and in which language the bot answers."""

import pytest

from bot.language import LanguageService
from bot.translation.cache import TranslationCache
from bot.translation.service import TranslationService
from bot.translation.settings import parse_pairs


@pytest.fixture(scope="module")
def native() -> LanguageService:
    return LanguageService(["en", "es", "de", "fr"], ["en", "es", "de", "fr"], TranslationService([]))


async def test_native_languages_go_to_rasa_as_written(native):
    inbound = await native.prepare_inbound("¿Dónde está mi pedido 482913?", "en")
    assert (inbound.text_for_rasa, inbound.language, inbound.switched) == ("¿Dónde está mi pedido 482913?", "es", True)
    assert inbound.original_text is None
    assert inbound.rasa_metadata() == {"language": "es", "language_switched": True}


async def test_an_order_number_keeps_the_conversation_language(native):
    inbound = await native.prepare_inbound("482913", "de")
    assert (inbound.language, inbound.switched, inbound.text_for_rasa) == ("de", False, "482913")


async def test_a_button_payload_keeps_the_language_and_goes_to_rasa_untouched(native):
    for payload in ('/inform{"ticket_category": "billing"}', "/affirm", "/request_human"):
        inbound = await native.prepare_inbound(payload, "es")
        assert (inbound.language, inbound.switched, inbound.text_for_rasa) == ("es", False, payload)
        assert inbound.rasa_metadata() == {"language": "es"}
    chosen = await native.prepare_inbound('/change_language{"language": "de"}', "es")
    assert (chosen.language, chosen.switched) == ("de", True)


async def test_a_button_payload_is_never_pivot_translated(models_dir):
    translator = TranslationService(parse_pairs("it-en:marian:tiny-marian-it-en"), models_dir=models_dir,
                                    cache=TranslationCache(16), timeout_s=30)
    service = LanguageService(["en", "es", "de", "fr", "it"], ["en", "es", "de", "fr"], translator)
    inbound = await service.prepare_inbound('/inform{"ticket_category": "billing"}', "it")
    assert (inbound.language, inbound.text_for_rasa, inbound.original_text) == (
        "it", '/inform{"ticket_category": "billing"}', None)


async def test_the_widget_picker_or_metadata_language_wins(native):
    inbound = await native.prepare_inbound("where is my order", "en", requested_language="fr-CA")
    assert (inbound.language, inbound.text_language, inbound.switched) == ("fr", "en", True)
    ignored = await native.prepare_inbound("where is my order", "en", requested_language="klingon")
    assert ignored.language == "en"


async def test_an_explicit_request_switches_even_when_written_in_another_language(native):
    inbound = await native.prepare_inbound("Can we speak German?", "en")
    assert (inbound.language, inbound.text_language, inbound.switched) == ("de", "en", True)
    assert inbound.text_for_rasa == "Can we speak German?"


async def test_a_request_for_a_language_we_do_not_speak_is_reported_not_followed(native):
    inbound = await native.prepare_inbound("Parlez-vous italien ?", "fr")
    assert inbound.language == "fr"
    assert inbound.request is not None and (inbound.request.language, inbound.request.supported) == ("it", False)


async def test_other_languages_are_pivot_translated_into_english(models_dir):
    translator = TranslationService(parse_pairs("it-en:marian:tiny-marian-it-en"), models_dir=models_dir,
                                    cache=TranslationCache(16), timeout_s=30)
    service = LanguageService(["en", "es", "de", "fr", "it"], ["en", "es", "de", "fr"], translator)
    text = "Buongiorno, dov'è il mio ordine 482913? Non è ancora arrivato."
    inbound = await service.prepare_inbound(text, None)
    assert inbound.language == "it" and inbound.text_language == "it"
    assert inbound.original_text == text and inbound.original_language == "it"
    assert inbound.text_for_rasa != text and "482913" in inbound.text_for_rasa  # random model, values intact
    assert inbound.rasa_metadata() == {"language": "it", "language_switched": True, "original_text": text,
                                       "original_language": "it"}


async def test_without_a_model_the_message_goes_untranslated_with_a_note(caplog):
    service = LanguageService(["en", "it"], ["en"], TranslationService([]))
    assert "no NLU data and no translation model" in caplog.text
    inbound = await service.prepare_inbound("Buongiorno, dov'è il mio ordine? Non è ancora arrivato.", "it")
    assert inbound.language == "it" and inbound.original_text is None
    assert inbound.text_for_rasa.startswith("Buongiorno") and "no translation engine for it->en" in inbound.note
