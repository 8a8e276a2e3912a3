"""Records every training-data change in the CRM's audit log (POST /api/v1/audit) as the
signed-in admin: who (the JWT's subject), what (action, item), when (the CRM's clock), the diff."""

from __future__ import annotations

import difflib
import logging
from typing import Any, Protocol

import httpx

from bot.admin import yamlio
from bot.admin.errors import AdminError

logger = logging.getLogger("bot.admin.audit")
MAX_DIFF_CHARS = 60_000  # the CRM accepts 64 kB of JSON per field


class Actor(Protocol):  # bot.auth.StaffUser fits
    id: int
    name: str
    token: str


def item_diff(before: Any, after: Any, label: str) -> str:
    old = yamlio.dumps(yamlio.commented(yamlio.plain(before))) if before is not None else ""
    new = yamlio.dumps(yamlio.commented(yamlio.plain(after))) if after is not None else ""
    lines = difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                 fromfile=f"a/{label}", tofile=f"b/{label}")
    text = "".join(lines)
    return text if len(text) <= MAX_DIFF_CHARS else text[:MAX_DIFF_CHARS] + "\n... (diff truncated)\n"


def _wrap(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    plain = yamlio.plain(value)
    wrapped = plain if isinstance(plain, dict) else {"value": plain}
    return wrapped if len(repr(wrapped)) <= MAX_DIFF_CHARS else {"truncated": True}


class CrmAuditor:
    def __init__(self, crm_url: str, timeout_s: float = 10.0) -> None:
        self.crm_url, self.timeout_s = crm_url, timeout_s

    def record(self, actor: Actor, action: str, entity_id: str, before: Any, after: Any,
               entity_type: str = "training_data") -> dict[str, Any]:
        body = {"action": action, "entity_type": entity_type, "entity_id": entity_id[:128],
                "before": _wrap(before), "after": _wrap(after),
                "diff": {"unified": item_diff(before, after, entity_id)}}
        try:
            answer = httpx.post(f"{self.crm_url}/api/v1/audit", json=body, timeout=self.timeout_s,
                                headers={"Authorization": f"Bearer {actor.token}"})
        except httpx.HTTPError as exc:
            logger.error("audit: CRM unreachable: %s", exc)
            raise AdminError(503, "audit_unavailable",
                             "The change was not saved: the audit log (CRM) is unreachable; try again.") from None
        if answer.status_code != 201:
            logger.error("audit: CRM answered %s: %s", answer.status_code, answer.text[:300])
            raise AdminError(503 if answer.status_code >= 500 else 403, "audit_refused",
                             f"The change was not saved: the audit log refused it (HTTP {answer.status_code}).")
        return answer.json()
