"""Builds the translation and generation module once at gateway start (FastAPI lifespan).

    async with multilingual_services(app, settings):
        ...

puts on `app.state`:
- `translator`: TranslationService (MT backends, caches; models preloaded in the background)
- `language`:   LanguageService (detect, explicit_request, prepare_inbound)
- `nlg`:        NLGService (the /nlg endpoint's renderer)
- `knowledge`:  KnowledgeService or None when KB_ENABLED=false (model loads in the background)
Nothing here blocks start-up for long: model loading runs in worker threads, and
the services answer with their fallbacks until it is done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from bot.knowledge.base import KnowledgeBase, load_knowledge_base
from bot.knowledge.conversations import CRMConversationSource
from bot.knowledge.service import KnowledgeService
from bot.knowledge.settings import KnowledgeSettings
from bot.language import LanguageService, LanguageSettings
from bot.nlg import CuratedTranslations, NLGService, NLGSettings, load_domain_responses
from bot.translation import TranslationService
from bot.translation.settings import TranslationSettings

logger = logging.getLogger(__name__)


async def _refresh_periodically(service: KnowledgeService, every_s: float) -> None:
    await service.start()
    while every_s > 0:
        await asyncio.sleep(every_s)
        await service.refresh_conversations()


@asynccontextmanager
async def multilingual_services(app: FastAPI, settings: Any) -> AsyncIterator[None]:
    """`settings` is the gateway's bot.config.Settings (domain path, CRM address and token)."""
    language_settings = LanguageSettings()
    translation_settings = TranslationSettings()
    knowledge_settings = KnowledgeSettings()
    nlg_settings = NLGSettings()
    languages = language_settings.language_list

    translator = TranslationService.from_settings(translation_settings)
    app.state.translator = translator
    app.state.language = LanguageService(languages, language_settings.nlu_language_list, translator)

    knowledge_base = _load_or_empty(load_knowledge_base, knowledge_settings.path, KnowledgeBase(),
                                    "knowledge base: knowledge answers are off")
    curated = _load_or_empty(CuratedTranslations.load, nlg_settings.translations_path, CuratedTranslations(),
                             "curated translations: replies are machine-translated or English")
    app.state.nlg = NLGService(
        load_domain_responses(settings.domain_path), curated,
        languages, translator=translator, knowledge_base=knowledge_base, timezone=nlg_settings.timezone)

    tasks: list[asyncio.Task] = []
    if translation_settings.preload:
        tasks.append(asyncio.create_task(asyncio.to_thread(translator.preload), name="translation-preload"))
    app.state.knowledge = None
    conversations = None
    if knowledge_settings.enabled:
        if knowledge_settings.conversations:
            conversations = CRMConversationSource(settings.crm_url, settings.crm_gateway_token)
        app.state.knowledge = KnowledgeService(
            knowledge_base, threshold=knowledge_settings.similarity_threshold, cache_dir=knowledge_settings.cache_dir,
            translator=translator, conversations=conversations,
            conversation_limit=knowledge_settings.conversation_limit,
            encoder_factory=_encoder_factory(knowledge_settings.model_path))
        tasks.append(asyncio.create_task(_refresh_periodically(app.state.knowledge, knowledge_settings.refresh_s),
                                         name="knowledge"))
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
        if conversations is not None:
            await conversations.close()
        translator.close()


def _load_or_empty(load, path, empty, consequence: str):
    """A malformed data file (an admin's edit) must not keep the gateway from starting:
    one clear error line, then the gateway runs without it."""
    try:
        return load(path)
    except (OSError, ValueError) as exc:
        logger.error("cannot load %s (%s); %s", path, exc, consequence)
        return empty


def _encoder_factory(model_path: str):
    from bot.knowledge.service import MiniLMEncoder

    return lambda: MiniLMEncoder(model_path or None)
