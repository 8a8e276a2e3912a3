"""The knowledge base files (`data/knowledge_base/*.yml`, format in docs/INTERFACES.md).

Each entry has an id, a title and an answer per language, and example questions per
language that retrieval matches customer questions against. English is required
(the source language); other languages fall back to English plus machine translation.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml import YAML

ENTRY_ID = re.compile(r"^[a-z][a-z0-9_]{1,63}$")


class KnowledgeBaseError(ValueError):
    """A knowledge base file is malformed; the message names the file and entry."""


@dataclass(frozen=True)
class Entry:
    id: str
    title: dict[str, str]
    questions: dict[str, list[str]]
    answer: dict[str, str]
    source: str = ""

    def title_in(self, language: str) -> tuple[str, str]:
        """(title, its language): the language asked for, else English."""
        return (self.title[language], language) if language in self.title else (self.title["en"], "en")

    def answer_in(self, language: str) -> tuple[str, str]:
        return (self.answer[language], language) if language in self.answer else (self.answer["en"], "en")


@dataclass
class KnowledgeBase:
    entries: dict[str, Entry] = field(default_factory=dict)
    # Hash of the files' content: the embedding cache is valid while it is unchanged.
    content_hash: str = ""

    def get(self, entry_id: str) -> Entry | None:
        return self.entries.get(entry_id)

    def __len__(self) -> int:
        return len(self.entries)


def _texts(value: object, where: str, what: str) -> dict[str, str]:
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) and v.strip()
                                              for k, v in value.items()):
        raise KnowledgeBaseError(f"{where}: {what} must map language codes to non-empty text")
    if "en" not in value:
        raise KnowledgeBaseError(f"{where}: {what} needs English ('en'), the source language")
    return {k: v.strip() for k, v in value.items()}


def load_knowledge_base(directory: Path) -> KnowledgeBase:
    yaml = YAML(typ="safe")
    base = KnowledgeBase()
    digest = hashlib.sha256()
    for path in sorted(directory.glob("*.yml")):
        raw = path.read_bytes()
        digest.update(path.name.encode() + b"\0" + raw)
        try:
            document = yaml.load(raw) or {}
        except Exception as exc:
            raise KnowledgeBaseError(f"{path.name}: not valid YAML: {exc}") from exc
        entries = document.get("entries") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise KnowledgeBaseError(f"{path.name}: expected a top-level 'entries:' list")
        for number, item in enumerate(entries, 1):
            where = f"{path.name} entry {number}"
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not ENTRY_ID.match(item["id"]):
                raise KnowledgeBaseError(f"{where}: 'id' must be lower-case snake_case")
            where = f"{path.name} entry {item['id']!r}"
            if item["id"] in base.entries:
                raise KnowledgeBaseError(f"{where}: id already used in {base.entries[item['id']].source}")
            questions = item.get("questions")
            if not isinstance(questions, dict) or not questions.get("en"):
                raise KnowledgeBaseError(f"{where}: 'questions' needs at least one English question")
            parsed_questions: dict[str, list[str]] = {}
            for language, listed in questions.items():
                if not isinstance(listed, list) or not all(isinstance(q, str) and q.strip() for q in listed):
                    raise KnowledgeBaseError(f"{where}: questions.{language} must be a list of questions")
                parsed_questions[language] = [q.strip() for q in listed]
            base.entries[item["id"]] = Entry(
                id=item["id"], title=_texts(item.get("title"), where, "'title'"), questions=parsed_questions,
                answer=_texts(item.get("answer"), where, "'answer'"), source=path.name)
    base.content_hash = digest.hexdigest()
    return base
