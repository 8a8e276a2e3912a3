"""HTTP API of the admin workbench (`/api/admin`, role admin) and its page (`/admin`).

Routes are thin: the service layer (bot.admin.data / models / learn) owns the rules.
Errors answer `{"detail": {"code", "message", ...}}`; validation errors list each problem
as `{where, code, message}`; stale writes answer 409 version_conflict.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field

from bot.admin.audit import CrmAuditor
from bot.admin.data import NLU_KINDS, TrainingData
from bot.admin.errors import AdminError
from bot.admin.learn import Learner
from bot.admin.models import ModelService
from bot.admin.settings import get_admin_settings
from bot.auth import AdminOnly, signed_in_or_none
from bot.config import get_settings

logger = logging.getLogger("bot.admin")

WEB_DIR = Path(__file__).resolve().parent.parent / "web" / "admin"


@dataclass
class Services:
    data: TrainingData
    models: ModelService
    learn: Learner


@lru_cache
def get_services() -> Services:
    settings, admin = get_settings(), get_admin_settings()
    auditor = CrmAuditor(settings.crm_url)
    data = TrainingData(admin, auditor)
    return Services(data=data, models=ModelService(admin, data, auditor, settings.rasa_url, settings.rasa_token),
                    learn=Learner(admin, data))


ServicesDep = Annotated[Services, Depends(get_services)]
router = APIRouter(prefix="/api/admin", tags=["admin workbench"])
page_router = APIRouter(include_in_schema=False)


def call(function, *args: Any, **kwargs: Any) -> Any:
    try:
        return function(*args, **kwargs)
    except AdminError as exc:
        raise HTTPException(exc.status, exc.detail()) from None


# --- request bodies ---------------------------------------------------------------------------
class NluBlockIn(BaseModel):
    file: str = Field(min_length=1, max_length=200, examples=["nlu/es/orders.yml"])
    kind: str = Field(pattern="^(intent|synonym|lookup|regex)$")
    name: str = Field(min_length=1, max_length=100, pattern=r"^[\w.\- ]+$")
    examples: list[str] = Field(max_length=5000)
    version: str | None = Field(default=None, description="the version you loaded; null to create")


class VariationsIn(BaseModel):
    variations: list[dict[str, Any]] = Field(min_length=1, max_length=50)
    version: str | None = None


class KnowledgeIn(BaseModel):
    entry: dict[str, Any] | str  # a mapping (form) or YAML text (YAML view)
    version: str | None = None
    file: str | None = Field(default=None, max_length=200)


class StoryIn(BaseModel):
    item: dict[str, Any] | str  # {story|rule: name, steps: [...]} (form) or YAML text (YAML view)
    version: str | None = None
    file: str | None = Field(default=None, max_length=200)


class VersionIn(BaseModel):
    version: str


class LearnIn(BaseModel):
    event_id: int
    intent: str = Field(min_length=1, max_length=100)
    example: str = Field(min_length=1, max_length=2000, description="the message, with entity annotations")
    language: str = Field(pattern="^[a-z]{2,3}$")
    file: str | None = Field(default=None, max_length=200)


class ModelIn(BaseModel):
    model: str = Field(min_length=1, max_length=200)


# --- training data ------------------------------------------------------------------------------
@router.get("/overview")
def overview(_: AdminOnly, s: ServicesDep) -> dict[str, Any]:
    domain = call(s.data.domain)
    return {"intents": call(s.data.intents_overview), "entities": sorted(domain.entities),
            "actions": sorted(domain.known_actions - {"..."}), "responses": sorted(domain.responses),
            "slots": sorted(domain.slots), "nlu_files": [s.data.rel(p) for p in s.data.nlu_files()],
            "languages": sorted({s.data.language_of(p) for p in s.data.nlu_files()} - {"shared"}),
            "kinds": list(NLU_KINDS)}


@router.get("/nlu")
def list_nlu(_: AdminOnly, s: ServicesDep, language: str | None = None, kind: str | None = None,
             name: str | None = None) -> list[dict[str, Any]]:
    return call(s.data.nlu_blocks, language, kind, name)


@router.put("/nlu")
def save_nlu(body: NluBlockIn, user: AdminOnly, s: ServicesDep) -> dict[str, Any]:
    return call(s.data.save_nlu_block, user, body.file, body.kind, body.name, body.examples, body.version)


@router.get("/responses")
def list_responses(_: AdminOnly, s: ServicesDep) -> list[dict[str, Any]]:
    return call(s.data.responses)


def refresh_nlg(request: Request) -> None:
    """The gateway's NLG read responses and translations at start: after an edit of the very
    files it serves, give it the new ones so customers see the change without a restart."""
    from bot.nlg import CuratedTranslations, NLGSettings, load_domain_responses

    nlg, admin, settings = getattr(request.app.state, "nlg", None), get_admin_settings(), get_settings()
    if nlg is None:
        return
    if admin.domain.resolve() == settings.domain_path.resolve():
        nlg.responses = load_domain_responses(settings.domain_path)
    translations = NLGSettings().translations_path
    if (admin.data_dir / "translations").resolve() == translations.resolve():
        nlg.translations = CuratedTranslations.load(translations)


@router.put("/responses/{name}")
def save_response(name: str, body: VariationsIn, user: AdminOnly, s: ServicesDep, request: Request) -> dict[str, Any]:
    saved = call(s.data.save_response, user, name, body.variations, body.version)
    refresh_nlg(request)
    return saved


@router.put("/translations/{language}/{name}")
def save_translation(language: str, name: str, body: VariationsIn, user: AdminOnly, s: ServicesDep,
                     request: Request) -> dict[str, Any]:
    saved = call(s.data.save_translation, user, language, name, body.variations, body.version)
    refresh_nlg(request)
    return saved


@router.get("/knowledge")
def list_knowledge(_: AdminOnly, s: ServicesDep) -> list[dict[str, Any]]:
    return call(s.data.knowledge)


def refresh_knowledge(request: Request) -> None:
    """After a knowledge-base edit: the NLG (kb_answer) and the search index serve the new
    entries at once. Re-encoding the questions with MiniLM takes a second or two, in this
    request's worker thread; searches meanwhile answer from the previous index."""
    from bot.knowledge.base import KnowledgeBaseError, load_knowledge_base
    from bot.knowledge.settings import KnowledgeSettings

    kb_dir = KnowledgeSettings().path
    if (get_admin_settings().data_dir / "knowledge_base").resolve() != kb_dir.resolve():
        return
    try:
        base = load_knowledge_base(kb_dir)
    except KnowledgeBaseError as exc:  # validated before saving; a hand edit elsewhere may still break it
        logger.error("knowledge base not reloaded: %s", exc)
        return
    state = request.app.state
    if getattr(state, "nlg", None) is not None:
        state.nlg.knowledge_base = base
    if getattr(state, "knowledge", None) is not None:
        state.knowledge.reindex(base)


