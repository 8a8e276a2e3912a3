"""Machine translation for the gateway: transformer (MarianMT, M2M100, NLLB) and
Apertium backends, sentence splitting, placeholders, caches and a per-request time
limit. See docs/TRANSLATION.md."""

from bot.translation.service import Translation, TranslationService

__all__ = ["Translation", "TranslationService"]
