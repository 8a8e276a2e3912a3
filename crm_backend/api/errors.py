"""Error responses: `{"detail": {"code", "message", ...}}` for every error but 422, which keeps
FastAPI's field-level list (without echoing the input). No stack trace or SQL ever leaves."""

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from crm_backend.services.errors import ApiError

logger = logging.getLogger("crm.errors")

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type"}


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None,
                   **extra: object) -> JSONResponse:
    return JSONResponse({"detail": {"code": code, "message": message, **extra}}, status_code=status,
                        headers=headers)


async def api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse({"detail": exc.detail()}, status_code=exc.status_code, headers=exc.headers)


async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
    # FastAPI's shape minus `input` and `ctx`, which could echo secrets (a password) back.
    errors = [{"loc": list(error.get("loc", ())), "msg": error.get("msg", "invalid"),
               "type": error.get("type", "value_error")} for error in exc.errors()]
    return JSONResponse({"detail": errors}, status_code=422)


async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
    message = exc.detail if isinstance(exc.detail, str) else "Request failed."
    return error_response(exc.status_code, _HTTP_CODES.get(exc.status_code, "error"), message,
                          headers=getattr(exc, "headers", None))


async def database_unavailable(request: Request, exc: OperationalError) -> JSONResponse:
    logger.error("database error on %s %s: %s", request.method, request.url.path, exc.orig)
    return error_response(503, "database_unavailable", "The database is busy or unavailable; try again shortly.",
                          headers={"Retry-After": "1"})


async def unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "internal_error", "Something went wrong on our side. It has been logged.")


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(OperationalError, database_unavailable)
    app.add_exception_handler(Exception, unexpected_error)
