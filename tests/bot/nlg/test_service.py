"""NLGService: curated translation, else machine translation, else English with a note;
typed arguments for the locale; Rasa's variation and condition rules."""

import random
from pathlib import Path

import pytest

from bot.knowledge.base import load_knowledge_base
from bot.nlg import CuratedTranslations, NLGService, language_of
from bot.translation.cache import TranslationCache
from bot.translation.service import TranslationService
from bot.translation.settings import parse_pairs

ROOT = Path(__file__).resolve().parents[3]
RESPONSES = {
    "utter_order_status": [{"text": "Your order {order_number} is {status} and will arrive on {eta}. "
                                    "Total: {total}."}],
    "utter_confirm_cancel": [{"text": "Shall I cancel order {order_number}?",
                              "buttons": [{"title": "Yes, cancel it", "payload": "/affirm"},
                                          {"title": "No", "payload": "/deny"}]}],
    "utter_greet": [
        {"text": "Welcome back, {first_name}!", "condition": [{"type": "slot", "name": "verified", "value": True}]},
        {"text": "Hello!"},
    ],
    "utter_channel": [{"text": "Web text", "channel": "socketio"}, {"text": "Any channel"}],
    "utter_uncurated": [{"text": "Your parcel {order_number} is on its way."}],
    "utter_kb_answer": [{"text": "{kb_title}: {kb_answer}"}],
    "utter_image": [{"text": "Here it is", "image": "https://shop.example/{order_number}.png"}],
}
ES = """
language: es
notes: {english_only: "(Solo en inglés.)"}
enums:
  order_status: {shipped: enviado}
responses:
  utter_order_status:
    - text: "Su pedido {order_number} está {status} y llegará el {eta}. Total: {total}."
  utter_confirm_cancel:
    - text: "¿Cancelo el pedido {order_number}?"
      buttons: ["Sí, cancélelo", "No"]
  utter_greet:
    - text: "¡Hola de nuevo, {first_name}!"
    - text: "¡Hola!"
"""


@pytest.fixture(scope="module")
def curated(tmp_path_factory) -> CuratedTranslations:
    directory = tmp_path_factory.mktemp("translations")
    (directory / "es.yml").write_text(ES)
    (directory / "en.yml").write_text("language: en\nenums:\n  order_status: {shipped: shipped, placed: received}\n")
    return CuratedTranslations.load(directory)


def tracker(language=None, metadata_language=None, **slots):
    return {"slots": {"language": language, **slots},
            "latest_message": {"metadata": {"language": metadata_language} if metadata_language else {}}}


ARGS = {"order_number": "482913", "status": {"type": "enum", "name": "order_status", "value": "shipped"},
        "eta": {"type": "date", "value": "2026-11-25"}, "total": {"type": "money", "amount": "1234.5",
                                                                   "currency": "EUR"}}


def nlg(curated, translator=None, **kwargs) -> NLGService:
    return NLGService(RESPONSES, curated, ["en", "es", "de", "fr", "xx"], translator=translator,
                      rng=random.Random(0), **kwargs)


def test_the_language_comes_from_the_slot_then_the_message_metadata():
    languages = ["en", "es", "de"]
    assert language_of(tracker("es", "de"), languages) == "es"
    assert language_of(tracker(None, "de-AT"), languages) == "de"
    assert language_of(tracker("klingon", None), languages) == "en"
    assert language_of({}, languages) == "en"


def test_a_language_switched_with_this_message_or_during_this_turn_wins_over_the_slot():
    languages = ["en", "es", "de", "fr"]
    user = {"event": "user", "text": "hi"}
    # The gateway switched to French with this message; its slot update has not reached Rasa yet.
    picked = {"slots": {"language": "de"}, "events": [user],
              "latest_message": {"metadata": {"language": "fr", "language_switched": True}}}
    assert language_of(picked, languages) == "fr"
    # No switch with this message: the slot (e.g. set by action_change_language before) stays.
    assert language_of({**picked, "latest_message": {"metadata": {"language": "fr"}}}, languages) == "de"
    # action_change_language set the slot after the message: that is the newest choice.
    changed = {**picked, "events": [user, {"event": "slot", "name": "language", "value": "es"}]}
    assert language_of(changed, languages) == "es"


async def test_english_is_the_domain_template_with_typed_values_for_english(curated):
    rendered = await nlg(curated).render("utter_order_status", ARGS, tracker("en"), None)
    assert rendered.message == {"text": "Your order 482913 is shipped and will arrive on November 25, 2026. "
                                        "Total: €1,234.50."}
    assert (rendered.language, rendered.method) == ("en", "source")


async def test_a_curated_translation_with_values_for_the_locale(curated):
    rendered = await nlg(curated).render("utter_order_status", ARGS, tracker("es"), "rest")
    assert rendered.message["text"] == \
        "Su pedido 482913 está enviado y llegará el 25 de noviembre de 2026. Total: 1.234,50\xa0€."
    assert rendered.method == "curated"


async def test_buttons_get_curated_titles_and_keep_english_payloads(curated):
    rendered = await nlg(curated).render("utter_confirm_cancel", {"order_number": "482913"}, tracker("es"), None)
    assert rendered.message == {"text": "¿Cancelo el pedido 482913?",
                                "buttons": [{"title": "Sí, cancélelo", "payload": "/affirm"},
                                            {"title": "No", "payload": "/deny"}]}


async def test_variations_follow_rasas_conditions_and_channels(curated):
    service = nlg(curated)
    verified = await service.render("utter_greet", {}, tracker("es", verified=True, first_name="Ana"), None)
    assert verified.message["text"] == "¡Hola de nuevo, Ana!"
    anonymous = await service.render("utter_greet", {}, tracker("es", verified=False), None)
    assert anonymous.message["text"] == "¡Hola!"
    assert (await service.render("utter_channel", {}, tracker("en"), "socketio")).message["text"] == "Web text"
    assert (await service.render("utter_channel", {}, tracker("en"), "rest")).message["text"] == "Any channel"


