"""TranslationService on tiny random Marian and M2M100 models (tests/bot/tiny_models.py):
the real loading, routing, batching, caching, placeholder and fallback code."""

import logging
import shutil
import time

import pytest

from bot.translation.backends import ApertiumBackend, Seq2SeqBackend
from bot.translation.cache import TranslationCache
from bot.translation.service import TranslationService
from bot.translation.settings import parse_pairs

TEXT = "Your order 482913 has shipped. Track it at https://track.example.com/1Z999AA1. Thanks for your patience."


def service(models_dir, pairs, tmp_path=None, apertium=None, **kwargs) -> TranslationService:
    cache = TranslationCache(128, tmp_path / "cache.sqlite3" if tmp_path else None)
    return TranslationService(parse_pairs(pairs), models_dir=models_dir, apertium=apertium, cache=cache,
                              timeout_s=kwargs.pop("timeout_s", 30), **kwargs)


def count_batches(backend, calls: list):
    """Records each batch the real backend receives (and still runs it)."""
    real = backend.translate_batch

    def recording(sentences, source, target, deadline):
        calls.append(list(sentences))
        return real(sentences, source, target, deadline)

    backend.translate_batch = recording


def backend_of(svc: TranslationService, source: str, target: str):
    return svc.route(source, target)[0][0]


async def test_marian_translates_sentences_in_one_batch_and_keeps_values(models_dir):
    svc = service(models_dir, "en-xx:marian:tiny-marian-en-xx")
    calls: list = []
    count_batches(backend_of(svc, "en", "xx"), calls)
    result = await svc.translate(TEXT, "en", "xx")
    assert result.engine == "marian" and result.note is None and result.translated
    assert result.text != TEXT
    # The model's output is random, but the values come through untouched.
    assert "482913" in result.text and "https://track.example.com/1Z999AA1" in result.text
    # Three sentences, one generate() batch, values masked before the model saw them.
    assert calls == [["Your order [0] has shipped.", "Track it at [0].", "Thanks for your patience."]]


async def test_a_repeated_sentence_is_translated_once_even_with_other_values(models_dir, tmp_path):
    svc = service(models_dir, "en-xx:marian:tiny-marian-en-xx", tmp_path)
    calls: list = []
    count_batches(backend_of(svc, "en", "xx"), calls)
    first = await svc.translate("Your order 111111 has shipped.", "en", "xx")
    second = await svc.translate("Your order 222222 has shipped.", "en", "xx")
    assert len(calls) == 1
    assert "111111" in first.text and "222222" in second.text
    assert first.text.replace("111111", "222222") == second.text
    assert svc.cache.hits["memory"] == 1

    # A restarted gateway finds it in the SQLite cache: no model call at all.
    restarted = service(models_dir, "en-xx:marian:tiny-marian-en-xx", tmp_path)
    calls_after: list = []
    count_batches(backend_of(restarted, "en", "xx"), calls_after)
    again = await restarted.translate("Your order 333333 has shipped.", "en", "xx")
    assert calls_after == [] and restarted.cache.hits["disk"] == 1
    assert again.text == first.text.replace("111111", "333333")


async def test_text_that_is_only_values_never_reaches_the_model(models_dir):
    svc = service(models_dir, "en-xx:marian:tiny-marian-en-xx")
    calls: list = []
    count_batches(backend_of(svc, "en", "xx"), calls)
    result = await svc.translate("482913 / T10234", "en", "xx")
    assert result.text == "482913 / T10234" and calls == []


async def test_m2m100_serves_any_pair_and_the_most_specific_rule_wins(models_dir):
    svc = service(models_dir, "*:m2m100:tiny-m2m100,en-it:marian:tiny-marian-en-xx")
    assert svc.engine_for("en", "it") == "marian"
    assert svc.engine_for("en", "de") == "m2m100"
    assert svc.engine_for("ja", "fr") == "m2m100"
    assert not svc.supports("en", "xx")  # not a language M2M100 knows
    result = await svc.translate("Order 482913, ticket T10234.", "en", "de")
    assert result.engine == "m2m100"
    assert "482913" in result.text and "T10234" in result.text


async def test_missing_model_is_logged_once_at_start_then_falls_back(models_dir, caplog):
    with caplog.at_level(logging.WARNING):
        svc = service(models_dir, "en-ja:marian:opus-mt-en-jap")
        for _ in range(3):
            result = await svc.translate("Where is my parcel?", "en", "ja")
            assert result.engine == "none" and result.text == "Where is my parcel?"
    lines = [r.getMessage() for r in caplog.records if "opus-mt-en-jap" in r.getMessage()]
    assert len(lines) == 1
    assert "python -m bot.translation download opus-mt-en-jap" in lines[0]
    assert result.note == "no translation engine for en->ja"
    assert svc.describe() == [{"rule": "en-ja:marian:opus-mt-en-jap", "engine": "marian", "state": "missing"}]


