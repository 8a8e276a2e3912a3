"""Training data as items an admin edits: NLU blocks (intent examples, synonyms, lookup
tables, regexes), responses, their translations, knowledge-base entries, stories and rules.

Every item has a `version` (a hash of its content). A save names the version it was based
on; if the file now holds something else the save is refused (409 version_conflict), so two
admins never silently overwrite each other. A save validates first (422 with what and where),
writes the YAML back with comments and order kept, then records the change in the CRM audit
log; if the audit cannot be written the file is restored and the save fails.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.admin import yamlio
from bot.admin.audit import Actor
from bot.admin.errors import AdminError, conflict, invalid
from bot.admin.settings import AdminSettings

NLU_KINDS = ("intent", "synonym", "lookup", "regex")
# Rasa's built-in actions (rasa.shared.core.constants.DEFAULT_ACTION_NAMES, 3.6).
DEFAULT_ACTIONS = {
    "action_listen", "action_restart", "action_session_start", "action_default_fallback",
    "action_deactivate_loop", "action_revert_fallback_events", "action_default_ask_affirmation",
    "action_default_ask_rephrase", "action_two_stage_fallback", "action_unlikely_intent", "action_back",
    "action_extract_slots", "...",
}
DEFAULT_INTENTS = {"nlu_fallback", "restart", "session_start", "back", "out_of_scope"}
DEFAULT_SLOTS = {"requested_slot", "session_started_metadata"}  # Rasa adds them to every domain
# [text](entity), [text](entity:value) and [text]{"entity": ..., "value": ...}
ANNOTATION = re.compile(r"\[(?P<text>[^\]]+)\](?:\((?P<short>[^)]+)\)|(?P<json>\{[^}]*\}))")
FIELD = re.compile(r"\{(\w+)\}")
STORY_KINDS = {"story": "stories", "rule": "rules"}


def strip_annotations(example: str) -> str:
    return ANNOTATION.sub(lambda m: m.group("text"), example)


def normalise(example: str) -> str:
    """What counts as the same example: annotations, case and spacing ignored."""
    return " ".join(strip_annotations(example).lower().split())


def entities_in(example: str) -> list[str]:
    """Entity names annotated in an example; raises ValueError for a malformed annotation."""
    names = []
    for match in ANNOTATION.finditer(example):
        if match.group("short"):
            names.append(match.group("short").split(":")[0].strip())
        else:
            try:
                spec = json.loads(match.group("json"))
            except ValueError:
                raise ValueError(f"malformed entity annotation {match.group(0)!r}") from None
            if not isinstance(spec, dict) or not isinstance(spec.get("entity"), str):
                raise ValueError(f"annotation {match.group(0)!r} has no \"entity\" name")
            names.append(spec["entity"])
    return names


def _names(entries: Any) -> list[str]:
    """Domain lists hold plain names or single-key mappings (`- greet: {use_entities: ...}`)."""
    out = []
    for entry in entries or []:
        out.append(next(iter(entry)) if isinstance(entry, dict) else str(entry))
    return out


@dataclass
class Domain:
    intents: set[str]
    entities: set[str]
    responses: set[str]
    actions: set[str]
    slots: set[str]
    forms: set[str]

    @property
    def known_actions(self) -> set[str]:
        return self.actions | self.responses | self.forms | DEFAULT_ACTIONS


def _relative_file(base: Path, relative: str, folder: str) -> Path:
    """A YAML file under data/<folder>/, refusing anything that escapes it."""
    root = (base / folder).resolve()
    path = (base / relative).resolve() if relative.startswith(f"{folder}/") else (root / relative).resolve()
    if root not in path.parents or path.suffix not in (".yml", ".yaml"):
        raise AdminError(422, "invalid_file", f"{relative!r} is not a .yml file under data/{folder}/", file=relative)
    return path


def _examples_list(text: Any) -> list[str]:
    if not isinstance(text, str):
        return []
    return [line.strip()[2:].strip() for line in text.splitlines() if line.strip().startswith("- ")]


class TrainingData:
    def __init__(self, settings: AdminSettings, auditor: Any) -> None:
        self.settings, self.auditor = settings, auditor
        self.base = settings.data_dir
        self._lock = threading.RLock()  # one writer at a time inside this process

    # --- helpers -----------------------------------------------------------------
    def rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.base).as_posix()
        except ValueError:
            return path.name

    def domain(self) -> Domain:
        data = yamlio.load(self.settings.domain, "domain.yml") or {}
        return Domain(
            intents=set(_names(data.get("intents"))), entities=set(_names(data.get("entities"))),
            responses=set((data.get("responses") or {}).keys()), actions=set(_names(data.get("actions"))),
            slots=set((data.get("slots") or {}).keys()), forms=set((data.get("forms") or {}).keys()),
        )

    def _commit(self, actor: Actor, path: Path, document: Any, action: str, entity_id: str,
                before: Any, after: Any) -> None:
        """Writes the file, then audits; when the audit fails the old file is put back."""
        old_text = path.read_text(encoding="utf-8") if path.exists() else None
        yamlio.write_atomic(path, yamlio.dumps(document, like=old_text))
        try:
            self.auditor.record(actor, action, entity_id, before, after)
        except Exception:
            if old_text is None:
                path.unlink(missing_ok=True)
            else:
                yamlio.write_atomic(path, old_text)
            raise

    @staticmethod
    def _check_version(what: str, current: Any, expected: str | None) -> None:
        current_version = yamlio.version_of(current) if current is not None else None
        if current_version != expected:
            raise conflict(what, expected, current_version)

    # --- NLU -------------------------------------------------------------------
    def nlu_files(self) -> list[Path]:
        return sorted(p for p in (self.base / "nlu").rglob("*.y*ml") if p.suffix in (".yml", ".yaml"))

    def language_of(self, path: Path) -> str:
        parts = path.relative_to(self.base / "nlu").parts
        return parts[0] if len(parts) > 1 else "shared"

    def nlu_blocks(self, language: str | None = None, kind: str | None = None,
                   name: str | None = None) -> list[dict[str, Any]]:
        blocks = []
        for path in self.nlu_files():
            document = yamlio.load(path, self.rel(path)) or {}
            lang = self.language_of(path)
            if language and lang != language:
                continue
            for entry in document.get("nlu") or []:
                entry_kind = next((k for k in NLU_KINDS if k in entry), None)
                if entry_kind is None or (kind and entry_kind != kind) or (name and entry[entry_kind] != name):
                    continue
                examples = _examples_list(entry.get("examples"))
                blocks.append({"file": self.rel(path), "language": lang, "kind": entry_kind,
                               "name": str(entry[entry_kind]), "examples": examples,
                               "version": yamlio.version_of(examples)})
        return blocks

    def intents_overview(self) -> list[dict[str, Any]]:
        """Every domain intent with its example count per language."""
        counts: dict[str, dict[str, int]] = {}
        for block in self.nlu_blocks(kind="intent"):
            per_lang = counts.setdefault(block["name"], {})
            per_lang[block["language"]] = per_lang.get(block["language"], 0) + len(block["examples"])
        names = sorted(self.domain().intents | set(counts))
        return [{"intent": n, "examples": counts.get(n, {})} for n in names]

    def _validate_nlu(self, path: Path, kind: str, name: str, examples: list[str],
                      previous: list[str] | None = None) -> None:
        """Checks a block; duplicates are refused only for examples this edit adds, so problems
        already in the data never block an unrelated edit (`rasa data validate` reports those)."""
        where = f"{self.rel(path)}: {kind} {name}"
        errors: list[dict[str, str]] = []
        domain = self.domain()
        if kind == "intent" and name not in domain.intents:
            errors.append({"where": where, "code": "unknown_intent",
                           "message": f"{where}: intent {name!r} is not in domain.yml (intents: ...)"})
        seen: dict[str, int] = {}
        already = Counter(normalise(e) if kind == "intent" else e for e in previous or [])
        counts: Counter[str] = Counter()
        for number, example in enumerate(examples, 1):
            at = f"{where}, example {number} ({example!r})"
            if "\n" in example or not example.strip():
                errors.append({"where": at, "code": "invalid_example", "message": f"{at}: must be one non-empty line"})
                continue
            key = normalise(example) if kind == "intent" else example
            counts[key] += 1
            if key in seen and counts[key] > max(1, already[key]):  # only duplicates this edit adds
                errors.append({"where": at, "code": "duplicate_example",
                               "message": f"{at}: duplicate of example {seen[key]} in the same {kind}"})
            seen.setdefault(key, number)
            if kind == "intent":
                try:
                    unknown = [e for e in entities_in(example) if e not in domain.entities]
                except ValueError as exc:
                    errors.append({"where": at, "code": "invalid_annotation", "message": f"{at}: {exc}"})
                    continue
                for entity in unknown:
                    errors.append({"where": at, "code": "unknown_entity",
                                   "message": f"{at}: entity {entity!r} is not in domain.yml (entities: ...)"})
            if kind == "regex":
                try:
                    re.compile(example)
                except re.error as exc:
                    errors.append({"where": at, "code": "invalid_regex", "message": f"{at}: invalid regex: {exc}"})
        if kind == "intent":
            before = {normalise(e) for e in previous or []}
            errors += self._cross_duplicates(name, [e for e in examples if normalise(e) not in before], where)
        if errors:
            raise invalid(errors)

    def _cross_duplicates(self, name: str, added: list[str], where: str) -> list[dict[str, str]]:
        """New examples that another intent already has (in any language file): the model
        would learn one sentence as two intents. The same intent in another file is fine
        (bare order numbers are `inform` in every language)."""
        wanted = {normalise(e): e for e in added}
        errors = []
        for block in self.nlu_blocks(kind="intent") if wanted else []:
            if block["name"] == name:
                continue
            for other in block["examples"]:
                key = normalise(other)
                if key in wanted:
                    errors.append({"where": where, "code": "duplicate_example",
                                   "message": f"{where}: example {wanted[key]!r} already exists in intent "
                                              f"{block['name']!r} ({block['file']})"})
        return errors

    def save_nlu_block(self, actor: Actor, file: str, kind: str, name: str, examples: list[str],
                       version: str | None) -> dict[str, Any]:
        """Creates (version None), replaces or, with no examples, deletes one NLU block."""
        if kind not in NLU_KINDS:
            raise AdminError(422, "invalid_kind", f"kind must be one of {', '.join(NLU_KINDS)}")
        path = _relative_file(self.base, file, "nlu")
        examples = [e.strip() for e in examples if e.strip()]
        with self._lock:
            document = yamlio.load(path, self.rel(path)) if path.exists() else None
            if document is None:
                document = yamlio.commented({"version": "3.1", "nlu": []})
            if document.get("nlu") is None:
                document["nlu"] = yamlio.commented([])
            entries = document["nlu"]
            index = next((i for i, e in enumerate(entries) if e.get(kind) == name), None)
            current = _examples_list(entries[index].get("examples")) if index is not None else None
            what = f"{self.rel(path)}: {kind} {name}"
            self._check_version(what, current, version)
            if examples:
                self._validate_nlu(path, kind, name, examples, current)
                if index is None:
                    entries.append(yamlio.commented({kind: name, "examples": yamlio.literal_examples(examples)}))
                else:
                    entries[index]["examples"] = yamlio.literal_examples(examples)
            elif index is not None:
                del entries[index]
            action = "training_data.deleted" if not examples else (
                "training_data.created" if current is None else "training_data.updated")
            self._commit(actor, path, document, action, f"{self.rel(path)}#{kind}:{name}", current,
                         examples or None)
        return {"file": self.rel(path), "language": self.language_of(path), "kind": kind, "name": name,
                "examples": examples, "version": yamlio.version_of(examples) if examples else None}

    def add_example(self, actor: Actor, language: str, intent: str, example: str,
                    file: str | None = None) -> dict[str, Any]:
        """Appends one example to the intent's block in that language (used by "learn")."""
        blocks = [b for b in self.nlu_blocks(language=language, kind="intent", name=intent)
                  if file is None or b["file"] == file]
        if blocks:
            block = blocks[0]
            return self.save_nlu_block(actor, block["file"], "intent", intent, [*block["examples"], example],
                                       block["version"])
        return self.save_nlu_block(actor, file or f"nlu/{language}/learned.yml", "intent", intent, [example], None)

    # --- responses and translations ----------------------------------------------
    def responses(self) -> list[dict[str, Any]]:
        data = yamlio.load(self.settings.domain, "domain.yml") or {}
        translations = {lang: (doc.get("responses") or {}) for lang, doc in self._translation_docs().items()}
        out = []
        for name, variations in (data.get("responses") or {}).items():
            item = {"name": name, "variations": yamlio.plain(variations), "version": yamlio.version_of(variations),
                    "translations": {}}
            for lang, responses in translations.items():
                if name in responses:
                    item["translations"][lang] = {"variations": yamlio.plain(responses[name]),
                                                  "version": yamlio.version_of(responses[name])}
            out.append(item)
        return out

    def _translation_docs(self) -> dict[str, Any]:
        folder = self.base / "translations"
        return {p.stem: yamlio.load(p, self.rel(p)) or {} for p in sorted(folder.glob("*.yml"))}

    @staticmethod
    def _check_variations(where: str, variations: Any) -> list[dict[str, Any]]:
        if not isinstance(variations, list) or not variations:
            raise invalid([{"where": where, "code": "invalid_response",
                            "message": f"{where}: give at least one variation"}])
        errors = []
        for number, variation in enumerate(variations, 1):
            if not isinstance(variation, dict) or not isinstance(variation.get("text"), str) \
                    or not variation["text"].strip():
                errors.append({"where": f"{where}, variation {number}", "code": "invalid_response",
                               "message": f"{where}, variation {number}: needs a non-empty text"})
        if errors:
            raise invalid(errors)
        return variations

    def save_response(self, actor: Actor, name: str, variations: list[dict[str, Any]],
                      version: str | None) -> dict[str, Any]:
        if not re.fullmatch(r"utter_[a-z0-9_]+", name):
            raise AdminError(422, "invalid_name", f"response name {name!r} must look like utter_something")
        path = self.settings.domain
        with self._lock:
            document = yamlio.load(path, "domain.yml")
            responses = document.setdefault("responses", yamlio.commented({}))
            current = responses.get(name)
            self._check_version(f"domain.yml: response {name}", current, version)
            self._check_variations(f"domain.yml: response {name}", variations)
            responses[name] = yamlio.commented(variations)
            self._commit(actor, path, document, "response.created" if current is None else "response.updated",
                         f"domain.yml#response:{name}", current, variations)
        return {"name": name, "variations": variations, "version": yamlio.version_of(variations)}

    def save_translation(self, actor: Actor, language: str, name: str, variations: list[dict[str, Any]],
                         version: str | None) -> dict[str, Any]:
        if not re.fullmatch(r"[a-z]{2,3}", language):
            raise AdminError(422, "invalid_language", f"{language!r} is not an ISO 639-1 code")
        path = self.base / "translations" / f"{language}.yml"
        where = f"{self.rel(path)}: response {name}"
        english = (yamlio.load(self.settings.domain, "domain.yml").get("responses") or {}).get(name)
        if english is None:
            raise AdminError(404, "unknown_response", f"there is no response {name!r} in domain.yml")
        self._check_variations(where, variations)
        errors = []
        if len(variations) != len(english):
            errors.append({"where": where, "code": "variation_count",
                           "message": f"{where}: {len(variations)} variations, the English has {len(english)}"})
        for number, (mine, source) in enumerate(zip(variations, english, strict=False), 1):
            at = f"{where}, variation {number}"
            if set(FIELD.findall(mine["text"])) != set(FIELD.findall(str(source.get("text", "")))):
                errors.append({"where": at, "code": "field_mismatch",
                               "message": f"{at}: uses fields {sorted(set(FIELD.findall(mine['text'])))}, "
                                          f"the English {sorted(set(FIELD.findall(str(source.get('text', '')))))}"})
            if len(mine.get("buttons") or []) != len(source.get("buttons") or []):
                errors.append({"where": at, "code": "button_count",
                               "message": f"{at}: {len(mine.get('buttons') or [])} buttons, "
                                          f"the English has {len(source.get('buttons') or [])}"})
        if errors:
            raise invalid(errors)
        with self._lock:
            document = yamlio.load(path, self.rel(path)) if path.exists() else yamlio.commented(
                {"language": language, "responses": {}})
            responses = document.get("responses")
            if responses is None:
                responses = document["responses"] = yamlio.commented({})
            current = responses.get(name)
            self._check_version(where, current, version)
            responses[name] = yamlio.commented(variations)
            self._commit(actor, path, document, "translation.updated", f"{self.rel(path)}#response:{name}",
                         current, variations)
        return {"language": language, "name": name, "variations": variations,
                "version": yamlio.version_of(variations)}

    # --- knowledge base ------------------------------------------------------------
    def knowledge(self) -> list[dict[str, Any]]:
        out = []
        for path in sorted((self.base / "knowledge_base").glob("*.yml")):
            for entry in (yamlio.load(path, self.rel(path)) or {}).get("entries") or []:
                out.append({"file": self.rel(path), "id": entry.get("id"), "entry": yamlio.plain(entry),
                            "yaml": yamlio.dumps(entry), "version": yamlio.version_of(entry)})
        return out

    @staticmethod
    def _check_kb_entry(where: str, entry: Any) -> None:
        errors = []
        if not isinstance(entry, dict):
            raise invalid([{"where": where, "code": "invalid_entry", "message": f"{where}: must be a mapping"}])
        if not isinstance(entry.get("id"), str) or not re.fullmatch(r"[a-z0-9_]+", entry["id"]):
            errors.append({"where": where, "code": "invalid_entry", "message": f"{where}: id must be snake_case"})
        for key in ("title", "answer"):
            value = entry.get(key)
            if not isinstance(value, dict) or not isinstance(value.get("en"), str) or not value["en"].strip():
                errors.append({"where": f"{where}.{key}", "code": "invalid_entry",
                               "message": f"{where}: {key} must map languages to text and include en"})
        questions = entry.get("questions")
        if not isinstance(questions, dict) or not questions.get("en") or not all(
                isinstance(v, list) and all(isinstance(q, str) for q in v) for v in questions.values()):
            errors.append({"where": f"{where}.questions", "code": "invalid_entry",
                           "message": f"{where}: questions must map languages to lists of text and include en"})
        if errors:
            raise invalid(errors)

    def save_knowledge(self, actor: Actor, entry_id: str, entry: Any, version: str | None,
                       file: str | None = None) -> dict[str, Any]:
        if isinstance(entry, str):  # the YAML view
            entry = yamlio.plain(yamlio.loads(entry, f"knowledge entry {entry_id}"))
        self._check_kb_entry(f"knowledge entry {entry_id}", entry)
        if entry["id"] != entry_id:
            raise AdminError(422, "id_mismatch", f"the entry's id {entry['id']!r} differs from {entry_id!r}")
        with self._lock:
            existing = next((k for k in self.knowledge() if k["id"] == entry_id), None)
            path = _relative_file(self.base, existing["file"] if existing else (file or "knowledge_base/admin.yml"),
                                  "knowledge_base")
            document = yamlio.load(path, self.rel(path)) if path.exists() else yamlio.commented({"entries": []})
            entries = document.setdefault("entries", yamlio.commented([]))
            index = next((i for i, e in enumerate(entries) if e.get("id") == entry_id), None)
            current = entries[index] if index is not None else None
            self._check_version(f"{self.rel(path)}: entry {entry_id}", current, version)
            if index is None:
                entries.append(yamlio.commented(entry))
            else:
                entries[index] = yamlio.commented(entry)
            self._commit(actor, path, document, "knowledge.updated" if current is not None else "knowledge.created",
                         f"{self.rel(path)}#entry:{entry_id}", current, entry)
        return {"file": self.rel(path), "id": entry_id, "entry": entry, "version": yamlio.version_of(entry)}

    # --- stories and rules -------------------------------------------------------------
    def stories(self, kind: str = "story") -> list[dict[str, Any]]:
        folder = STORY_KINDS.get(kind)
        if folder is None:
            raise AdminError(422, "invalid_kind", "kind must be story or rule")
        out = []
        for path in sorted((self.base / folder).glob("*.yml")):
            for item in (yamlio.load(path, self.rel(path)) or {}).get(folder) or []:
                out.append({"file": self.rel(path), "kind": kind, "name": item.get(kind), "item": yamlio.plain(item),
                            "yaml": yamlio.dumps(item), "version": yamlio.version_of(item)})
        return out

    def _validate_story(self, where: str, kind: str, item: Any) -> None:
        if not isinstance(item, dict) or not isinstance(item.get(kind), str) or not item[kind].strip():
            raise invalid([{"where": where, "code": "invalid_story", "message": f"{where}: needs a `{kind}:` name"}])
        steps = item.get("steps")
        if not isinstance(steps, list) or not steps:
            raise invalid([{"where": where, "code": "invalid_story", "message": f"{where}: needs at least one step"}])
        domain, errors = self.domain(), []
        conditions = item.get("condition") or []
        if not isinstance(conditions, list):
            conditions = []
        numbered = [(f"{where}, condition {n}", c) for n, c in enumerate(conditions, 1)]
        numbered += [(f"{where}, step {n}", s) for n, s in enumerate(steps, 1)]
        expanded = []
        for at, step in numbered:  # `or:` groups alternatives (intents or slot events) in one step
            if isinstance(step, dict) and isinstance(step.get("or"), list):
                expanded += [(at, alternative) for alternative in step["or"]]
            else:
                expanded.append((at, step))
        for at, step in expanded:
            if not isinstance(step, dict):
                errors.append({"where": at, "code": "invalid_step", "message": f"{at}: each step is a mapping"})
                continue
            if "active_loop" in step and step["active_loop"] is not None \
                    and step["active_loop"] not in domain.forms | domain.actions:
                errors.append({"where": at, "code": "unknown_form",
                               "message": f"{at}: active_loop {step['active_loop']!r} is not a form in domain.yml"})
            intent, action = step.get("intent"), step.get("action")
            if intent is not None and intent not in domain.intents | DEFAULT_INTENTS:
                errors.append({"where": at, "code": "unknown_intent",
                               "message": f"{at}: intent {intent!r} is not in domain.yml"})
            if action is not None and action not in domain.known_actions:
                errors.append({"where": at, "code": "unknown_action",
                               "message": f"{at}: action {action!r} is not in domain.yml (actions or responses)"})
            for entity in step.get("entities") or []:
                name = next(iter(entity)) if isinstance(entity, dict) else entity
                if name not in domain.entities:
                    errors.append({"where": at, "code": "unknown_entity",
                                   "message": f"{at}: entity {name!r} is not in domain.yml"})
            for slot in step.get("slot_was_set") or []:
                name = next(iter(slot)) if isinstance(slot, dict) else slot
                if name not in domain.slots | DEFAULT_SLOTS:
                    errors.append({"where": at, "code": "unknown_slot",
                                   "message": f"{at}: slot {name!r} is not in domain.yml"})
            if not ({"intent", "action", "slot_was_set", "active_loop", "checkpoint", "user", "bot"} & set(step)):
                errors.append({"where": at, "code": "invalid_step",
                               "message": f"{at}: a step needs intent, action, slot_was_set or active_loop"})
        if errors:
            raise invalid(errors)

    def save_story(self, actor: Actor, kind: str, name: str, item: Any, version: str | None,
                   file: str | None = None) -> dict[str, Any]:
        """`item` is the form's {story|rule: name, steps: [...]} or the YAML view's text."""
        folder = STORY_KINDS.get(kind)
        if folder is None:
            raise AdminError(422, "invalid_kind", "kind must be story or rule")
        if isinstance(item, str):
            parsed = yamlio.loads(item, f"{kind} {name}")
            item = parsed[0] if isinstance(parsed, list) and len(parsed) == 1 else parsed
            item = yamlio.plain(item)
        where = f"{kind} {name!r}"
        self._validate_story(where, kind, item)
        if item[kind] != name:
            raise AdminError(422, "name_mismatch", f"the {kind}'s name {item[kind]!r} differs from {name!r}")
        ordered = {kind: name, **{k: v for k, v in item.items() if k != kind}}
        with self._lock:
            existing = next((s for s in self.stories(kind) if s["name"] == name), None)
            path = _relative_file(self.base, existing["file"] if existing else (file or f"{folder}/admin.yml"), folder)
            document = yamlio.load(path, self.rel(path)) if path.exists() else yamlio.commented(
                {"version": "3.1", folder: []})
            entries = document.setdefault(folder, yamlio.commented([]))
            index = next((i for i, e in enumerate(entries) if e.get(kind) == name), None)
            current = entries[index] if index is not None else None
            self._check_version(f"{self.rel(path)}: {where}", current, version)
            if index is None:
                entries.append(yamlio.commented(ordered))
            else:
                entries[index] = yamlio.commented(ordered)
            self._commit(actor, path, document, f"{kind}.updated" if current is not None else f"{kind}.created",
                         f"{self.rel(path)}#{kind}:{name}", current, ordered)
        return {"file": self.rel(path), "kind": kind, "name": name, "item": ordered,
                "yaml": yamlio.dumps(yamlio.commented(ordered)), "version": yamlio.version_of(ordered)}

    def delete_story(self, actor: Actor, kind: str, name: str, version: str) -> None:
        folder = STORY_KINDS.get(kind)
        existing = next((s for s in self.stories(kind) if s["name"] == name), None)
        if existing is None:
            raise AdminError(404, "not_found", f"there is no {kind} {name!r}")
        path = _relative_file(self.base, existing["file"], folder)
        with self._lock:
            document = yamlio.load(path, self.rel(path))
            entries = document[folder]
            index = next(i for i, e in enumerate(entries) if e.get(kind) == name)
            current = entries[index]
            self._check_version(f"{self.rel(path)}: {kind} {name!r}", current, version)
            del entries[index]
            self._commit(actor, path, document, f"{kind}.deleted", f"{self.rel(path)}#{kind}:{name}", current, None)

    # --- fingerprint ---------------------------------------------------------------------
    def fingerprint(self) -> str:
        """Hash of everything a training reads: data/{nlu,stories,rules}, domain and config."""
        import hashlib

        digest = hashlib.sha256()
        files = [p for folder in ("nlu", "stories", "rules") for p in sorted((self.base / folder).rglob("*.yml"))]
        for path in [*files, self.settings.domain, self.settings.config]:
            if path.exists():
                digest.update(self.rel(path).encode() + b"\0" + path.read_bytes() + b"\0")
        return digest.hexdigest()[:16]
