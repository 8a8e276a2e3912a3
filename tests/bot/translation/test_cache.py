import sqlite3

from bot.translation.cache import LRU, TranslationCache

KEY = ("marian:m", "en", "es", "Hello.")


def test_lru_evicts_the_least_recently_used():
    lru = LRU(2)
    lru.put(("a",) * 4, "1")
    lru.put(("b",) * 4, "2")
    assert lru.get(("a",) * 4) == "1"  # "a" is now the most recent
    lru.put(("c",) * 4, "3")
    assert lru.get(("b",) * 4) is None
    assert lru.get(("a",) * 4) == "1" and lru.get(("c",) * 4) == "3"


def test_the_persistent_cache_survives_a_restart(tmp_path):
    path = tmp_path / "var" / "translation_cache.sqlite3"
    first = TranslationCache(8, path)
    first.put_many([(KEY, "Hola.")])
    first.close()
    second = TranslationCache(8, path)
    assert second.get(KEY) == "Hola."
    assert second.hits == {"memory": 0, "disk": 1}
    assert second.get(KEY) == "Hola."
    assert second.hits == {"memory": 1, "disk": 1}
    second.close()


def test_an_unusable_cache_file_falls_back_to_memory(tmp_path, caplog):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    cache = TranslationCache(8, blocker / "cache.sqlite3")
    cache.put_many([(KEY, "Hola.")])
    assert cache.get(KEY) == "Hola."
    assert "using memory only" in caplog.text


def test_rows_are_keyed_by_backend_so_a_new_model_does_not_reuse_old_output(tmp_path):
    path = tmp_path / "cache.sqlite3"
    cache = TranslationCache(0, path)
    cache.put_many([(KEY, "Hola.")])
    assert cache.get(("marian:other", "en", "es", "Hello.")) is None
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT backend, translation FROM translations").fetchall() == [("marian:m", "Hola.")]
