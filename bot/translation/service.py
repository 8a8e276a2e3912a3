"""TranslationService: the one entry point for machine translation in the gateway.

translate(text, source, target):
  1. protect values (placeholders), 2. split into sentences (spaCy),
  3. serve sentences from the LRU / SQLite cache, 4. translate the rest in one
  batch in a worker thread, under a per-request deadline, 5. restore values.
It never raises for a missing model, a failing engine or a timeout: it answers the
original text with engine "none" and a note, and the caller decides what to show.

Routing per pair: the most specific TRANSLATION_PAIRS entry whose model is present;
else Apertium where installed (TRANSLATION_APERTIUM=auto); else a pivot through
English (source->en->target) when both legs have an engine; else nothing.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from bot.translation import placeholders, segmentation
from bot.translation.backends import ApertiumBackend, Backend, BackendUnavailable, Seq2SeqBackend
from bot.translation.cache import TranslationCache
from bot.translation.settings import PairRule, TranslationSettings

logger = logging.getLogger(__name__)
PIVOT = "en"
_HAS_LETTERS = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Translation:
    text: str
    source: str
    target: str
    # "identity" | "marian" | "m2m100" | "nllb" | "apertium" | "none"; a pivot names both legs: "marian+apertium".
    engine: str
    note: str | None = None
    # "en" when the text was translated through English.
    via: str | None = None

    @property
    def translated(self) -> bool:
        return self.engine not in ("none", "identity")


Leg = tuple[Backend, str, str]


class TranslationService:
    def __init__(self, rules: list[PairRule] | None = None, *, models_dir: Path | None = None,
                 apertium: Backend | None = None,
                 cache: TranslationCache | None = None, timeout_s: float = 3.0, device: str = "cpu",
                 batch_size: int = 16, num_beams: int = 2) -> None:
        self.timeout_s = timeout_s
        self.cache = cache or TranslationCache()
        self.apertium = apertium
        models_dir = models_dir or TranslationSettings().models_path
        self._rules: list[tuple[PairRule, Backend]] = []
        backends: dict[tuple[str, str], Backend] = {}
        for rule in sorted(rules or [], key=lambda r: -r.specificity):
            if rule.engine == "apertium":
                backend = apertium or ApertiumBackend()
            else:
                key = (rule.engine, rule.model)
                if key not in backends:
                    pair = (rule.source, rule.target) if rule.specificity == 2 else None
                    backends[key] = Seq2SeqBackend(rule.engine, models_dir / rule.model, pair=pair, device=device,
                                                   batch_size=batch_size, num_beams=num_beams)
                backend = backends[key]
            self._rules.append((rule, backend))
        self._log_configuration()

    @classmethod
    def from_settings(cls, settings: TranslationSettings | None = None) -> TranslationService:
        settings = settings or TranslationSettings()
        apertium = ApertiumBackend() if settings.apertium == "auto" else None
        if apertium is not None and not apertium.available():
            logger.info("translation: Apertium is not installed; free text between English and Spanish needs a "
                        "transformer model (Debian: apt-get install apertium apertium-eng-spa)")
            apertium = None
        return cls(settings.pair_rules(), models_dir=settings.models_path, apertium=apertium,
                   cache=TranslationCache(settings.cache_size, settings.cache_path), timeout_s=settings.timeout_s,
                   device=settings.device, batch_size=settings.batch_size, num_beams=settings.num_beams)

    def _log_configuration(self) -> None:
        """One line per configured model that is not there: the operator learns at start, not from a customer."""
        for rule, backend in self._rules:
            if isinstance(backend, Seq2SeqBackend) and not backend.available():
                logger.warning(
                    "translation: model %r for %s-%s not found in %s; that pair falls back to %s. "
                    "Download it with: python -m bot.translation download %s",
                    rule.model, rule.source, rule.target, backend.model_dir.parent,
                    "Apertium" if self.apertium else "English", rule.model)
        if self.apertium:
            logger.info("translation: Apertium pairs available: %s", ", ".join(sorted(self.apertium.modes)))

    # --- routing -----------------------------------------------------------------
    def _backend_for(self, source: str, target: str) -> Backend | None:
        for rule, backend in self._rules:
            if rule.matches(source, target) and backend.available() and backend.supports(source, target):
                return backend
        if self.apertium and self.apertium.available() and self.apertium.supports(source, target):
            return self.apertium
        return None

    def route(self, source: str, target: str) -> list[Leg] | None:
        """The legs that translate source->target, or None when nothing can."""
        direct = self._backend_for(source, target)
        if direct:
            return [(direct, source, target)]
        if PIVOT not in (source, target):
            first, second = self._backend_for(source, PIVOT), self._backend_for(PIVOT, target)
            if first and second:
                return [(first, source, PIVOT), (second, PIVOT, target)]
        return None

    def supports(self, source: str, target: str) -> bool:
        return source == target or self.route(source, target) is not None

    def engine_for(self, source: str, target: str) -> str:
        if source == target:
            return "identity"
        legs = self.route(source, target)
        return "+".join(dict.fromkeys(leg[0].engine for leg in legs)) if legs else "none"

    def describe(self) -> list[dict[str, str]]:
        """Configured rules and whether their models are present (for status pages and the CLI)."""
        return [{"rule": str(rule), "engine": backend.engine,
                 "state": "ready" if backend.available() else "missing"} for rule, backend in self._rules]

    # --- translation -------------------------------------------------------------
    async def translate(self, text: str, source: str, target: str, *, timeout_s: float | None = None) -> Translation:
        source, target = (source or "").lower(), (target or "").lower()
        if source == target or not text.strip():
            return Translation(text, source, target, "identity")
        legs = self.route(source, target)
        if legs is None:
            return Translation(text, source, target, "none", note=f"no translation engine for {source}->{target}")
        timeout = timeout_s if timeout_s is not None else self.timeout_s
        engine = "+".join(dict.fromkeys(leg[0].engine for leg in legs))
        deadline = time.monotonic() + timeout
        try:
            result = await asyncio.wait_for(self._translate(text, legs, deadline), timeout)
        except TimeoutError:
            logger.warning("translation %s->%s (%s) timed out after %.1f s; answering the original", source, target,
                           engine, timeout)
            return Translation(text, source, target, "none", note=f"translation timed out after {timeout:g} s")
        except BackendUnavailable as exc:
            return Translation(text, source, target, "none", note=str(exc))
        except Exception as exc:  # an engine bug must cost one translation, not the conversation
            logger.exception("translation %s->%s (%s) failed", source, target, engine)
            return Translation(text, source, target, "none", note=f"translation failed: {exc.__class__.__name__}")
        return Translation(result, source, target, engine, via=PIVOT if len(legs) > 1 else None)

    async def translate_many(self, texts: list[str], source: str, target: str) -> list[Translation]:
        return list(await asyncio.gather(*(self.translate(text, source, target) for text in texts)))

    async def _translate(self, text: str, legs: list[Leg], deadline: float) -> str:
        protected = placeholders.protect(text)
        masked = protected.text
        for backend, source, target in legs:
            masked = await self._translate_masked(masked, backend, source, target, deadline)
        return placeholders.restore(masked, protected.values)

    async def _translate_masked(self, masked: str, backend: Backend, source: str, target: str,
                                deadline: float) -> str:
        segments = segmentation.split(masked, source)
        pieces: list[str] = []
        wanted: dict[int, tuple[str, list[int]]] = {}
        for index, segment in enumerate(segments):
            pieces.append(segment.text)
            # Whitespace, bare values ("[0]") and punctuation need no model.
            if segment.translate and _HAS_LETTERS.search(placeholders.TOKEN.sub("", segment.text)):
                wanted[index] = placeholders.renumber(segment.text)
        found: dict[str, str] = {}
        missing: list[str] = []
        for local, _ in wanted.values():
            if local in found or local in missing:
                continue
            cached = self.cache.get((backend.cache_id, source, target, local))
            if cached is None:
                missing.append(local)
            else:
                found[local] = cached
        if missing:
            translated = await asyncio.to_thread(self._run_backend, backend, missing, source, target, deadline)
            found.update(zip(missing, translated, strict=True))
        for index, (local, originals) in wanted.items():
            pieces[index] = placeholders.number_back(found[local], originals)
        return "".join(pieces)

    def _run_backend(self, backend: Backend, sentences: list[str], source: str, target: str,
                     deadline: float) -> list[str]:
        """Runs in a worker thread. The results are cached even if the request gave up
        waiting, so the next customer who sends the same sentence gets it at once."""
        translated = backend.translate_batch(sentences, source, target, deadline)
        self.cache.put_many([((backend.cache_id, source, target, s), t) for s, t in zip(sentences, translated,
                                                                                         strict=True)])
        return translated

    # --- lifecycle ---------------------------------------------------------------
    def preload(self) -> None:
        """Loads every present transformer model (blocking; run it in a thread)."""
        for _, backend in self._rules:
            if isinstance(backend, Seq2SeqBackend) and backend.available() and not backend.loaded:
                try:
                    backend.load()
                except BackendUnavailable:
                    pass  # logged by the backend; its pairs fall back

    def close(self) -> None:
        self.cache.close()
