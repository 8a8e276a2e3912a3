"""A tiny assistant (a few intents, a small config) in a temporary folder: the workbench
trains, evaluates and activates it through exactly the code path it uses for the real one,
in about a minute instead of many (ADMIN_DATA_DIR, ADMIN_DOMAIN, ADMIN_CONFIG, ...)."""

from __future__ import annotations

import textwrap
from pathlib import Path

DOMAIN = """\
version: "3.1"
# tiny domain for workbench tests
intents:
  - greet
  - goodbye
  - thank
  - check_order_status
entities:
  - order_number
slots:
  order_number:
    type: text
    mappings:
      - type: from_entity
        entity: order_number
responses:
  utter_greet:
    - text: "Hi! How can I help?"
  utter_goodbye:
    - text: "Goodbye!"
  utter_thanks:
    - text: "You're welcome."
  utter_order_status:
    - text: "Order {order_number} is on its way."
      buttons:
        - title: "Thanks"
          payload: "/thank"
session_config:
  session_expiration_time: 60
  carry_over_slots_to_new_session: true
"""

CONFIG = """\
recipe: default.v1
assistant_id: tiny-test-assistant
language: en
# Small and fast: seconds to train.
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 4
  - name: LogisticRegressionClassifier
    random_state: 1
  - name: RegexEntityExtractor
    use_regexes: true
policies:
  - name: RulePolicy
"""

NLU = """\
version: "3.1"
nlu:
  # greetings
  - intent: greet
    examples: |
      - hi
      - hello
      - hey there
      - good morning
      - hello bot
  - intent: goodbye
    examples: |
      - bye
      - goodbye
      - see you later
      - ciao for now
      - bye bye
  - intent: thank
    examples: |
      - thanks
      - thank you
      - thanks a lot
      - cheers mate
      - many thanks
  - intent: check_order_status
    examples: |
      - where is my order
      - where is order [482913](order_number)
      - track my order [551234](order_number)
      - when does my order arrive
      - status of my order
  - regex: order_number
    examples: |
      - \\b\\d{6}\\b
"""

NLU_ES = """\
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - hola
      - buenos días
  - synonym: billing
    examples: |
      - factura
"""

RULES = """\
version: "3.1"
rules:
  - rule: greet
    steps:
      - intent: greet
      - action: utter_greet
  - rule: goodbye
    steps:
      - intent: goodbye
      - action: utter_goodbye
"""

STORIES = """\
version: "3.1"
stories:
  - story: order status
    steps:
      - intent: check_order_status
      - action: utter_order_status
"""

TRANSLATIONS_ES = """\
# curated Spanish
language: es
responses:
  utter_greet:
    - text: "¡Hola! ¿En qué puedo ayudarle?"
"""

KNOWLEDGE = """\
# knowledge base (tests)
entries:
  - id: shipping_times
    title: {en: Delivery times, es: Plazos de entrega}
    questions:
      en: [how long does delivery take]
      es: [cuánto tarda el envío]
    answer:
      en: Standard delivery takes 2-4 working days.
      es: La entrega estándar tarda de 2 a 4 días laborables.
"""

TEST_NLU = """\
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - hey
      - hello there
  - intent: goodbye
    examples: |
      - see you
      - bye now
  - intent: thank
    examples: |
      - thank you so much
      - thanks!
  - intent: check_order_status
    examples: |
      - where's my order [123456](order_number)
      - what is the status of my order
"""

TEST_STORIES = """\
version: "3.1"
stories:
  - story: greet then goodbye
    steps:
      - user: |
          hello
        intent: greet
      - action: utter_greet
"""


def build(root: Path) -> dict[str, str]:
    """Writes the tiny project under root; returns the ADMIN_* environment pointing at it."""
    files = {
        "data/nlu/en/basics.yml": NLU, "data/nlu/es/basics.yml": NLU_ES, "data/rules/rules.yml": RULES,
        "data/stories/stories.yml": STORIES, "data/translations/es.yml": TRANSLATIONS_ES,
        "data/knowledge_base/shipping.yml": KNOWLEDGE, "domain.yml": DOMAIN, "config.yml": CONFIG,
        "tests/nlu/en.yml": TEST_NLU, "tests/stories/test_stories.yml": TEST_STORIES,
    }
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    (root / "models").mkdir(exist_ok=True)
    return {"ADMIN_DATA_DIR": str(root / "data"), "ADMIN_DOMAIN": str(root / "domain.yml"),
            "ADMIN_CONFIG": str(root / "config.yml"), "ADMIN_MODELS_DIR": str(root / "models"),
            "ADMIN_TESTS_DIR": str(root / "tests"), "ADMIN_NICE": "10"}
