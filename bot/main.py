"""Gateway application: `uvicorn bot.main:app`."""

import logging
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from bot.admin.api import mount as mount_admin
from bot.auth import router as auth_router
from bot.config import get_settings
from bot.knowledge.api import router as knowledge_router
from bot.multilingual import multilingual_services
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.security import ServiceCaller

logging.basicConfig(
    level=__import__("os").environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s"
)
logger = logging.getLogger("bot")
WEB_DIR = __import__("pathlib").Path(__file__).parent / "web"

SORRY = "Sorry, I'm having trouble answering right now. Please try again in a minute."


class RestMessage(BaseModel):
    """Rasa's REST channel contract."""

    sender: str = Field(min_length=1, max_length=128)
    message: str = Field(min_length=1, max_length=5000)
    metadata: dict[str, Any] | None = None


@asynccontextmanager
async def lifespan(app: FastAPI):
    settings = get_settings()
    app.state.settings = settings
    app.state.rasa = RasaClient(settings.rasa_url, settings.rasa_token, settings.rasa_timeout_s)
    # Translation, language detection, NLG and knowledge search (app.state.translator,
    # .language, .nlg, .knowledge); see bot/multilingual.py.
    async with multilingual_services(app, settings):
        yield
    await app.state.rasa.close()


app = FastAPI(title="Support assistant gateway", lifespan=lifespan)
app.include_router(knowledge_router)
app.include_router(auth_router)
mount_admin(app)  # admin workbench: /admin, /api/admin


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/webhooks/rest/webhook")
async def rest_webhook(request: Request, body: RestMessage) -> list[dict[str, Any]]:
    try:
        messages = await request.app.state.rasa.send_message(body.sender, body.message, body.metadata)
    except RasaUnavailable as exc:
        logger.error("rasa unavailable: %s", exc)
        messages = []
    # Rasa's REST channel answers [] when something failed inside; never leave the customer in silence.
    return messages or [{"recipient_id": body.sender, "text": SORRY}]


@app.post("/nlg", dependencies=[ServiceCaller])
async def generate(request: Request, payload: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    name = payload.get("response") or payload.get("template")
    if not isinstance(name, str):
        raise HTTPException(422, "field 'response' is required")
    arguments, tracker = payload.get("arguments") or {}, payload.get("tracker") or {}
    if not isinstance(arguments, dict) or not isinstance(tracker, dict):
        raise HTTPException(422, "fields 'arguments' and 'tracker' must be objects")
    try:
        channel = payload.get("channel")
        rendered = await request.app.state.nlg.render(name, arguments, tracker,
                                                      channel.get("name") if isinstance(channel, dict) else None)
    except KeyError:
        logger.error("nlg: no response named %s in the domain", name)
        raise HTTPException(404, f"no response named {name!r}") from None
    logger.info("nlg rendered %s in %s (%s)", name, rendered.language, rendered.method)
    return rendered.message


@app.get("/", include_in_schema=False)
async def demo_shop() -> FileResponse:
    return FileResponse(WEB_DIR / "index.html")
