"""Rasa's NLG endpoint: every bot response is written here.

Contract (https://rasa.com/docs/rasa/nlg): Rasa POSTs
{"response": name, "arguments": {...}, "tracker": {...}, "channel": {"name": ...}}
and expects {"text": ..., "buttons": [...], "image": ..., "custom": ..., ...}.

This module renders the English templates of domain.yml, the way Rasa's own
TemplatedNaturalLanguageGenerator does (variations, conditions on slots,
{placeholders} filled from slots and arguments).
"""

import random
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def load_domain_responses(domain_path: Path) -> dict[str, list[dict[str, Any]]]:
    yaml = YAML(typ="safe")
    domain = yaml.load(domain_path.read_text()) or {}
    return domain.get("responses", {}) or {}


def _condition_holds(variation: dict[str, Any], slots: dict[str, Any], channel: str | None) -> bool:
    if variation.get("channel") and variation["channel"] != channel:
        return False
    for condition in variation.get("condition", []) or []:
        if condition.get("type") == "slot" and slots.get(condition.get("name")) != condition.get("value"):
            return False
    return True


def choose_variation(
    variations: list[dict[str, Any]], slots: dict[str, Any], channel: str | None, rng: random.Random = random
) -> dict[str, Any]:
    """Conditional variations that hold win over unconditional ones, as in Rasa."""
    conditional = [v for v in variations if v.get("condition") and _condition_holds(v, slots, channel)]
    if conditional:
        return rng.choice(conditional)
    plain = [v for v in variations if not v.get("condition") and _condition_holds(v, slots, channel)]
    return rng.choice(plain or variations)


def fill(text: str, values: dict[str, Any]) -> str:
    """Replaces {name} with its value; unknown names stay as written."""

    def substitute(match: re.Match) -> str:
        value = values.get(match[1])
        return match[0] if value is None else str(value)

    return PLACEHOLDER.sub(substitute, text)


def render(response_name: str, arguments: dict[str, Any], tracker: dict[str, Any], channel: str | None,
           responses: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    slots = tracker.get("slots", {}) or {}
    variations = responses.get(response_name)
    if not variations:
        raise KeyError(response_name)
    variation = choose_variation(variations, slots, channel)
    values = {**slots, **(arguments or {})}
    message: dict[str, Any] = {"text": fill(variation.get("text", ""), values)}
    if variation.get("buttons"):
        message["buttons"] = [
            {"title": fill(b["title"], values), "payload": fill(b["payload"], values)} for b in variation["buttons"]
        ]
    for key in ("image", "custom", "attachment", "elements", "quick_replies"):
        if variation.get(key) is not None:
            message[key] = variation[key]
    return message
