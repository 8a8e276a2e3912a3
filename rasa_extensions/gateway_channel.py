"""Rasa input channel used by the gateway, and only by it.

Rasa's own REST channel accepts messages from anyone who can reach the port.
This channel speaks the same contract (POST {sender, message, metadata}, answered
with the list of bot messages) at /webhooks/gateway/webhook, but first checks the
`Authorization: Bearer <token>` header the gateway sends.
"""

import hmac
import logging
from typing import Any

from rasa.core.channels.channel import InputChannel
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request

from rasa_extensions.model_swap import add_model_swap_route

logger = logging.getLogger(__name__)


class GatewayInput(RestInput):
    """REST channel that requires the gateway's bearer token."""

    def __init__(self, token: str) -> None:
        if not token:
            raise ValueError("GatewayInput needs a token (RASA_TOKEN in the environment)")
        self.token = token

    @classmethod
    def name(cls) -> str:
        return "gateway"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(token=(credentials or {}).get("token", ""))

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        scheme, _, supplied = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(supplied.encode(), self.token.encode())

    def blueprint(self, on_new_message: Any) -> Blueprint:
        blueprint = super().blueprint(on_new_message)

        @blueprint.middleware("request")
        async def require_token(request: Request) -> response.HTTPResponse | None:
            if request.path.endswith("/webhook") and not self._authorised(request):
                logger.warning("gateway channel: rejected a request without a valid token")
                return response.json({"error": "invalid or missing bearer token"}, status=401)
            return None

        add_model_swap_route(blueprint, self._authorised)  # PUT /webhooks/gateway/model (admin workbench)
        return blueprint
