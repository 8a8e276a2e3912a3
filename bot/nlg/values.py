"""Arguments actions pass to responses, written for the customer's locale (Babel).

Plain strings and numbers are inserted verbatim (order and ticket numbers, tracking
codes, URLs, emails). Typed values (docs/INTERFACES.md):
  {"type": "date", "value": "2026-11-25"}
  {"type": "datetime", "value": "2026-11-25T14:00:00Z"}   shown in NLG_TIMEZONE
  {"type": "money", "amount": "49.90", "currency": "EUR"}
  {"type": "enum", "name": "order_status", "value": "shipped"}
A malformed typed value is shown as its raw value rather than failing the reply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

logger = logging.getLogger(__name__)
EnumLabels = Callable[[str, str, str], str | None]  # (language, enum name, value) -> label


@lru_cache(maxsize=64)
def locale_for(language: str) -> Locale:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _parse_datetime(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def format_value(value: Any, language: str, enum_label: EnumLabels, tz: ZoneInfo) -> str | None:
    """The text to insert for one argument or slot; None for None (the field stays)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if not isinstance(value, dict):
        return str(value)
    kind = value.get("type")
    locale = locale_for(language)
    try:
        if kind == "date":
            return format_date(date.fromisoformat(str(value["value"])[:10]), "long", locale=locale)
        if kind == "datetime":
            moment = _parse_datetime(str(value["value"])).astimezone(tz)
            pattern = locale.datetime_formats["long"]
            pattern = getattr(pattern, "pattern", pattern)
            return (str(pattern).replace("'", "")
                    .replace("{1}", format_date(moment.date(), "long", locale=locale))
                    .replace("{0}", format_time(moment, "short", locale=locale)))
        if kind == "money":
            amount = Decimal(str(value["amount"]))
            currency = str(value.get("currency") or "EUR").upper()
            return format_currency(amount, currency, locale=locale)
        if kind == "number":
            return format_decimal(Decimal(str(value["value"])), locale=locale)
        if kind == "enum":
            label = enum_label(language, str(value.get("name")), str(value.get("value")))
            if label is None:
                logger.warning("nlg: no label for enum %s.%s", value.get("name"), value.get("value"))
                return str(value.get("value"))
            return label
    except (KeyError, ValueError, TypeError, InvalidOperation) as exc:
        logger.warning("nlg: malformed %s argument %r (%s)", kind, value, exc)
    raw = value.get("value", value.get("amount"))
    return str(raw) if raw is not None else ""
