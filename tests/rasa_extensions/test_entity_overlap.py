"""EntityOverlapResolver: one entity per span, the regex extractor's when they overlap."""

from __future__ import annotations

import pytest
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message

from rasa_extensions.nlu.entity_overlap import EntityOverlapResolver


def entity(kind, start, end, extractor, value=None):
    return {"entity": kind, "start": start, "end": end, "extractor": extractor, "value": value or f"{start}-{end}"}


def resolve(entities, **config):
    resolver = EntityOverlapResolver({**EntityOverlapResolver.get_default_config(), **config})
    message = Message(data={"text": "x" * 80, "entities": entities})
    return resolver.process([message])[0].get("entities")


def test_regex_entity_wins_over_an_overlapping_learned_one():
    regex = entity("order_number", 10, 16, "RegexEntityExtractor")
    crf_same = entity("order_number", 10, 16, "CRFEntityExtractor")
    crf_wider = entity("address", 5, 20, "CRFEntityExtractor")
    crf_elsewhere = entity("address", 30, 50, "CRFEntityExtractor")
    assert resolve([regex, crf_same, crf_wider, crf_elsewhere]) == [regex, crf_elsewhere]


def test_learned_entities_are_not_dropped_for_each_other():
    first = entity("address", 0, 10, "CRFEntityExtractor")
    second = entity("ticket_category", 5, 12, "DIETClassifier")
    assert resolve([first, second]) == [first, second]


def test_priority_is_configurable():
    regex = entity("email", 0, 10, "RegexEntityExtractor")
    crf = entity("email", 0, 12, "CRFEntityExtractor")
    assert resolve([regex, crf], priority=["CRFEntityExtractor", "RegexEntityExtractor"]) == [crf]


def test_messages_without_entities_are_untouched():
    resolver = EntityOverlapResolver(EntityOverlapResolver.get_default_config())
    message = Message(data={"text": "hello"})
    assert resolver.process([message])[0].get("entities") is None


def test_priority_must_be_a_list_of_names():
    with pytest.raises(InvalidConfigException):
        EntityOverlapResolver({"priority": "RegexEntityExtractor"})


def test_an_extractor_is_kept_to_its_entity_types():
    lookup_category = entity("ticket_category", 0, 9, "RegexEntityExtractor")
    lookup_language = entity("language", 20, 27, "RegexEntityExtractor")
    crf_category = entity("ticket_category", 30, 38, "CRFEntityExtractor")
    kept = resolve([lookup_category, lookup_language, crf_category],
                   extractor_entities={"RegexEntityExtractor": ["language", "order_number"]})
    assert kept == [lookup_language, crf_category]


def test_extractor_entities_must_map_to_lists():
    with pytest.raises(InvalidConfigException):
        EntityOverlapResolver({"priority": [], "extractor_entities": {"RegexEntityExtractor": "language"}})
