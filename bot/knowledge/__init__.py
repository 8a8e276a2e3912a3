"""Semantic retrieval over the knowledge base and past resolved conversations."""

from bot.knowledge.base import Entry, KnowledgeBase, load_knowledge_base
from bot.knowledge.service import KnowledgeMatch, KnowledgeService, KnowledgeUnavailable, Suggestion

__all__ = ["Entry", "KnowledgeBase", "KnowledgeMatch", "KnowledgeService", "KnowledgeUnavailable", "Suggestion",
           "load_knowledge_base"]
