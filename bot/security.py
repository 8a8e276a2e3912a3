"""Authentication of the services that call the gateway (Rasa's NLG, actions)."""

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, status

from bot.config import Settings, get_settings


def require_service_token(
    settings: Annotated[Settings, Depends(get_settings)],
    authorization: Annotated[str, Header()] = "",
) -> None:
    scheme, _, supplied = authorization.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        supplied.encode(), settings.gateway_service_token.encode()
    ):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid or missing service token")


ServiceCaller = Depends(require_service_token)
