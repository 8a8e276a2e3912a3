"""The only code that knows the CRM's URLs and authentication (docs/INTERFACES.md, CRM API).

Every call carries the actions' service token (CRM_ACTIONS_TOKEN) and, once the customer is
verified, their X-Customer-Token. Calls time out after ACTIONS_CRM_TIMEOUT_S (2 s). Only calls
that are safe to repeat are retried (ACTIONS_CRM_RETRIES times): GETs, and mutations sent with
an Idempotency-Key (the CRM replays the first result). A verification is never retried (it
counts failures). A CRM that cannot be reached, times out or answers 5xx raises
CRMUnavailable; any other error answer raises CRMError with the CRM's machine code.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
from dataclasses import dataclass
from typing import Any

import httpx

logger = logging.getLogger(__name__)


class CRMUnavailable(Exception):
    """The CRM did not answer usefully (down, slow, 5xx). The customer is told plainly."""


class CRMError(Exception):
    def __init__(self, status: int, code: str, detail: Any = None) -> None:
        super().__init__(f"CRM answered {status} {code}")
        self.status = status
        self.code = code
        self.detail = detail if isinstance(detail, dict) else {}


@dataclass(frozen=True)
class CRMSettings:
    url: str
    token: str
    timeout_s: float
    retries: int

    @classmethod
    def from_env(cls) -> CRMSettings:
        return cls(
            url=os.environ.get("CRM_URL", "http://127.0.0.1:8001").rstrip("/"),
            token=os.environ.get("CRM_ACTIONS_TOKEN", ""),
            timeout_s=float(os.environ.get("ACTIONS_CRM_TIMEOUT_S", "2")),
            retries=int(os.environ.get("ACTIONS_CRM_RETRIES", "1")),
        )


def idempotency_key(*parts: str) -> str:
    """A stable key for one customer request (same conversation, same message, same action),
    so that a retry of the action or of the HTTP call does the change once."""
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:40]


def _error_code(response: httpx.Response) -> tuple[str, Any]:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return f"http_{response.status_code}", None
    if isinstance(detail, dict):
        return str(detail.get("code") or f"http_{response.status_code}"), detail
    if response.status_code == 422:
        return "validation_error", {"errors": detail}
    return f"http_{response.status_code}", None


class CRMClient:
    def __init__(self, settings: CRMSettings | None = None, customer_token: str | None = None) -> None:
        self.settings = settings or CRMSettings.from_env()
        self.customer_token = customer_token

    async def request(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                      idempotency: str | None = None, authenticated: bool = True) -> Any:
        headers = {"Authorization": f"Bearer {self.settings.token}"}
        if authenticated and self.customer_token:
            headers["X-Customer-Token"] = self.customer_token
        if idempotency:
            headers["Idempotency-Key"] = idempotency
        repeatable = method == "GET" or idempotency is not None
        attempts = 1 + (self.settings.retries if repeatable else 0)
        url = f"{self.settings.url}/api/v1{path}"
        for attempt in range(1, attempts + 1):
            try:
                async with httpx.AsyncClient(timeout=self.settings.timeout_s) as client:
                    response = await client.request(method, url, json=json, params=params, headers=headers)
            except httpx.HTTPError as exc:
                logger.warning("CRM %s %s failed (attempt %d/%d): %s", method, path, attempt, attempts,
                               type(exc).__name__)
                if attempt == attempts:
                    raise CRMUnavailable(f"{method} {path}: {type(exc).__name__}") from exc
                await asyncio.sleep(0.1)
                continue
            if response.status_code >= 500:
                logger.warning("CRM %s %s answered %d (attempt %d/%d)", method, path, response.status_code,
                               attempt, attempts)
                if attempt == attempts:
                    raise CRMUnavailable(f"{method} {path}: {response.status_code}")
                await asyncio.sleep(0.1)
                continue
            if response.status_code >= 400:
                code, detail = _error_code(response)
                raise CRMError(response.status_code, code, detail)
            return response.json() if response.content else None
        raise CRMUnavailable(f"{method} {path}")  # not reached

    # --- verification ----------------------------------------------------------------
    async def verify(self, order_number: str, email: str) -> dict:
        return await self.request("POST", "/verifications", json={"order_number": order_number, "email": email},
                                  authenticated=False)

    async def verify_site_token(self, token: str) -> dict:
        return await self.request("POST", "/verifications/site-token", json={"token": token}, authenticated=False)

    # --- orders -----------------------------------------------------------------------
    async def my_orders(self, limit: int = 5) -> list[dict]:
        page = await self.request("GET", "/me/orders", params={"limit": limit})
        return list(page.get("items") or [])

    async def order(self, number: str) -> dict:
        return await self.request("GET", f"/orders/{number}")

    async def cancel_order(self, number: str, reason: str, key: str) -> dict:
        return await self.request("POST", f"/orders/{number}/cancel", json={"reason": reason}, idempotency=key)

    async def change_address(self, number: str, address: dict, key: str) -> dict:
        return await self.request("PUT", f"/orders/{number}/shipping-address", json=address, idempotency=key)

    async def request_return(self, number: str, reason: str, category: str, key: str,
                             description: str | None = None) -> dict:
        body = {"reason": reason, "category": category}
        if description:
            body["description"] = description
        return await self.request("POST", f"/orders/{number}/returns", json=body, idempotency=key)

    # --- tickets ----------------------------------------------------------------------
    async def create_ticket(self, body: dict, key: str) -> dict:
        return await self.request("POST", "/tickets", json=body, idempotency=key)

    async def ticket(self, number: str) -> dict:
        return await self.request("GET", f"/tickets/{number}")

    async def add_comment(self, number: str, text: str, key: str) -> dict:
        return await self.request("POST", f"/tickets/{number}/comments", json={"body": text, "public": True},
                                  idempotency=key)
