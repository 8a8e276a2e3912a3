"""Language of customer messages: detection, explicit switches, inbound pivot translation."""

from functools import lru_cache

from bot.language.detection import LanguageDetector, LanguageRequest
from bot.language.inbound import Inbound, LanguageService
from bot.language.settings import LanguageSettings

__all__ = ["Inbound", "LanguageDetector", "LanguageRequest", "LanguageService", "LanguageSettings",
           "detect_language"]


@lru_cache(maxsize=1)
def _default_detector() -> LanguageDetector:
    return LanguageDetector(LanguageSettings().language_list)


def detect_language(text: str, current: str | None = None) -> str:
    """The message's language among LANGUAGES; short or ambiguous text keeps `current`.
    (The gateway uses `app.state.language.detect`, the same detector built at start.)"""
    return _default_detector().detect(text, current)
