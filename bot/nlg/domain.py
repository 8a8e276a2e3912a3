"""The domain's English responses and how Rasa picks and fills them.

Mirrors Rasa 3.6's TemplatedNaturalLanguageGenerator and ResponseVariationFilter
(rasa/core/nlg/response.py, generator.py): variations whose slot conditions hold and
whose channel matches win, then unconditional ones for the channel, then
conditional ones without a channel, then the rest; string conditions compare
case-insensitively; `{name}` is filled from slots, then arguments.
"""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

PLACEHOLDER = re.compile(r"\{([^\n{}]+?)\}")
Responses = dict[str, list[dict[str, Any]]]


def load_domain_responses(domain_path: Path) -> Responses:
    """Responses of domain.yml, or of every YAML file in a domain directory."""
    yaml = YAML(typ="safe")
    paths = sorted(domain_path.rglob("*.yml")) if domain_path.is_dir() else [domain_path]
    responses: Responses = {}
    for path in paths:
        document = yaml.load(path.read_text()) or {}
        responses.update(document.get("responses", {}) or {})
    return responses


def _matches(variation: dict[str, Any], slots: dict[str, Any]) -> bool:
    for condition in variation.get("condition") or []:
        expected, actual = condition.get("value"), slots.get(condition.get("name"))
        if isinstance(expected, str) and isinstance(actual, str):
            if expected.casefold() != actual.casefold():
                return False
        elif expected != actual:
            return False
    return True


def eligible_variations(variations: list[dict[str, Any]], slots: dict[str, Any], channel: str | None) -> list[int]:
    """Indices of the variations Rasa would choose from, in Rasa's order of preference."""
    default = [i for i, v in enumerate(variations) if v.get("condition") is None]
    conditional = [i for i, v in enumerate(variations) if v.get("condition") and _matches(v, slots)]
    for group in (
        [i for i in conditional if variations[i].get("channel") == channel],
        [i for i in default if variations[i].get("channel") == channel],
        [i for i in conditional if variations[i].get("channel") is None],
    ):
        if group:
            return group
    return [i for i in default if variations[i].get("channel") is None]


def choose_variation(variations: list[dict[str, Any]], slots: dict[str, Any], channel: str | None,
                     rng: random.Random | None = None) -> int | None:
    """The index of the variation to use (random among the eligible), None when none fits."""
    eligible = eligible_variations(variations, slots, channel)
    return (rng or random).choice(eligible) if eligible else None


def placeholders_of(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text or ""))


def fill(text: str, values: dict[str, Any]) -> str:
    """Replaces {name} with its value. Unlike Rasa (which then returns the template
    untouched), a name without a value stays as written and the others are filled."""

    def substitute(match: re.Match) -> str:
        value = values.get(match[1])
        return match[0] if value is None else str(value)

    return PLACEHOLDER.sub(substitute, text)
