"""Language names as customers write them, in the languages the product speaks.

Built from Babel's CLDR data (no hand-written tables to keep up to date): for every
language in `CANDIDATES` its name in each configured locale and in itself
("German", "alemán", "Deutsch", "allemand"), lower-cased and without accents so
"espanol" and "Français" match as well.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from babel import Locale, UnknownLocaleError

# Languages a customer might ask for, configured or not (an unconfigured one gets a
# polite "not available" instead of being ignored).
CANDIDATES = (
    "ar", "bg", "ca", "cs", "da", "de", "el", "en", "es", "fi", "fr", "he", "hi", "hu", "id", "it", "ja", "ko",
    "nl", "no", "pl", "pt", "ro", "ru", "sk", "sv", "th", "tr", "uk", "vi", "zh",
)
# Names CLDR does not list but customers use.
EXTRA_NAMES = {
    "es": ("castellano", "castilian"),
    "en": ("ingles", "englisch", "anglais"),
    "zh": ("mandarin",),
}


def fold(text: str) -> str:
    """Lower case without accents: what we compare names on."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def locale_for(code: str) -> Locale | None:
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return None


@lru_cache(maxsize=16)
def name_index(languages: tuple[str, ...]) -> dict[str, str]:
    """Folded name -> ISO code, for names written in any of `languages` or in itself."""
    index: dict[str, str] = {}
    display_locales = [loc for loc in (locale_for(code) for code in languages) if loc]
    for code in sorted(set(CANDIDATES) | set(languages)):
        own = locale_for(code)
        for loc in [*display_locales, *([own] if own else [])]:
            name = loc.languages.get(code)
            if name:
                index.setdefault(fold(name), code)
        for name in EXTRA_NAMES.get(code, ()):
            index.setdefault(fold(name), code)
    return index


def display_name(code: str, in_language: str) -> str:
    """`display_name("de", "fr")` -> "allemand"; falls back to the code."""
    loc = locale_for(in_language) or Locale.parse("en")
    return loc.languages.get(code) or code
