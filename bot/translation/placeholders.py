"""Keeps values that must never be translated out of the translation model's reach.

Order and ticket numbers, tracking codes, URLs, emails, amounts, dates and the
`{name}` fields of response templates are replaced by numbered tokens (`[0]`,
`[1]`, ...) before a sentence goes to a model and put back afterwards. Models copy
such short bracketed numbers reliably; when one drops or mangles a token anyway,
`restore` still puts the value into the output (appended), so a customer never
loses an order number to a translation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Order matters: earlier patterns win where matches overlap (a URL containing a
# number is one URL, not a URL and a number).
_PROTECTED = [
    # URLs (scheme or www.), without the sentence punctuation that may follow them.
    r"(?:https?://|www\.)[^\s<>\"']+[^\s<>\"'.,;:!?)\]]",
    # Email addresses.
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+",
    # Response template fields: {order_number}.
    r"\{[A-Za-z_][A-Za-z0-9_]*\}",
    # Amounts with a currency sign or code before or after: €49.90, 49,90 €, 12 EUR, USD 12.
    r"(?:[€$£¥]|\b(?:EUR|USD|GBP|CHF|JPY)\s?)\d[\d.,\u202f\u00a0 ]*\d(?:\s?[€$£¥])?"
    r"|(?:[€$£¥]|\b(?:EUR|USD|GBP|CHF|JPY)\s?)\d"
    r"|\b\d[\d.,\u202f\u00a0]*\s?(?:[€$£¥]|(?:EUR|USD|GBP|CHF|JPY)\b)",
    # Ticket numbers as customers and the CRM write them: T10234, t-10234, T 10234.
    r"\b[Tt][- ]?\d{5}\b",
    # Codes mixing letters and digits (tracking codes, SKUs, postal codes like SW1A 1AA).
    r"\b(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9_-]{2,}\b",
    # Any other number: order numbers, dates (2026-11-25, 25/11/2026), times (14:00).
    r"#?\d+(?:[.,:/-]\d+)*",
]
PROTECTED = re.compile("|".join(f"(?:{pattern})" for pattern in _PROTECTED))
# What a model may make of "[3]": "[3]", "[ 3 ]", "3]" is too far gone and is treated as dropped.
TOKEN = re.compile(r"\[\s*(\d{1,3})\s*\]")


@dataclass
class Protected:
    """Text with values replaced by `[i]` tokens, and the values in token order."""

    text: str
    values: list[str] = field(default_factory=list)


def protect(text: str) -> Protected:
    """Replaces every protected value with a numbered token. Brackets that are already
    in the text and look like tokens are protected too, so they round-trip unchanged."""
    values: list[str] = []

    def substitute(match: re.Match) -> str:
        values.append(match[0])
        return f"[{len(values) - 1}]"

    masked = re.sub(rf"{TOKEN.pattern}|{PROTECTED.pattern}", substitute, text)
    return Protected(masked, values)


def restore(translated: str, values: list[str]) -> str:
    """Puts the values back. Tokens the model invented are removed; values whose token
    the model dropped are appended, so no value is ever lost."""
    seen: set[int] = set()

    def substitute(match: re.Match) -> str:
        index = int(match[2])
        if index >= len(values):
            return ""  # invented by the model: drop it with the space before it
        seen.add(index)
        return match[1] + values[index]

    text = re.sub(rf"(\s*){TOKEN.pattern}", substitute, translated)
    missing = [values[i] for i in range(len(values)) if i not in seen]
    if missing:
        text = text.rstrip() + " (" + ", ".join(missing) + ")"
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def renumber(segment: str) -> tuple[str, list[int]]:
    """Numbers the tokens of one segment from 0, so "Order [3] shipped" and "Order [0]
    shipped" share one cache entry. Returns the segment and the original indices."""
    originals: list[int] = []

    def substitute(match: re.Match) -> str:
        originals.append(int(match[1]))
        return f"[{len(originals) - 1}]"

    return TOKEN.sub(substitute, segment), originals


def number_back(segment: str, originals: list[int]) -> str:
    """Inverse of `renumber` on a translated segment; unknown local tokens are kept as
    they are so `restore` can drop them."""

    def substitute(match: re.Match) -> str:
        local = int(match[1])
        return f"[{originals[local]}]" if local < len(originals) else ""

    return TOKEN.sub(substitute, segment)
