"""Gateway application: `uvicorn bot.main:app`."""

import logging
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Body, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from bot import socket_channel
from bot.admin.api import mount as mount_admin
from bot.auth import router as auth_router
from bot.config import get_settings
from bot.console import router as console_router
from bot.conversations import ConversationService, session_key
from bot.crm_client import CRMClient, CRMError, CRMUnavailable
from bot.handoff import SupportHours
from bot.handoff import router as handoff_router
from bot.knowledge.api import router as knowledge_router
from bot.multilingual import multilingual_services
from bot.outbox import Outbox
from bot.rasa_client import RasaClient
from bot.realtime import broker_from_url
from bot.security import ServiceCaller

logging.basicConfig(
    level=__import__("os").environ.get("LOG_LEVEL", "INFO"), format="%(levelname)s %(name)s: %(message)s"
)
logger = logging.getLogger("bot")
logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per CRM call is noise; failures are logged by us
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
    app.state.crm = CRMClient(settings.crm_url, settings.crm_gateway_token, settings.crm_timeout_s)
    app.state.support_hours = SupportHours(settings.support_hours)
    app.state.broker = broker_from_url(settings.redis_url, settings.redis_namespace)
    await app.state.broker.start()
    app.state.outbox = Outbox(settings.var_dir / "gateway_outbox.db", app.state.crm)
    app.state.outbox.start()
    app.state.session_key = session_key(settings.gateway_service_token)
    app.state.agent_languages = {}
    socket_channel.bind(app.state)
    # Translation, language detection, NLG and knowledge search (app.state.translator,
    # .language, .nlg, .knowledge); see bot/multilingual.py.
    async with multilingual_services(app, settings):
        app.state.conversations = ConversationService(app.state, app.state.crm, app.state.outbox, app.state.broker,
                                                      app.state.rasa, settings.language_list[0])
        yield
        await socket_channel.close_all()
        await app.state.conversations.drain()
    await app.state.outbox.close()
    await app.state.broker.close()
    await app.state.crm.close()
    await app.state.rasa.close()


app = FastAPI(title="Support assistant gateway", lifespan=lifespan)
app.include_router(knowledge_router)
app.include_router(auth_router)
app.include_router(handoff_router)
app.include_router(console_router)
app.mount("/widget", StaticFiles(directory=WEB_DIR / "widget"), name="widget")
app.mount("/console/static", StaticFiles(directory=WEB_DIR / "console"), name="console-static")
# Rasa's socket.io contract at /socket.io/ (the widget, rasa-webchat); everything else is FastAPI.
app.add_middleware(socket_channel.SocketIOMiddleware)
mount_admin(app)  # admin workbench: /admin, /api/admin


@app.get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/webhooks/rest/webhook")
async def rest_webhook(request: Request, body: RestMessage) -> list[dict[str, Any]]:
    """Rasa's REST contract on the same message path as the widget (stored, translated,
    routed to Rasa or to the agent). The sender names a conversation of the REST channel
    (`rest:<sender>`), so it can never reach a conversation the widget's ids stand for."""
    session_id = f"rest:{body.sender}"
    metadata = body.metadata or {}
    try:
        _, replies = await request.app.state.conversations.handle(
            session_id, body.message, client_message_id=socket_channel.client_message_id(metadata, "r"),
            metadata=metadata, channel="rest")
    except CRMError as exc:
        logger.error("CRM refused a REST message: %s", exc)
        raise HTTPException(422, {"code": "rejected", "message": "The message could not be stored."}) from None
    except CRMUnavailable:
        return [{"recipient_id": body.sender, "text": SORRY}]
    answer = []
    for reply in replies:
        item: dict[str, Any] = {"recipient_id": body.sender, "text": reply["text"]}
        buttons = (reply.get("metadata") or {}).get("quick_replies")
        if buttons:
            item["buttons"] = [{"title": b["title"], "payload": b["payload"]} for b in buttons]
        answer.append(item)
    return answer


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
