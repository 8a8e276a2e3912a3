import pytest

from bot.language import LanguageDetector, LanguageRequest, detect_language


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return LanguageDetector(["en", "es", "de", "fr"])


@pytest.mark.parametrize("text, language", [
    ("Where is my order? I ordered it last week.", "en"),
    ("¿Dónde está mi pedido? Lo pedí la semana pasada.", "es"),
    ("Wo ist meine Bestellung? Ich habe sie letzte Woche bestellt.", "de"),
    ("Où est ma commande ? Je l'ai commandée la semaine dernière.", "fr"),
    ("wo ist mein paket", "de"),
    ("merci", "fr"),
    ("gracias", "es"),
])
def test_messages_are_detected_among_the_configured_languages(detector, text, language):
    assert detector.detect(text) == language


@pytest.mark.parametrize("text", ["ok", "OK!", "482913", "#482913", "T10234", "ok 482913", "👍", "?", "hi",
                                  "https://shop.example/orders/482913", "anna@example.com"])
@pytest.mark.parametrize("current", ["es", "de", "fr"])
def test_text_without_language_keeps_the_conversation_language(detector, text, current):
    assert detector.detect(text, current) == current


def test_without_a_conversation_language_ambiguous_text_is_english(detector):
    assert detector.detect("482913") == "en"


def test_a_short_word_shared_by_languages_does_not_switch(detector):
    # lingua alone rates "sure" as French; in an English conversation it is English.
    assert detector.detect("sure", "en") == "en"
    assert detector.detect("super danke", "de") == "de"


def test_a_full_sentence_in_another_language_switches(detector):
    assert detector.detect("Ich möchte meine Bestellung stornieren, bitte.", "en") == "de"
    assert detector.detect("Je voudrais annuler ma commande, s'il vous plaît.", "es") == "fr"


def test_unknown_conversation_languages_are_ignored(detector):
    assert detector.detect("482913", "xx") == "en"


@pytest.mark.parametrize("text, language, supported", [
    ("can we speak German?", "de", True),
    ("Can you answer in Spanish please", "es", True),
    ("¿hablas inglés?", "en", True),
    ("podemos hablar en espanol", "es", True),
    ("auf Deutsch bitte", "de", True),
    ("Können wir Deutsch sprechen?", "de", True),
    ("en français svp", "fr", True),
    ("Français", "fr", True),
    ("I don't speak English, do you speak Spanish?", "es", True),
    ("parlez-vous italien ?", "it", False),
])
def test_explicit_language_requests(detector, text, language, supported):
    request = detector.explicit_request(text)
    assert request is not None and (request.language, request.supported) == (language, supported)


@pytest.mark.parametrize("text", ["I don't speak English", "je ne parle pas anglais", "ich spreche kein Englisch",
                                  "the manual is in German", "I ordered a Spanish dictionary",
                                  "where is my order"])
def test_mentions_of_a_language_that_are_not_requests(detector, text):
    assert detector.explicit_request(text) is None


def test_module_function_uses_the_configured_languages():
    assert detect_language("Wo ist meine Bestellung?") == "de"
    assert detect_language("482913", "fr") == "fr"


def test_a_button_payload_carries_no_language(detector):
    for payload in ("/affirm", '/inform{"ticket_category": "billing"}', "/request_human"):
        for current in ("es", "de", "fr"):
            assert detector.detect(payload, current) == current
        assert detector.explicit_request(payload) is None
    assert detector.explicit_request('/change_language{"language": "fr"}') == LanguageRequest("fr", True)
    assert detector.explicit_request('/change_language{"language": "it"}') == LanguageRequest("it", False)