async def test_without_curated_translation_or_model_english_comes_with_a_note(curated):
    rendered = await nlg(curated).render("utter_uncurated", {"order_number": "482913"}, tracker("es"), None)
    assert rendered.message["text"] == "Your parcel 482913 is on its way.\n(Solo en inglés.)"
    assert rendered.method == "english_fallback"
    # A language without a curated file gets the English note.
    other = await nlg(curated).render("utter_uncurated", {"order_number": "482913"}, tracker("xx"), None)
    assert other.message["text"].endswith("(This reply is only available in English.)")


async def test_machine_translation_fills_values_after_translating_the_template(curated, models_dir):
    translator = TranslationService(parse_pairs("en-xx:marian:tiny-marian-en-xx"), models_dir=models_dir,
                                    cache=TranslationCache(64), timeout_s=30)
    service = nlg(curated, translator)
    rendered = await service.render("utter_confirm_cancel", {"order_number": "482913"}, tracker("xx"), None)
    assert rendered.method == "machine" and rendered.language == "xx"
    # The tiny model's words are random; the order number is exact and payloads are untouched.
    assert "482913" in rendered.message["text"]
    assert rendered.message["text"] != "Shall I cancel order 482913?"
    assert [b["payload"] for b in rendered.message["buttons"]] == ["/affirm", "/deny"]
    # The template, not the filled text, was translated: another order number is a cache hit.
    hits = translator.cache.hits["memory"]
    again = await service.render("utter_confirm_cancel", {"order_number": "777777"}, tracker("xx"), None)
    assert translator.cache.hits["memory"] > hits
    assert again.message["text"] == rendered.message["text"].replace("482913", "777777")


async def test_a_timed_out_translation_answers_in_english_with_a_note(curated, models_dir):
    translator = TranslationService(parse_pairs("en-xx:marian:tiny-marian-en-xx"), models_dir=models_dir,
                                    cache=TranslationCache(0), timeout_s=1e-9)
    rendered = await nlg(curated, translator).render("utter_uncurated", {"order_number": "482913"}, tracker("xx"),
                                                     None)
    assert rendered.method == "english_fallback"
    assert rendered.message["text"].startswith("Your parcel 482913 is on its way.")


@pytest.mark.parametrize("language, date, money, moment", [
    ("en", "November 25, 2026", "€49.90", "November 25, 2026, 3:00\u202fPM"),
    ("de", "25. November 2026", "49,90\xa0€", "25. November 2026, 15:00"),
    ("fr", "25 novembre 2026", "49,90\xa0€", "25 novembre 2026, 15:00"),
    ("es", "25 de noviembre de 2026", "49,90\xa0€", "25 de noviembre de 2026, 15:00"),
])
async def test_dates_and_money_are_written_for_the_locale(curated, language, date, money, moment):
    responses = {"utter_x": [{"text": "{d}|{m}|{t}"}]}
    service = NLGService(responses, CuratedTranslations(), ["en", "es", "de", "fr"], timezone="Europe/Berlin")
    arguments = {"d": {"type": "date", "value": "2026-11-25"},
                 "m": {"type": "money", "amount": "49.90", "currency": "EUR"},
                 "t": {"type": "datetime", "value": "2026-11-25T14:00:00Z"}}
    rendered = await service.render("utter_x", arguments, tracker(language), None)
    assert rendered.message["text"].split("|") == [date, money, moment]


async def test_malformed_typed_values_show_their_raw_value_instead_of_failing(curated):
    arguments = {**ARGS, "eta": {"type": "date", "value": "soon"},
                 "total": {"type": "money", "amount": "lots"},
                 "status": {"type": "enum", "name": "order_status", "value": "teleported"}}
    rendered = await nlg(curated).render("utter_order_status", arguments, tracker("es"), None)
    assert rendered.message["text"] == "Su pedido 482913 está teleported y llegará el soon. Total: lots."


async def test_enum_labels_fall_back_to_english(curated):
    arguments = {**ARGS, "status": {"type": "enum", "name": "order_status", "value": "placed"}}
    rendered = await nlg(curated).render("utter_order_status", arguments, tracker("es"), None)
    assert "está received" in rendered.message["text"]


async def test_knowledge_base_answers_are_inserted_in_the_customers_language(curated):
    service = nlg(curated, knowledge_base=load_knowledge_base(ROOT / "data" / "knowledge_base"))
    rendered = await service.render("utter_kb_answer", {"kb_id": "shipping_costs"}, tracker("de"), None)
    assert rendered.message["text"].startswith("Versandkosten: Der Standardversand kostet 4,90 €")


async def test_strings_in_other_fields_are_filled_and_unknown_responses_raise(curated):
    rendered = await nlg(curated).render("utter_image", {"order_number": "482913"}, tracker("en"), None)
    assert rendered.message["image"] == "https://shop.example/482913.png"
    with pytest.raises(KeyError):
        await nlg(curated).render("utter_nope", {}, tracker("en"), None)


def test_the_synchronous_english_render_of_the_former_module():
    from bot.nlg import fill, render

    message = render("utter_confirm_cancel", {"order_number": 482913}, tracker("es"), None, RESPONSES)
    assert message["text"] == "Shall I cancel order 482913?"
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]
    assert fill("{n} of {m}", {"n": 1}) == "1 of {m}"
    with pytest.raises(KeyError):
        render("utter_nope", {}, {}, None, RESPONSES)
