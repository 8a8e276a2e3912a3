"""Sentence splitting before translation (spaCy, one blank pipeline per language).

Translation models work sentence by sentence: shorter inputs translate better and
faster, a batch of sentences runs as one generate() call, and a sentence that recurs
("Thanks for your patience.") is translated once and then served from the cache.
`spacy.blank(lang)` with the rule-based sentencizer needs no model download.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache

import spacy
from spacy.language import Language

logger = logging.getLogger(__name__)
_lock = threading.Lock()
# Spanish opens questions and exclamations with these; the sentencizer leaves them
# at the end of the previous sentence.
_OPENERS = "¿¡"
# Full-width sentence ends: spaCy's multi-language tokenizer keeps "。" inside a token
# when no space follows, as Chinese and Japanese write it.
_CJK_END = re.compile(r"(?<=[。！？])(?=\S)")


@dataclass(frozen=True)
class Segment:
    """A piece of text: a sentence to translate, or the whitespace/line break between them."""

    text: str
    translate: bool


@lru_cache(maxsize=64)
def _pipeline(language: str) -> Language:
    with _lock:
        try:
            nlp = spacy.blank(language)
        except (ImportError, LookupError, ValueError) as exc:
            # Some languages need extra tokenizer packages (Japanese: SudachiPy); the
            # multi-language tokenizer still splits on sentence punctuation, 。 included.
            logger.info("spaCy has no ready tokenizer for %r (%s); using the multi-language one", language, exc)
            nlp = spacy.blank("xx")
        nlp.add_pipe("sentencizer")
        return nlp


def split(text: str, language: str) -> list[Segment]:
    """Splits text into sentences, keeping line breaks and the spacing between sentences
    as untranslated segments so the translation keeps the layout of the original."""
    segments: list[Segment] = []
    nlp = _pipeline(language)
    for line_number, line in enumerate(text.split("\n")):
        if line_number:
            segments.append(Segment("\n", False))
        stripped = line.strip()
        if not stripped:
            if line:
                segments.append(Segment(line, False))
            continue
        leading = line[: len(line) - len(line.lstrip())]
        if leading:
            segments.append(Segment(leading, False))
        sentences = [piece for sentence in nlp(stripped).sents for piece in _CJK_END.split(sentence.text_with_ws)]
        # Move a trailing "¿"/"¡" to the start of the sentence it opens.
        for i in range(len(sentences) - 1):
            body = sentences[i].rstrip()
            while body and body[-1] in _OPENERS:
                sentences[i + 1] = body[-1] + sentences[i + 1]
                body = body[:-1].rstrip()
                sentences[i] = body + " "
        for sentence in sentences:
            body = sentence.rstrip()
            if body:
                segments.append(Segment(body, True))
            if sentence[len(body):]:
                segments.append(Segment(sentence[len(body):], False))
        trailing = line[len(line.rstrip()):]
        if trailing:
            segments.append(Segment(trailing, False))
    return segments


def sentences(text: str, language: str) -> list[str]:
    return [segment.text for segment in split(text, language) if segment.translate]
