import logging

from bot.translation.settings import PairRule, TranslationSettings, parse_pairs


def test_pairs_are_parsed_with_wildcards():
    rules = parse_pairs("en-ja:marian:opus-mt-en-jap, ja-en:marian:opus-mt-jap-en,*:m2m100:m2m100_418M,"
                        "en-*:nllb:nllb-200-distilled-600M,es-en:apertium")
    assert rules[0] == PairRule("en", "ja", "marian", "opus-mt-en-jap")
    assert rules[2] == PairRule("*", "*", "m2m100", "m2m100_418M")
    assert rules[3].matches("en", "ko") and not rules[3].matches("ko", "en")
    assert [rule.specificity for rule in rules] == [2, 2, 0, 1, 2]
    assert rules[4] == PairRule("es", "en", "apertium", "")


def test_malformed_entries_are_logged_and_skipped(caplog):
    with caplog.at_level(logging.ERROR):
        rules = parse_pairs("en-ja:marain:x,en-ja:marian,en:marian:x,en-de:marian:../etc,en-fr:marian:ok")
    assert rules == [PairRule("en", "fr", "marian", "ok")]
    assert "unknown engine 'marain'" in caplog.text
    assert "needs a model name" in caplog.text
    assert "not a path" in caplog.text
    assert caplog.text.count("TRANSLATION_PAIRS: ignoring") == 4


def test_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TRANSLATION_PAIRS", "*:m2m100:m2m100_418M")
    monkeypatch.setenv("TRANSLATION_TIMEOUT_S", "1.5")
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    settings = TranslationSettings()
    assert settings.pair_rules() == [PairRule("*", "*", "m2m100", "m2m100_418M")]
    assert settings.timeout_s == 1.5
    assert settings.cache_path == tmp_path / "translation_cache.sqlite3"
    assert settings.models_path.is_absolute()
