"""One error type for the service layer; the API turns it into `{"detail": {code, message, ...}}`."""

from __future__ import annotations

from typing import Any


class AdminError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra

    def detail(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.extra}


def invalid(errors: list[dict[str, str]]) -> AdminError:
    """422 listing every problem as {where, code, message}."""
    first = errors[0]["message"]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return AdminError(422, "invalid_training_data", f"{first}{more}", errors=errors)


def conflict(what: str, expected: str | None, current: str | None) -> AdminError:
    return AdminError(409, "version_conflict",
                      f"{what} was changed by someone else since you loaded it; reload and apply your edit again.",
                      item=what, expected_version=expected, current_version=current)
