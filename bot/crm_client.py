"""The only gateway code that knows the CRM's URLs, its gateway token and timeouts.

Calls made for a signed-in agent (take, transfer, hand back, resolve) carry the agent's own
JWT so the CRM applies its rules (409 already_taken, 403 not_assignee) to that person.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

logger = logging.getLogger("bot.crm")
API = "/api/v1"


class CRMUnavailable(Exception):
    """The CRM could not be reached or answered 5xx: the call may be retried later."""


class CRMError(Exception):
    """The CRM refused the request (4xx); retrying the same request will not help."""

    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail

    @property
    def code(self) -> str | None:
        return self.detail.get("code") if isinstance(self.detail, dict) else None


class CRMClient:
    def __init__(self, base_url: str, token: str, timeout_s: float = 5.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._token = token
        self._http = httpx.AsyncClient(base_url=base_url.rstrip("/") + API,
                                       timeout=httpx.Timeout(timeout_s, connect=2.0), transport=transport)

    async def close(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, *, staff_token: str | None = None,
                      idempotency_key: str | None = None, with_status: bool = False, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {staff_token or self._token}"}
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        try:
            response = await self._http.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise CRMUnavailable(f"{method} {path}: {exc.__class__.__name__}") from exc
        if response.status_code >= 500:
            raise CRMUnavailable(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail")
            except ValueError:
                detail = response.text[:200]
            raise CRMError(response.status_code, detail)
        body = response.json() if response.content else None
        return (response.status_code, body) if with_status else body

    # --- conversations (gateway token) -------------------------------------------------
    async def upsert_conversation(self, session_id: str, language: str, channel: str = "web") -> dict:
        return await self.request("PUT", f"/conversations/{session_id}",
                                  json={"language": language, "channel": channel})

    async def get_conversation(self, session_id: str) -> dict:
        return await self.request("GET", f"/conversations/{session_id}")

    async def update_conversation(self, session_id: str, **fields: Any) -> dict:
        return await self.request("PATCH", f"/conversations/{session_id}", json=fields)

    async def add_message(self, session_id: str, message: dict[str, Any]) -> dict:
        """The stored message; `duplicate` is True when this client_message_id was stored before (a retry)."""
        status, stored = await self.request("POST", f"/conversations/{session_id}/messages", json=message,
                                            with_status=True)
        return {**stored, "duplicate": status == 200}

    async def messages(self, session_id: str, after_seq: int = 0, include_notes: bool = False,
                       limit: int = 100) -> list[dict]:
        result: list[dict] = []
        while True:  # the CRM pages at 100
            page = await self.request("GET", f"/conversations/{session_id}/messages", params={
                "after_seq": after_seq, "limit": limit, "include_notes": str(include_notes).lower()})
            result.extend(page)
            if len(page) < limit:
                return result
            after_seq = page[-1]["seq"]

    async def handoff(self, session_id: str, reason: str, summary: str, priority: str | None) -> dict:
        body = {"reason": reason, "summary": summary}
        if priority:
            body["priority"] = priority
        return await self.request("POST", f"/conversations/{session_id}/handoff", json=body)

    async def queue(self) -> list[dict]:
        return await self.request("GET", "/queue")

    async def csat(self, session_id: str, score: int) -> dict:
        return await self.request("POST", f"/conversations/{session_id}/csat", json={"score": score})

    async def verified_customer(self, customer_token: str) -> dict:
        """GET /me for a customer token the bot obtained (tells which customer verified)."""
        try:
            response = await self._http.get("/me", headers={"Authorization": f"Bearer {self._token}",
                                                            "X-Customer-Token": customer_token})
        except httpx.HTTPError as exc:
            raise CRMUnavailable(f"GET /me: {exc.__class__.__name__}") from exc
        if response.status_code >= 400:
            raise CRMError(response.status_code, response.text[:200])
        return response.json()

    # --- on behalf of a signed-in agent ------------------------------------------------
    async def take(self, session_id: str, staff_token: str) -> dict:
        return await self.request("POST", f"/conversations/{session_id}/take", staff_token=staff_token)

    async def transfer(self, session_id: str, to_staff_id: int, staff_token: str) -> dict:
        return await self.request("POST", f"/conversations/{session_id}/transfer", json={"to_staff_id": to_staff_id},
                                  staff_token=staff_token)

    async def handback(self, session_id: str, staff_token: str) -> dict:
        return await self.request("POST", f"/conversations/{session_id}/handback", staff_token=staff_token)

    async def resolve(self, session_id: str, staff_token: str) -> dict:
        return await self.request("POST", f"/conversations/{session_id}/resolve", json={"solve_ticket": True},
                                  staff_token=staff_token)

    # --- people -----------------------------------------------------------------------
    async def staff(self, staff_id: int) -> dict:
        return await self.request("GET", f"/staff/{staff_id}")

    async def staff_list(self) -> list[dict]:
        page = await self.request("GET", "/staff", params={"active": "true"})
        return page["items"] if isinstance(page, dict) else page

    async def customer(self, customer_id: int) -> dict:
        return await self.request("GET", f"/customers/{customer_id}")