@router.put("/knowledge/{entry_id}")
def save_knowledge(entry_id: str, body: KnowledgeIn, user: AdminOnly, s: ServicesDep,
                   request: Request) -> dict[str, Any]:
    saved = call(s.data.save_knowledge, user, entry_id, body.entry, body.version, body.file)
    refresh_knowledge(request)
    return saved


@router.get("/stories/{kind}")
def list_stories(kind: str, _: AdminOnly, s: ServicesDep) -> list[dict[str, Any]]:
    return call(s.data.stories, kind)


@router.put("/stories/{kind}/{name}")
def save_story(kind: str, name: str, body: StoryIn, user: AdminOnly, s: ServicesDep) -> dict[str, Any]:
    return call(s.data.save_story, user, kind, name, body.item, body.version, body.file)


@router.delete("/stories/{kind}/{name}")
def delete_story(kind: str, name: str, body: VersionIn, user: AdminOnly, s: ServicesDep) -> dict[str, Any]:
    call(s.data.delete_story, user, kind, name, body.version)
    return {"deleted": name}


class YamlIn(BaseModel):
    text: str = Field(max_length=200_000)


@router.post("/yaml/parse")
def parse_yaml(body: YamlIn, _: AdminOnly) -> dict[str, Any]:
    """The YAML views' text as data (for switching back to a form); 422 invalid_yaml with the line."""
    from bot.admin import yamlio

    return {"data": call(lambda: yamlio.plain(yamlio.loads(body.text, "YAML view")))}


# --- learn from conversations --------------------------------------------------------------------
@router.get("/learn")
def learn_candidates(_: AdminOnly, s: ServicesDep, limit: Annotated[int, Query(ge=1, le=500)] = 100
                     ) -> list[dict[str, Any]]:
    return call(s.learn.candidates, limit)


@router.post("/learn")
def learn_accept(body: LearnIn, user: AdminOnly, s: ServicesDep) -> dict[str, Any]:
    return call(s.learn.accept, user, body.event_id, body.intent, body.example, body.language, body.file)


@router.post("/learn/{event_id}/dismiss")
def learn_dismiss(event_id: int, _: AdminOnly, s: ServicesDep) -> dict[str, Any]:
    call(s.learn.dismiss, event_id)
    return {"dismissed": event_id}


# --- models ------------------------------------------------------------------------------------
@router.get("/models")
def list_models(_: AdminOnly, s: ServicesDep) -> dict[str, Any]:
    return call(s.models.models)


@router.post("/train", status_code=202)
def train(user: AdminOnly, s: ServicesDep) -> dict[str, Any]:
    return call(s.models.start_training, user)


@router.post("/evaluate", status_code=202)
def evaluate(body: ModelIn, user: AdminOnly, s: ServicesDep) -> dict[str, Any]:
    return call(s.models.start_evaluation, user, body.model)


@router.get("/jobs")
def list_jobs(_: AdminOnly, s: ServicesDep) -> list[dict[str, Any]]:
    return call(s.models.jobs)


@router.get("/jobs/{job_id}")
def get_job(job_id: str, _: AdminOnly, s: ServicesDep,
            log_offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    return call(s.models.job, job_id, log_offset)


@router.get("/models/{name}/compare")
def compare(name: str, _: AdminOnly, s: ServicesDep) -> dict[str, Any]:
    return call(s.models.compare, name)


@router.get("/models/{name}/evaluation/{kind}.png")
def evaluation_image(name: str, kind: str, _: AdminOnly, s: ServicesDep) -> FileResponse:
    return FileResponse(call(s.models.evaluation_file, name, kind), media_type="image/png")


@router.post("/activate")
def activate(body: ModelIn, user: AdminOnly, s: ServicesDep) -> dict[str, Any]:
    return call(s.models.activate, user, body.model)


# --- the page ------------------------------------------------------------------------------------
@page_router.get("/admin")
def admin_page(request: Request):
    user = signed_in_or_none(request)
    if user is None:
        return RedirectResponse("/login?next=/admin", status_code=303)
    if not user.is_admin:
        raise HTTPException(403, {"code": "forbidden", "message": "The admin workbench is for admins."})
    return FileResponse(WEB_DIR / "index.html", headers={"Cache-Control": "no-store"})


def mount(app) -> None:
    """bot/main.py calls this once: API, page and the page's static files."""
    app.include_router(router)
    app.include_router(page_router)
    app.mount("/admin/static", StaticFiles(directory=WEB_DIR), name="admin-static")