async def test_a_corrupt_model_falls_back_and_says_why(models_dir, tmp_path, caplog):
    broken = tmp_path / "models" / "broken"
    shutil.copytree(models_dir / "tiny-marian-en-xx", broken)
    (broken / "model.safetensors").write_bytes(b"not weights")
    svc = service(broken.parent, "en-xx:marian:broken")
    with caplog.at_level(logging.ERROR):
        result = await svc.translate("Where is my parcel?", "en", "xx")
    assert result.engine == "none" and result.text == "Where is my parcel?"
    assert "cannot load" in result.note
    assert "its pairs fall back" in caplog.text
    # Once failed, the pair is routed around without retrying the load.
    assert not svc.supports("en", "xx")


async def test_a_slow_translation_falls_back_to_the_original_within_the_time_limit(models_dir):
    svc = service(models_dir, "en-xx:marian:tiny-marian-en-xx", timeout_s=0.2)
    backend = backend_of(svc, "en", "xx")
    backend.load()
    real = backend.translate_batch

    def slow(sentences, source, target, deadline):
        time.sleep(0.5)  # a model busy for longer than the request may wait
        return real(sentences, source, target, deadline + 10)

    backend.translate_batch = slow
    started = time.monotonic()
    result = await svc.translate("Where is my parcel?", "en", "xx")
    assert time.monotonic() - started < 0.45
    assert result.engine == "none" and result.text == "Where is my parcel?"
    assert "timed out" in result.note


async def test_work_past_its_deadline_is_neither_returned_nor_cached(models_dir):
    svc = service(models_dir, "en-xx:marian:tiny-marian-en-xx")
    backend = backend_of(svc, "en", "xx")
    with pytest.raises(TimeoutError):
        svc._run_backend(backend, ["Where is my parcel?"], "en", "xx", time.monotonic() - 1)
    assert svc.cache.get((backend.cache_id, "en", "xx", "Where is my parcel?")) is None


async def test_batches_respect_the_batch_size(models_dir):
    svc = service(models_dir, "en-xx:marian:tiny-marian-en-xx", batch_size=2)
    backend: Seq2SeqBackend = backend_of(svc, "en", "xx")
    out = backend.translate_batch(["One.", "Two.", "Three."], "en", "xx", time.monotonic() + 30)
    assert len(out) == 3


@pytest.mark.skipif(shutil.which("apertium") is None, reason="Debian's apertium is not installed (setup.sh installs "
                    "it where it can; without it English<->Spanish free text needs a transformer model)")
async def test_apertium_translates_english_and_spanish_out_of_the_box():
    svc = TranslationService([], apertium=ApertiumBackend(), cache=TranslationCache(16))
    result = await svc.translate("Your order 482913 has shipped. Where is my parcel?", "en", "es")
    assert result.engine == "apertium"
    assert "482913" in result.text
    assert any(word in result.text.lower() for word in ("pedido", "orden", "paquete"))
    back = await svc.translate("¿Dónde está mi paquete 482913?", "es", "en")
    assert back.engine == "apertium" and "482913" in back.text and "where" in back.text.lower()
    assert not svc.supports("en", "de")


async def test_a_configured_transformer_beats_apertium_for_its_pair(models_dir):
    apertium = ApertiumBackend(executable="/bin/true", modes={"eng-spa"})
    svc = service(models_dir, "en-es:marian:tiny-marian-en-xx", apertium=apertium)
    assert svc.engine_for("en", "es") == "marian"
    assert svc.engine_for("es", "en") == "none"  # apertium has no spa-eng here


async def test_without_a_direct_engine_the_text_pivots_through_english(models_dir):
    svc = service(models_dir, "it-en:marian:tiny-marian-it-en,en-xx:marian:tiny-marian-en-xx")
    result = await svc.translate("Ordine 482913 spedito.", "it", "xx")
    assert result.engine == "marian" and result.via == "en"
    assert "482913" in result.text


async def test_same_language_and_empty_text_are_identity(models_dir):
    svc = service(models_dir, "")
    assert (await svc.translate("Hola", "es", "es")).engine == "identity"
    assert (await svc.translate("  ", "en", "es")).engine == "identity"
