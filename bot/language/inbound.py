"""What the gateway does with a customer message before Rasa sees it.

`prepare_inbound` decides the conversation's language for this turn (the widget's
picker or `metadata.language` first, then an explicit request in the text, then
detection with the "short text keeps the current language" rule) and, for a
language the NLU model is not trained on, pivot-translates the text into English,
keeping the original for the CRM and Rasa's metadata.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from bot.language.detection import LanguageDetector, LanguageRequest, is_payload
from bot.translation import TranslationService

logger = logging.getLogger(__name__)
PIVOT = "en"


@dataclass(frozen=True)
class Inbound:
    # What Rasa gets: the text as written, or its English translation.
    text_for_rasa: str
    # The conversation's language after this message (what replies are written in).
    language: str
    # Set when the text was translated for Rasa: the customer's words and their language.
    original_text: str | None
    original_language: str | None
    # `language` differs from the conversation language passed in (also on a first message).
    switched: bool
    # The language the message itself is written in (an English "can we speak German?" is "en").
    text_language: str = PIVOT
    # An explicit request found in the text, including one for a language we do not speak.
    request: LanguageRequest | None = None
    # Why a message in a non-NLU language went to Rasa untranslated (no model, timeout).
    note: str | None = None

    def rasa_metadata(self) -> dict[str, Any]:
        """The `metadata` fields of the Rasa <-> gateway contract this turn sets."""
        metadata: dict[str, Any] = {"language": self.language}
        if self.switched:
            # Replies to this message are in the new language even when the gateway's update of
            # Rasa's `language` slot has not landed yet (the NLG reads this flag).
            metadata["language_switched"] = True
        if self.original_text is not None:
            metadata["original_text"] = self.original_text
            metadata["original_language"] = self.original_language
        return metadata


class LanguageService:
    """Detection and inbound preparation, built once at gateway start."""

    def __init__(self, languages: list[str], nlu_languages: list[str],
                 translator: TranslationService | None = None) -> None:
        self.languages = languages
        self.nlu_languages = set(nlu_languages)
        self.detector = LanguageDetector(languages)
        self.translator = translator
        for code in languages:
            if code not in self.nlu_languages and not (translator and translator.supports(code, PIVOT)):
                logger.warning("language %s: no NLU data and no translation model into English; its messages "
                               "reach Rasa untranslated (configure TRANSLATION_PAIRS, see docs/TRANSLATION.md)", code)

    def normalise(self, code: str | None) -> str | None:
        """A configured language code from what a client sent ("DE", "de-AT"), else None."""
        if not isinstance(code, str):
            return None
        base = code.strip().lower().replace("_", "-").split("-")[0]
        return base if base in self.languages else None

    def detect(self, text: str, current: str | None = None) -> str:
        return self.detector.detect(text, self.normalise(current))

    def explicit_request(self, text: str) -> LanguageRequest | None:
        return self.detector.explicit_request(text)

    async def prepare_inbound(self, text: str, conversation_language: str | None,
                              requested_language: str | None = None) -> Inbound:
        current = self.normalise(conversation_language)
        text_language = self.detector.detect(text, current)
        request = self.detector.explicit_request(text)
        picked = self.normalise(requested_language)
        if picked:
            language = picked
        elif request and request.supported:
            language = request.language
        else:
            language = text_language
        switched = language != current
        if text_language in self.nlu_languages or is_payload(text):  # a button's payload is Rasa's own syntax
            return Inbound(text, language, None, None, switched, text_language, request)
        if self.translator is None:
            return Inbound(text, language, None, None, switched, text_language, request,
                           note=f"no translation from {text_language}")
        translation = await self.translator.translate(text, text_language, PIVOT)
        if not translation.translated:
            logger.warning("inbound %s message not translated for Rasa: %s", text_language, translation.note)
            return Inbound(text, language, None, None, switched, text_language, request, note=translation.note)
        return Inbound(translation.text, language, text, text_language, switched, text_language, request)
