"""CRM application: `uvicorn crm_backend.main:app` (settings from the environment), or
`create_app(settings)` in tests and tools."""

import logging
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import text
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from crm_backend.api import errors
from crm_backend.api.routes import audit, auth, conversations, customers, me, orders, staff, tickets, verification
from crm_backend.config import Settings, get_settings
from crm_backend.db import make_engine, make_sessionmaker
from crm_backend.schemas.common import ErrorResponse

API_PREFIX = "/api/v1"
ERROR_RESPONSES = {status: {"model": ErrorResponse} for status in (401, 403, 404, 409)}


class BodySizeLimit:
    """Refuses a declared body over MAX_REQUEST_BYTES with 413 before reading it. A plain ASGI
    middleware: BaseHTTPMiddleware (@app.middleware) costs more per request than a lookup."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            limit = scope["app"].state.settings.max_request_bytes
            length = Headers(scope=scope).get("content-length")
            if length is not None and (not length.isdigit() or int(length) > limit):
                response = errors.error_response(413, "payload_too_large",
                                                 f"Request bodies are limited to {limit} bytes.")
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def build_api_router() -> APIRouter:
    api = APIRouter(prefix=API_PREFIX, responses=ERROR_RESPONSES)
    for module in (verification, me, orders, tickets, conversations, auth, staff, customers, audit):
        api.include_router(module.router)
    return api


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        resolved = settings or get_settings()
        logging.basicConfig(level=resolved.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
        anyio.to_thread.current_default_thread_limiter().total_tokens = resolved.request_threads
        engine = make_engine(resolved)
        app.state.settings = resolved
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        yield
        engine.dispose()

    app = FastAPI(
        title="CRM backend",
        version="1",
        description="System of record for customers, orders, tickets and conversations. "
                    "Authenticate with `Authorization: Bearer <service token or staff JWT>`; customer-scoped "
                    "calls also send `X-Customer-Token`. Contract: docs/INTERFACES.md.",
        lifespan=lifespan,
    )
    errors.install(app)

    app.add_middleware(BodySizeLimit)

    @app.get("/health", tags=["health"])
    def health(request: Request) -> dict[str, str]:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok"}

    app.include_router(build_api_router())
    return app


app = create_app()
