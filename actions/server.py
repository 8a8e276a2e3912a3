"""Runs the Rasa SDK action server with service authentication.

`rasa run actions` accepts calls from anyone who can reach port 5055. This entry
point builds the same Sanic app (rasa_sdk.endpoint.create_app) and rejects any
request to /webhook that does not carry `Authorization: Bearer $ACTION_SERVER_TOKEN`,
which endpoints.yml makes Rasa send.

    python -m actions.server     (host BIND_HOST, port ACTIONS_PORT)
"""

import hmac
import logging
import os

from rasa_sdk.endpoint import create_app
from sanic import response
from sanic.request import Request

logger = logging.getLogger("actions.server")


def build_app(token: str):
    app = create_app("actions", cors_origins=[])

    @app.middleware("request")
    async def require_token(request: Request):
        if request.path == "/health":
            return None
        scheme, _, supplied = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(supplied.encode(), token.encode()):
            logger.warning("action server: rejected a call without a valid token to %s", request.path)
            return response.json({"error": "invalid or missing bearer token"}, status=401)
        return None

    return app


def main() -> None:
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s")
    token = os.environ.get("ACTION_SERVER_TOKEN", "")
    if not token:
        raise SystemExit("ACTION_SERVER_TOKEN is not set (see .env.example)")
    app = build_app(token)
    app.run(
        host=os.environ.get("BIND_HOST", "127.0.0.1"),
        port=int(os.environ.get("ACTIONS_PORT", "5055")),
        access_log=False,
    )


if __name__ == "__main__":
    main()
