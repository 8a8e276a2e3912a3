"""NLGService: writes one bot response in the conversation's language.

For the response Rasa asks for, the English variation is chosen as Rasa would;
then its text and button titles come from
  1. the curated translation (`data/translations/<lang>.yml`), else
  2. machine translation of the English template (the `{fields}` are protected as
     placeholders, so values are filled in afterwards and never pass through a model), else
  3. the English template with a short note.
Argument values are written for the locale (dates, money, enum labels); a
knowledge-base answer (`kb_id`) is inserted in the customer's language.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.knowledge.base import KnowledgeBase
from bot.nlg.domain import PLACEHOLDER, Responses, choose_variation, fill
from bot.nlg.translations import CuratedTranslations
from bot.nlg.values import format_value
from bot.translation import TranslationService

logger = logging.getLogger(__name__)
SOURCE = "en"
_WORDS = re.compile(r"[^\W\d_]{2,}")
COPIED_KEYS = ("image", "custom", "attachment", "elements", "quick_replies", "id")


@dataclass(frozen=True)
class Rendered:
    message: dict[str, Any]
    language: str
    # "source" (English asked for), "curated", "machine", "verbatim" (nothing to translate)
    # or "english_fallback".
    method: str


def _has_words(template: str) -> bool:
    return bool(_WORDS.search(PLACEHOLDER.sub("", template)))


def language_of(tracker: dict[str, Any], languages: list[str]) -> str:
    """The language to write in: a `language` slot set after the latest message (an action or
    the gateway switched during this turn), else the latest message's metadata.language when
    the gateway switched language with that message (its slot update may still be on the
    way), else the `language` slot, else metadata.language, else English."""
    tracker = tracker or {}
    slot = (tracker.get("slots") or {}).get("language")
    metadata = (tracker.get("latest_message") or {}).get("metadata") or {}
    set_this_turn = None
    for event in reversed(tracker.get("events") or []):
        if event.get("event") == "user":
            break
        if event.get("event") == "slot" and event.get("name") == "language":
            set_this_turn = event.get("value")
            break
    switched_with_message = metadata.get("language") if metadata.get("language_switched") else None
    for candidate in (set_this_turn, switched_with_message, slot, metadata.get("language")):
        if isinstance(candidate, str):
            code = candidate.strip().lower().replace("_", "-").split("-")[0]
            if code in languages:
                return code
    return SOURCE


class NLGService:
    def __init__(self, responses: Responses, translations: CuratedTranslations, languages: list[str], *,
                 translator: TranslationService | None = None, knowledge_base: KnowledgeBase | None = None,
                 timezone: str = "UTC", rng: random.Random | None = None) -> None:
        self.responses = responses
        self.translations = translations
        self.languages = languages
        self.translator = translator
        self.knowledge_base = knowledge_base
        try:
            self.timezone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            logger.error("NLG_TIMEZONE %r is not a time zone name; showing times in UTC", timezone)
            self.timezone = ZoneInfo("UTC")
        self.rng = rng or random.Random()

    async def render(self, name: str, arguments: dict[str, Any] | None, tracker: dict[str, Any] | None,
                     channel: str | None) -> Rendered:
        """Raises KeyError for a response the domain does not have."""
        variations = self.responses.get(name)
        if not variations:
            raise KeyError(name)
        tracker = tracker or {}
        slots = tracker.get("slots") or {}
        index = choose_variation(variations, slots, channel, self.rng)
        if index is None:
            return Rendered({}, SOURCE, "source")
        english = variations[index]
        language = language_of(tracker, self.languages)
        try:
            return await self._render(name, index, english, {**slots, **(arguments or {})}, language)
        except Exception:  # a bug in localisation must still leave the customer an answer
            logger.exception("nlg: localising %s into %s failed; answering in English", name, language)
            return await self._render(name, index, english, {**slots, **(arguments or {})}, SOURCE)

    async def _render(self, name: str, index: int, english: dict[str, Any], raw_values: dict[str, Any],
                      language: str) -> Rendered:
        values = {key: text for key, value in raw_values.items()
                  if (text := format_value(value, language, self.translations.enum_label, self.timezone)) is not None}
        if self.knowledge_base is not None and raw_values.get("kb_id"):
            values.update(await self._knowledge_values(str(raw_values["kb_id"]), language))

        english_buttons = english.get("buttons") or []
        english_titles = [button.get("title", "") for button in english_buttons]
        text, titles, method = await self._localised(name, index, english.get("text") or "", english_titles,
                                                     language)
        message: dict[str, Any] = {}
        if english.get("text") is not None:
            message["text"] = fill(text, values)
        if english_buttons:
            message["buttons"] = [
                {**button, "title": fill(title, values), "payload": fill(str(button.get("payload", "")), values)}
                for button, title in zip(english_buttons, titles, strict=True)
            ]
        for key in COPIED_KEYS:
            if english.get(key) is not None:
                message[key] = fill(english[key], values) if isinstance(english[key], str) else english[key]
        return Rendered(message, language, method)

    async def _localised(self, name: str, index: int, text: str, titles: list[str],
                         language: str) -> tuple[str, list[str], str]:
        if language == SOURCE:
            return text, titles, "source"
        if not any(_has_words(piece) for piece in [text, *titles]):
            return text, titles, "verbatim"  # only {fields} and symbols: nothing to translate
        curated = self.translations.variation(language, name, index)
        if curated is not None:
            curated_titles = curated.get("buttons") or []
            if len(curated_titles) == len(titles):
                return curated.get("text", text), [str(t) for t in curated_titles], "curated"
            logger.warning("nlg: %s.yml %s has %d button titles for %d buttons; machine-translating instead",
                           language, name, len(curated_titles), len(titles))
        if self.translator is not None and self.translator.supports(SOURCE, language):
            translated = await self.translator.translate_many([text, *titles], SOURCE, language)
            if all(t.translated or not source.strip() for t, source in zip(translated, [text, *titles],
                                                                            strict=True)):
                return translated[0].text, [t.text for t in translated[1:]], "machine"
            logger.warning("nlg: machine translation of %s into %s unavailable (%s)", name, language,
                           next((t.note for t in translated if t.note), ""))
        note = self.translations.note(language, "english_only")
        return (f"{text}\n{note}" if text else text), titles, "english_fallback"

    async def _knowledge_values(self, kb_id: str, language: str) -> dict[str, str]:
        """`{kb_title}` and `{kb_answer}` of an entry, in the customer's language."""
        entry = self.knowledge_base.get(kb_id) if self.knowledge_base else None
        if entry is None:
            logger.warning("nlg: no knowledge base entry %r", kb_id)
            return {}
        found: dict[str, str] = {}
        for key, (text, written_in) in (("kb_title", entry.title_in(language)),
                                        ("kb_answer", entry.answer_in(language))):
            if written_in != language and self.translator is not None and self.translator.supports(written_in,
                                                                                                    language):
                text = (await self.translator.translate(text, written_in, language)).text
            found[key] = text
        return found
