"""`POST /internal/knowledge/search` for the action server (GATEWAY_SERVICE_TOKEN)."""



from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field, field_validator

from bot.knowledge.service import KnowledgeService, KnowledgeUnavailable
from bot.security import ServiceCaller

router = APIRouter(prefix="/internal/knowledge", tags=["knowledge"], dependencies=[ServiceCaller])


class SearchRequest(BaseModel):
    query: str = Field(min_length=1, max_length=1000)
    language: str = Field(default="en", pattern=r"^[A-Za-z]{2}([-_][A-Za-z]{2})?$")
    top_k: int = Field(default=3, ge=1, le=10)

    @field_validator("query")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("query must not be blank")
        return value.strip()


class MatchOut(BaseModel):
    id: str
    score: float
    title: str


class SearchResponse(BaseModel):
    matches: list[MatchOut]
    threshold: float


def _service(request: Request) -> KnowledgeService:
    service = getattr(request.app.state, "knowledge", None)
    if service is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            {"code": "knowledge_disabled", "message": "Knowledge search is switched off (KB_ENABLED)."})
    return service


@router.post("/search")
async def search(request: Request, body: SearchRequest) -> SearchResponse:
    service = _service(request)
    language = body.language.lower()[:2]
    try:
        matches = await service.search(body.query, language, body.top_k)
    except KnowledgeUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            {"code": "knowledge_unavailable", "message": str(exc)}) from None
    return SearchResponse(matches=[MatchOut(id=m.id, score=m.score, title=m.title) for m in matches],
                          threshold=service.threshold)



