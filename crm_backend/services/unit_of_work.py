"""Commits, optimistic-concurrency conflicts and idempotent retries, in one place.

Every mutating route runs its service call through `Mutation.run`, which commits once
(the change and its audit entries together) and maps database conflicts to clear 409s.
With an `Idempotency-Key`, the first successful response is stored in the same
transaction and replayed for retries with the same key and body; the same key with a
different body is refused. A retry racing the original loses at the unique index on
(owner, key) or at the version check, rolls back everything it did, and replays the
winner's response, so nothing is done twice.
"""

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crm_backend.db import utcnow
from crm_backend.models import IdempotencyRecord
from crm_backend.services.audit import jsonable
from crm_backend.services.errors import ApiError, Conflict, Unprocessable, VersionConflict
from crm_backend.services.security import Actor

logger = logging.getLogger("crm.unit_of_work")


def flush_or_conflict(session: Session, what: str, **extra: Any) -> None:
    """Flush pending changes; a version check that matched no row becomes 409 version_conflict."""
    try:
        session.flush()
    except StaleDataError:
        session.rollback()
        raise VersionConflict(f"{what} was changed by someone else at the same time; reload it and try again.",
                              **extra) from None


def check_expected_version(expected: int | None, current: int, what: str) -> None:
    if expected is not None and expected != current:
        raise VersionConflict(f"{what} is at version {current}, not {expected}; reload it and try again.",
                              expected_version=expected, current_version=current)


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps({"method": method, "path": path, "body": jsonable(body)}, sort_keys=True,
                           separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass
class Mutation:
    session: Session
    actor: Actor
    owner: str  # the principal, plus the verified customer when there is one
    key: str | None  # the Idempotency-Key header
    method: str
    path: str
    ttl: timedelta
    replayed: bool = False

    def run(self, operation: Callable[[], Any], body: Any = None) -> Any:
        """Runs `operation` (service calls returning a response schema or JSON-able value),
        commits, and returns its result, or the stored result of the first identical request."""
        if self.key is None:
            return self._commit(operation)
        request_print = fingerprint(self.method, self.path, body)
        stored = self._stored(include_expired=True)
        if stored is not None and stored.created_at > utcnow() - self.ttl:
            return self._replay(stored, request_print)
        try:
            if stored is not None:  # an expired record of this key gives way
                self.session.delete(stored)
                self.session.flush()
            result = operation()
            # A concurrent twin that committed meanwhile makes this insert fail on the unique index.
            self.session.add(IdempotencyRecord(owner=self.owner, key=self.key, fingerprint=request_print,
                                               status_code=200, response=_as_json(result)))
            self.session.commit()
            return result
        except Exception as exc:
            self.session.rollback()
            stored = self._stored()  # a concurrent request with the same key may have won
            if stored is not None:
                logger.info("idempotency key %s: concurrent retry replays the stored response", self.key)
                return self._replay(stored, request_print)
            raise _mapped(exc) from exc

    def _commit(self, operation: Callable[[], Any]) -> Any:
        try:
            result = operation()
            self.session.commit()
            return result
        except Exception as exc:
            self.session.rollback()
            raise _mapped(exc) from exc

    def _stored(self, include_expired: bool = False) -> IdempotencyRecord | None:
        query = select(IdempotencyRecord).where(IdempotencyRecord.owner == self.owner,
                                                IdempotencyRecord.key == self.key)
        if not include_expired:
            query = query.where(IdempotencyRecord.created_at > utcnow() - self.ttl)
        return self.session.scalar(query)

    def _replay(self, stored: IdempotencyRecord, request_print: str) -> dict[str, Any]:
        if stored.fingerprint != request_print:
            raise Unprocessable("This Idempotency-Key was already used with a different request.",
                                code="idempotency_key_reused")
        self.replayed = True
        return stored.response


def _as_json(result: Any) -> Any:
    return result.model_dump(mode="json") if isinstance(result, BaseModel) else jsonable(result)


def _mapped(exc: Exception) -> Exception:
    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, StaleDataError):
        return VersionConflict()
    if isinstance(exc, IntegrityError):
        logger.warning("integrity error mapped to 409: %s", exc.orig)
        return Conflict("The change conflicts with existing data.", code="conflict")
    return exc
