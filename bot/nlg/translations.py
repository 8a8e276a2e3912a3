"""Curated translations of the domain's responses: `data/translations/<lang>.yml`.

    language: es
    notes:
      english_only: "(Esta respuesta solo está disponible en inglés.)"
    enums:
      order_status: {placed: registrado, shipped: enviado, ...}
    responses:
      utter_greet:                 # one item per English variation, same order
        - text: "¡Hola! Soy el asistente de la tienda..."
      utter_ask_cancel_confirm:
        - text: "¿Cancelo el pedido {order_number}?"
          buttons: ["Sí, cancélalo", "No"]   # titles of the English buttons, same order

`en.yml` holds the English enum labels and notes (the English responses are the
domain's). Keys are response names, so a translation of a response the domain no
longer has is harmless; `check` reports what is missing or inconsistent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from bot.nlg.domain import Responses, placeholders_of

DEFAULT_NOTES = {
    "english_only": "(This reply is only available in English.)",
}


@dataclass
class LanguagePack:
    language: str
    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    enums: dict[str, dict[str, str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def variation(self, response: str, index: int) -> dict[str, Any] | None:
        variations = self.responses.get(response)
        if not variations or index >= len(variations):
            return None
        return variations[index]


class TranslationFileError(ValueError):
    pass


@dataclass
class CuratedTranslations:
    packs: dict[str, LanguagePack] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path) -> CuratedTranslations:
        yaml = YAML(typ="safe")
        packs: dict[str, LanguagePack] = {}
        for path in sorted(directory.glob("*.yml")):
            try:
                document = yaml.load(path.read_text()) or {}
            except Exception as exc:
                raise TranslationFileError(f"{path.name}: not valid YAML: {exc}") from exc
            language = document.get("language", path.stem)
            if language != path.stem:
                raise TranslationFileError(f"{path.name}: 'language: {language}' does not match the file name")
            responses = document.get("responses") or {}
            for name, variations in responses.items():
                if not isinstance(variations, list) or not all(
                        isinstance(v, dict) and isinstance(v.get("text", ""), str) for v in variations):
                    raise TranslationFileError(f"{path.name}: {name} must be a list of {{text: ...}} items")
            packs[language] = LanguagePack(language, responses, document.get("enums") or {},
                                           document.get("notes") or {})
        return cls(packs)

    def pack(self, language: str) -> LanguagePack | None:
        return self.packs.get(language)

    def variation(self, language: str, response: str, index: int) -> dict[str, Any] | None:
        pack = self.packs.get(language)
        return pack.variation(response, index) if pack else None

    def enum_label(self, language: str, enum: str, value: str) -> str | None:
        for code in (language, "en"):
            label = ((self.packs.get(code) or LanguagePack(code)).enums.get(enum) or {}).get(value)
            if label:
                return label
        return None

    def note(self, language: str, key: str) -> str:
        pack = self.packs.get(language)
        return (pack.notes.get(key) if pack else None) or DEFAULT_NOTES[key]

    def check(self, responses: Responses, languages: list[str]) -> list[str]:
        """Problems that make a language's replies fall back to machine translation or
        English, or that would show a customer a wrong value: one line each."""
        problems: list[str] = []
        english_enums = (self.packs.get("en") or LanguagePack("en")).enums
        for language in languages:
            pack = self.packs.get(language)
            if pack is None:
                problems.append(f"{language}: no data/translations/{language}.yml")
                continue
            for name, variations in responses.items():
                translated = pack.responses.get(name)
                if translated is None:
                    problems.append(f"{language}: {name} has no translation")
                    continue
                if len(translated) != len(variations):
                    problems.append(f"{language}: {name} has {len(translated)} variations, English has "
                                    f"{len(variations)}")
                for index, (english, ours) in enumerate(zip(variations, translated, strict=False)):
                    where = f"{language}: {name}[{index}]"
                    if english.get("text") and not (ours.get("text") or "").strip():
                        problems.append(f"{where} has no text")
                    if placeholders_of(english.get("text", "")) != placeholders_of(ours.get("text", "")):
                        problems.append(f"{where} placeholders {sorted(placeholders_of(ours.get('text', '')))} "
                                        f"differ from English {sorted(placeholders_of(english.get('text', '')))}")
                    english_buttons = english.get("buttons") or []
                    titles = ours.get("buttons") or []
                    if len(titles) != len(english_buttons):
                        problems.append(f"{where} has {len(titles)} button titles, English has "
                                        f"{len(english_buttons)}")
                    for title, button in zip(titles, english_buttons, strict=False):
                        if not isinstance(title, str) or placeholders_of(title) != placeholders_of(button["title"]):
                            problems.append(f"{where} button {title!r} does not match {button['title']!r}")
            for enum, labels in english_enums.items():
                for value in labels:
                    if not (pack.enums.get(enum) or {}).get(value):
                        problems.append(f"{language}: enum {enum}.{value} has no label")
        return problems
