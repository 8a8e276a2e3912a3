"""Language settings (see .env.example)."""

from pydantic_settings import BaseSettings, SettingsConfigDict


def codes(value: str) -> list[str]:
    return [code.strip().lower() for code in value.split(",") if code.strip()]


class LanguageSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore")

    # Languages the product speaks (detection is restricted to them). English is the
    # source language of the domain; add a code here and a translation model for it
    # (TRANSLATION_PAIRS) to serve another language.
    languages: str = "en,es,de,fr"
    # Languages the NLU model is trained on: their messages go to Rasa as written.
    # Messages in the other LANGUAGES are translated into English first.
    nlu_languages: str = "en,es,de,fr"

    @property
    def language_list(self) -> list[str]:
        found = codes(self.languages)
        return found if "en" in found else ["en", *found]

    @property
    def nlu_language_list(self) -> list[str]:
        return codes(self.nlu_languages)
