"""Which language is this customer message in?

lingua (restricted to the configured languages) scores the text. Around it:
- text without words ("482913", "T10234", a URL, an emoji) or only with words every
  language uses ("ok", "hi", "super") keeps the conversation's language;
- a short message (up to four words) switches away from the conversation's language
  only on strong evidence, because one word ("sure", "merci", "no") is often shared
  between languages or typed by a customer who keeps writing in their language;
- a handful of courtesy words decide one- and two-word messages that lingua's
  statistics get wrong ("merci" looks Spanish to it);
- explicit requests ("can we speak German?", "en español por favor") name the
  language to switch to (see `explicit_request`);
- a button's payload (`/affirm`, `/inform{"ticket_category": "billing"}`) is no text the
  customer wrote: it keeps the conversation's language, except
  `/change_language{"language": "de"}`, which is a request for that language.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from lingua import IsoCode639_1, Language, LanguageDetectorBuilder

from bot.language.names import fold, name_index

# Values that carry no language (they are also what translation protects).
_VALUES = re.compile(
    r"(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[Tt][- ]?\d{5}\b|#?\d+(?:[.,:/-]\d+)*"
)
# Rasa's intent payload, as the widget sends a tapped button: /intent or /intent{"entity": "value"}.
PAYLOAD = re.compile(r"/[^\W\d]\w*(?:\{.*\})?", re.DOTALL)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
# Written the same by customers of every language we serve: never a reason to switch.
NEUTRAL = frozenset({
    "ok", "okay", "okey", "oki", "k", "kk", "hi", "hey", "yo", "ciao", "super", "top", "hmm", "hm", "mmm", "lol",
    "xd", "haha", "jaja", "ah", "oh", "eh", "uh", "wow", "sorry", "pardon", "bye", "ticket", "dhl", "ups", "dpd",
    "gls", "fedex", "paypal", "visa", "mastercard", "amex", "klarna", "iphone", "email", "mail", "chat", "online",
    "internet", "web", "app", "ps", "info", "test", "stop",
})
# Short words whose language is certain but which lingua's n-gram statistics misjudge
# on their own. Consulted only for messages of one or two words.
COURTESY = {
    "en": {"thanks", "thank", "thx", "please", "pls", "plz", "yes", "yeah", "yep", "nope", "cheers", "sure",
           "hello"},
    "es": {"gracias", "hola", "vale", "sí", "si", "porfa", "adiós", "adios", "buenas", "claro", "perdón"},
    "de": {"danke", "bitte", "ja", "nein", "hallo", "tschüss", "tschuess", "servus", "moin", "genau", "klar",
           "nö", "jawohl", "egal"},
    "fr": {"merci", "oui", "non", "bonjour", "salut", "bonsoir", "svp", "stp", "d'accord", "voilà"},
}
SHORT_WORDS = 4
# A short message switches away from the conversation's language only when lingua is
# at least this sure of the other language and gives the current one at most KEEP.
SHORT_SWITCH = 0.60
SHORT_KEEP = 0.20


@dataclass(frozen=True)
class LanguageRequest:
    """An explicit request to change language; `supported` is False for a language
    the product does not speak (the caller answers politely instead of switching)."""

    language: str
    supported: bool


def iso(language: Language) -> str:
    return language.iso_code_639_1.name.lower()


class LanguageDetector:
    def __init__(self, languages: list[str], default: str = "en") -> None:
        if not languages:
            raise ValueError("LanguageDetector needs at least one language")
        self.languages = [code.lower() for code in languages]
        self.default = default if default in self.languages else self.languages[0]
        lingua_languages = []
        for code in self.languages:
            try:
                lingua_languages.append(Language.from_iso_code_639_1(getattr(IsoCode639_1, code.upper())))
            except AttributeError as exc:
                raise ValueError(f"language {code!r} is not an ISO 639-1 code lingua knows") from exc
        # lingua needs two languages to compare; with one, every text is in it.
        self._lingua = None
        if len(lingua_languages) > 1:
            self._lingua = (LanguageDetectorBuilder.from_languages(*lingua_languages)
                            .with_preloaded_language_models().build())
        self._courtesy = {word: code for code, words in COURTESY.items() if code in self.languages
                          for word in words}
        self._names = name_index(tuple(self.languages))

    # --- detection ---------------------------------------------------------------
    def words(self, text: str) -> list[str]:
        return _WORD.findall(_VALUES.sub(" ", text).casefold())

    def confidences(self, text: str) -> dict[str, float]:
        if self._lingua is None:
            return {self.languages[0]: 1.0}
        return {iso(value.language): value.value for value in self._lingua.compute_language_confidence_values(text)}

    def detect(self, text: str, current: str | None = None) -> str:
        """The message's language; `current` (the conversation's) when the text does not
        say. Returns one of the configured languages."""
        keep = current if current in self.languages else None
        words = [] if is_payload(text) else self.words(text)
        if not words or all(word in NEUTRAL for word in words):
            return keep or self.default
        if len(words) <= 2:
            votes = {self._courtesy[word] for word in words if word in self._courtesy}
            if len(votes) == 1:
                voted = votes.pop()
                # "sure" stays English in an English conversation, "merci" is French anyway.
                return keep if keep and len(words) == 1 and self._is_plausible(words[0], keep) else voted
        content = " ".join(word for word in words if word not in NEUTRAL)
        scores = self.confidences(content)
        if not scores:
            return keep or self.default
        best = max(scores, key=scores.get)
        if keep is None or best == keep:
            return best
        if len(words) <= SHORT_WORDS:
            if scores[best] >= SHORT_SWITCH and scores.get(keep, 0.0) <= SHORT_KEEP:
                return best
            return keep
        return best

    def _is_plausible(self, word: str, language: str) -> bool:
        """Could `word` be written in `language`? (lingua gives it a real chance.)"""
        return self.confidences(word).get(language, 0.0) >= SHORT_KEEP

    # --- explicit requests ---------------------------------------------------------
    def explicit_request(self, text: str) -> LanguageRequest | None:
        """"can we speak German?", "¿hablas inglés?", "auf Deutsch bitte", "Français" ->
        the language asked for; None when the message asks for none. A language the
        customer says they do not speak ("I don't speak English") is not a request."""
        if is_payload(text):
            return _payload_request(text, self.languages)
        tokens = _WORD.findall(fold(text))
        if not tokens or len(tokens) > 14:
            return None
        mentioned: list[tuple[int, str]] = [(i, self._names[t]) for i, t in enumerate(tokens) if t in self._names]
        if not mentioned:
            return None
        content = [t for t in tokens if t not in _POLITE]
        strong = any(t in _SWITCH_CUES for t in tokens)
        short = len(content) <= 3 and (len(content) == 1 or any(t in _PREPOSITIONS for t in content))
        if not (strong or short):
            return None
        wanted = [code for i, code in mentioned if not any(t in _NEGATIONS for t in tokens[max(0, i - 3):i])]
        if not wanted:
            return None
        code = wanted[-1]
        return LanguageRequest(code, code in self.languages)


def is_payload(text: str) -> bool:
    """Is this a button's intent payload rather than words the customer typed?"""
    return bool(PAYLOAD.fullmatch(text.strip()))


