from pathlib import Path

import pytest

from bot.knowledge.base import KnowledgeBaseError, load_knowledge_base

ROOT = Path(__file__).resolve().parents[3]
LANGUAGES = ("en", "es", "de", "fr")


def test_the_shipped_knowledge_base_covers_every_topic_in_four_languages():
    base = load_knowledge_base(ROOT / "data" / "knowledge_base")
    assert {"shipping_times", "shipping_costs", "payment_methods", "return_policy", "opening_hours", "warranty",
            "password_reset", "order_changes"} <= set(base.entries)
    for entry in base.entries.values():
        for language in LANGUAGES:
            assert entry.title.get(language) and entry.answer.get(language), (entry.id, language)
            assert len(entry.questions.get(language, [])) >= 5, (entry.id, language)
    assert len(base.content_hash) == 64


def test_missing_languages_fall_back_to_english(tmp_path):
    (tmp_path / "kb.yml").write_text(
        "entries:\n  - id: hours\n    title: {en: Hours}\n    questions: {en: [when are you open]}\n"
        "    answer: {en: Always.}\n")
    entry = load_knowledge_base(tmp_path).get("hours")
    assert entry.answer_in("de") == ("Always.", "en")


@pytest.mark.parametrize("content, message", [
    ("entries: {}", "top-level 'entries:' list"),
    ("entries:\n  - id: Bad-Id\n", "snake_case"),
    ("entries:\n  - id: a_b\n    questions: {de: [x]}\n", "at least one English question"),
    ("entries:\n  - id: a_b\n    questions: {en: [x]}\n    title: {de: Titel}\n    answer: {en: y}\n",
     "needs English"),
    ("entries:\n  - id: a_b\n    questions: {en: x}\n", "must be a list"),
    ("entries: [\n", "not valid YAML"),
])
def test_malformed_files_name_the_file_and_the_problem(tmp_path, content, message):
    (tmp_path / "broken.yml").write_text(content)
    with pytest.raises(KnowledgeBaseError, match=message) as error:
        load_knowledge_base(tmp_path)
    assert "broken.yml" in str(error.value)


def test_duplicate_ids_are_refused(tmp_path):
    entry = "entries:\n  - id: a_b\n    questions: {en: [x]}\n    title: {en: T}\n    answer: {en: A}\n"
    (tmp_path / "one.yml").write_text(entry)
    (tmp_path / "two.yml").write_text(entry)
    with pytest.raises(KnowledgeBaseError, match="already used in one.yml"):
        load_knowledge_base(tmp_path)
