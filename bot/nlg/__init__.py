"""Rasa's NLG endpoint logic: every bot response, written in the conversation's language.

Contract (https://rasa.com/docs/rasa/nlg): Rasa POSTs
{"response": name, "arguments": {...}, "tracker": {...}, "channel": {"name": ...}}
and expects {"text": ..., "buttons": [...], "image": ..., "custom": ..., ...}.
The route lives in bot/main.py; `NLGService` does the work.
"""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.nlg.domain import load_domain_responses
from bot.nlg.service import NLGService, Rendered, language_of
from bot.nlg.translations import CuratedTranslations
from bot.translation.settings import project_path

__all__ = ["CuratedTranslations", "NLGService", "NLGSettings", "Rendered", "language_of",
           "load_domain_responses"]


class NLGSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NLG_", extra="ignore")

    # Curated translations of the responses, one <lang>.yml per language.
    translations_dir: Path = Path("data/translations")
    # Time zone dates and times are shown in (IANA name, e.g. Europe/Berlin).
    timezone: str = "UTC"

    @property
    def translations_path(self) -> Path:
        return project_path(self.translations_dir)
