"""The repository's config.yml pipeline, trained for real on a small multilingual data set.

One training (~30 s on 2 cores) shared by the tests of this module; Rasa's training cache
is private and disabled, so the custom components really train, persist into the model
archive and load back from it.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest
import ruamel.yaml

ROOT = Path(__file__).resolve().parents[2]

NLU = """\
version: "3.1"
nlu:
- regex: order_number
  examples: |
    - \\b\\d{6}\\b
- lookup: language
  examples: |
    - german
    - deutsch
    - alemán
    - spanish
    - español
- lookup: ticket_category
  examples: |
    - rechnung
    - lieferung
    - invoice
- synonym: de
  examples: |
    - german
    - deutsch
    - alemán
- synonym: es
  examples: |
    - spanish
    - español
- intent: check_order_status
  examples: |
    - where is my order [482913](order_number)
    - has order [551203](order_number) shipped yet
    - track my parcel
    - when will my package arrive
    - dónde está mi pedido [730114](order_number)
    - mi paquete no llega
    - wo ist meine bestellung [618220](order_number)
    - wann kommt mein paket
- intent: change_address
  examples: |
    - please send it to [12 High Street, London SW1A 1AA](address)
    - change the delivery address to [48 Rue de Rivoli, 75004 Paris](address)
    - new address [Calle Mayor 5, 28013 Madrid](address)
    - cambia la dirección a [Avenida de América 21, 28002 Madrid](address)
    - bitte an [Lindenstraße 14, 50674 Köln](address) liefern
    - i moved, the address is [7 Baker Lane, Leeds LS1 4AP](address)
    - the new address is [221 King Road, Bristol BS1 5TR](address)
    - neue adresse [Hauptstraße 3, 10115 Berlin](address)
- intent: change_language
  examples: |
    - can we speak [german]{"entity": "language", "value": "de"}
    - [deutsch]{"entity": "language", "value": "de"} bitte
    - en [español]{"entity": "language", "value": "es"} por favor
    - switch to [spanish]{"entity": "language", "value": "es"}
    - hablas [alemán]{"entity": "language", "value": "de"}
    - i want to talk in [german]{"entity": "language", "value": "de"}
- intent: open_ticket
  examples: |
    - please open a case about my [invoice]{"entity": "ticket_category", "value": "billing"}
    - bitte ein ticket wegen der [rechnung]{"entity": "ticket_category", "value": "billing"}
    - i need a ticket, problem with the [delivery]{"entity": "ticket_category", "value": "delivery"}
    - ticket wegen [lieferung]{"entity": "ticket_category", "value": "delivery"} bitte
    - open a support case
    - ich brauche ein ticket
- intent: greet
  examples: |
    - hello
    - hi there
    - hola
    - buenos días
    - guten tag
    - hallo
    - good morning
    - hey
"""


@pytest.fixture(scope="module")
def agent(tmp_path_factory, encoder_dir):
    from rasa.core.agent import Agent
    from rasa.model_training import train_nlu

    work = tmp_path_factory.mktemp("pipeline")
    os.environ["RASA_CACHE_DIRECTORY"] = str(work / "cache")
    os.environ["RASA_MAX_CACHE_SIZE"] = "0"
    yaml = ruamel.yaml.YAML(typ="safe")
    config = yaml.load((ROOT / "config.yml").read_text())
    with (work / "config.yml").open("w") as handle:
        yaml.dump({k: config[k] for k in ("recipe", "language", "pipeline")}, handle)
    (work / "nlu.yml").write_text(NLU)
    model = train_nlu(str(work / "config.yml"), str(work / "nlu.yml"), str(work / "models"))
    assert model, "training failed"
    return Agent.load(model)


def parse(agent, text):
    return asyncio.run(agent.parse_message(text))


def test_intents_in_several_languages(agent):
    assert parse(agent, "where is my order")["intent"]["name"] == "check_order_status"
    assert parse(agent, "dónde está mi paquete")["intent"]["name"] == "check_order_status"
    assert parse(agent, "guten morgen")["intent"]["name"] == "greet"
    ranking = parse(agent, "hola")["intent_ranking"]
    assert ranking[0]["name"] == "greet"
    assert abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-6  # all four intents, a distribution


def test_regex_entity_is_extracted_once(agent):
    entities = parse(agent, "wo ist bestellung 904417")["entities"]
    numbers = [e for e in entities if e["entity"] == "order_number"]
    assert [(e["value"], e["extractor"]) for e in numbers] == [("904417", "RegexEntityExtractor")]


def test_lookup_entity_is_mapped_to_its_iso_code(agent):
    entities = parse(agent, "can we speak deutsch")["entities"]
    assert [(e["entity"], e["value"]) for e in entities] == [("language", "de")]


def test_a_lookup_table_for_a_learned_entity_does_not_extract_out_of_context(agent):
    # The lookup lists "lieferung" as a ticket category (a CRF feature); asking where the
    # delivery is must not produce a ticket_category from RegexEntityExtractor.
    entities = parse(agent, "wo ist meine lieferung")["entities"]
    assert [e for e in entities if e["extractor"] == "RegexEntityExtractor"] == []


def test_unknown_text_gets_a_low_confidence_the_fallback_can_see(agent):
    parsed = parse(agent, "qwxz vbnm plok")
    assert parsed["intent_ranking"][0]["confidence"] < 0.9