def _payload_request(text: str, languages: list[str]) -> LanguageRequest | None:
    """The language a `/change_language{"language": "de"}` button asks for."""
    intent, _, entities = text.strip()[1:].partition("{")
    if intent != "change_language":
        return None
    try:
        value = json.loads("{" + entities).get("language")
    except (ValueError, AttributeError):
        return None
    if not isinstance(value, str) or not value.strip():
        return None
    code = value.strip().lower()
    return LanguageRequest(code, code in languages)


# Words that make a language name a request (folded: no accents, lower case).
_SWITCH_CUES = frozenset({
    # en
    "speak", "speaks", "understand", "talk", "write", "switch", "change", "answer", "reply", "respond", "continue",
    "language", "translate",
    # es
    "hablo", "entiendo", "habla", "hablas", "hablar", "hablamos", "hable", "hablan", "hablame", "escribir", "escribe",
    "escribeme", "escriba", "cambiar", "cambia", "cambiamos", "idioma", "lengua", "responder", "responde", "contesta",
    "contestar", "continuar", "seguir", "sigamos", "traducir",
    # de
    "sprechen", "spreche", "sprichst", "spricht", "reden", "verstehe", "schreiben", "schreib", "schreibst",
    "wechseln", "umstellen", "umschalten", "sprache", "antworten", "antworte", "weiter", "ubersetzen",
    # fr
    "comprends", "parler", "parlez", "parles", "parle", "parlons", "ecrire", "ecrivez", "ecris", "changer", "changez",
    "langue", "repondre", "repondez", "reponds", "continuer", "continuons", "traduire",
})
_PREPOSITIONS = frozenset({"in", "en", "auf", "na", "em", "im"})
_POLITE = frozenset({"please", "pls", "plz", "por", "favor", "porfa", "bitte", "svp", "stp", "s", "il", "vous",
                     "plait", "merci", "thanks", "gracias", "danke"})
_NEGATIONS = frozenset({"not", "don't", "dont", "doesn't", "can't", "cant", "cannot", "won't", "no", "kein", "keine",
                        "nicht", "pas", "ne", "nunca", "never", "nie", "jamais"})
