"""Keeps one entity per stretch of text, and each extractor to the entity types it is meant for.

Rasa's `RegexEntityExtractor` only extracts entity types that are annotated in the
training data, so the learned extractor (CRF/DIET) is trained on the same types and
finds them too: every order number, ticket number and email then arrives twice, and a
form's slot can receive a list or a slightly different span (RasaHQ/rasa#7490; Rasa
itself only warns about it). This component runs after the extractors and drops an
entity when its characters overlap one found by an extractor earlier in `priority`
(by default the regex/lookup extractor, whose patterns are exact). Entities of
extractors not named in `priority` are left as they are.

`RegexEntityExtractor` also turns every lookup table into extraction, in any context; a
lookup table written as *features* for a learned entity (e.g. category words for the
CRF's `pattern` feature) then yields false positives ("Lieferung" as a ticket category in
"wo ist meine Lieferung"). `extractor_entities` lists the entity types an extractor may
produce; its other entities are dropped (the learned extractor still sees the lookup as
a feature through `RegexFeaturizer`).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    EXTRACTOR,
)
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EntityOverlapResolver(GraphComponent):
    """Drops entities outside their extractor's types, or overlapping a higher-priority extractor's."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            # Extractor names, strongest first. Extractors not listed are never preferred
            # and never dropped for each other.
            "priority": ["RegexEntityExtractor"],
            # {extractor name: [entity types it may produce]}; extractors not listed are unrestricted.
            "extractor_entities": {},
        }

    def __init__(self, config: dict[str, Any]) -> None:
        priority = config.get("priority")
        if not isinstance(priority, list) or not all(isinstance(p, str) for p in priority):
            raise InvalidConfigException("EntityOverlapResolver: priority must be a list of extractor names")
        self.rank = {name: index for index, name in enumerate(priority)}
        allowed = config.get("extractor_entities") or {}
        if not isinstance(allowed, dict) or not all(isinstance(v, list) for v in allowed.values()):
            raise InvalidConfigException(
                "EntityOverlapResolver: extractor_entities must map extractor names to lists of entity types")
        self.allowed = {extractor: set(types) for extractor, types in allowed.items()}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityOverlapResolver:
        return cls({**cls.get_default_config(), **config})

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES)
            if entities:
                message.set(ENTITIES, self.resolve(entities), add_to_output=True)
        return messages

    def resolve(self, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
        entities = [
            e for e in entities
            if e.get(EXTRACTOR) not in self.allowed or e.get(ENTITY_ATTRIBUTE_TYPE) in self.allowed[e.get(EXTRACTOR)]
        ]
        unranked = len(self.rank)

        def rank(entity: dict[str, Any]) -> int:
            return self.rank.get(entity.get(EXTRACTOR), unranked)

        kept: list[dict[str, Any]] = []
        for entity in sorted(entities, key=rank):
            beaten = any(
                rank(other) < rank(entity)
                and other[ENTITY_ATTRIBUTE_START] < entity[ENTITY_ATTRIBUTE_END]
                and entity[ENTITY_ATTRIBUTE_START] < other[ENTITY_ATTRIBUTE_END]
                for other in kept
            )
            if not beaten:
                kept.append(entity)
        # Same order as Rasa gave them (extractors append in pipeline order).
        return [e for e in entities if any(e is k for k in kept)]
