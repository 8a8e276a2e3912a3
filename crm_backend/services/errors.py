"""Errors the services raise. Each carries an HTTP status, a machine-readable code and an
English message; api/errors.py turns them into `{"detail": {"code", "message", ...}}`."""

from typing import Any


class ApiError(Exception):
    status_code = 400
    code = "bad_request"
    message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, code: str | None = None, status_code: int | None = None,
                 headers: dict[str, str] | None = None, **extra: Any) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.status_code = status_code or self.status_code
        self.headers = headers
        self.extra = extra
        super().__init__(self.message)

    def detail(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"
    message = "Missing or invalid credentials."


class Forbidden(ApiError):
    status_code = 403
    code = "forbidden"
    message = "You are not allowed to do this."


class NotFound(ApiError):
    status_code = 404
    code = "not_found"
    message = "Not found."


class Conflict(ApiError):
    status_code = 409
    code = "conflict"
    message = "The request conflicts with the current state."


class VersionConflict(Conflict):
    code = "version_conflict"
    message = "Someone else changed this record first; reload it and try again."


class InvalidTransition(Conflict):
    code = "invalid_transition"
    message = "This change is not allowed in the current state."


class Unprocessable(ApiError):
    """Semantic errors on well-formed input that are not a field's shape (e.g. key reuse)."""

    status_code = 422
    code = "unprocessable"


class TooManyRequests(ApiError):
    status_code = 429
    code = "too_many_requests"
    message = "Too many attempts; try again later."
