"""Rasa's NLG endpoint logic: every bot response, written in the conversation's language.

Contract (https://rasa.com/docs/rasa/nlg): Rasa POSTs
{"response": name, "arguments": {...}, "tracker": {...}, "channel": {"name": ...}}
and expects {"text": ..., "buttons": [...], "image": ..., "custom": ..., ...}.
The route lives in bot/main.py; `NLGService` does the work.
"""

from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.nlg.domain import Responses, choose_variation, fill, load_domain_responses
from bot.nlg.service import NLGService, Rendered, language_of
from bot.nlg.translations import CuratedTranslations
from bot.translation.settings import project_path

__all__ = ["CuratedTranslations", "NLGService", "NLGSettings", "Rendered", "fill", "language_of",
           "load_domain_responses", "render"]


class NLGSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NLG_", extra="ignore")

    # Curated translations of the responses, one <lang>.yml per language.
    translations_dir: Path = Path("data/translations")
    # Time zone dates and times are shown in (IANA name, e.g. Europe/Berlin).
    timezone: str = "UTC"

    @property
    def translations_path(self) -> Path:
        return project_path(self.translations_dir)


def render(name: str, arguments: dict[str, Any], tracker: dict[str, Any], channel: str | None,
           responses: Responses) -> dict[str, Any]:
    """The English response, filled as Rasa would (the former bot/nlg.py API, synchronous).
    For the customer's language use `NLGService.render` (app.state.nlg), which adds curated
    translations, machine translation and locale formatting."""
    variations = responses.get(name)
    if not variations:
        raise KeyError(name)
    slots = (tracker or {}).get("slots") or {}
    index = choose_variation(variations, slots, channel)
    if index is None:
        return {}
    variation, values = variations[index], {**slots, **(arguments or {})}
    message: dict[str, Any] = {"text": fill(variation.get("text", ""), values)}
    if variation.get("buttons"):
        message["buttons"] = [{**b, "title": fill(b["title"], values), "payload": fill(b["payload"], values)}
                              for b in variation["buttons"]]
    for key in ("image", "custom", "attachment", "elements", "quick_replies"):
        if variation.get(key) is not None:
            message[key] = variation[key]
    return message
