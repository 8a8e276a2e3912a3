"""Swap the running Rasa server's model without stalling conversations.

Rasa 3.6's own `PUT /model` (rasa/server.py `load_model`) loads the new model with
`Agent.load_model`, which is synchronous, inside the request handler: the server's event
loop is blocked for the whole load, so every customer message waits (measured: up to 14 s
for the assistant's model, benchmarks/model_activation.py). This route loads the new agent
in a worker thread while the old one keeps answering, then swaps `app.ctx.agent` in one
assignment, the same swap Rasa does. A model that fails to load or is not ready is never
swapped in; the answer says why and the old model keeps serving.

`PUT /webhooks/gateway/model` `{"model_file": "/abs/path.tar.gz"}` with the gateway's
bearer token (RASA_TOKEN) -> 204; 400 when the file is missing or not ready; 500 when loading
raised. Added to the gateway channel's blueprint (rasa_extensions/gateway_channel.py).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
from collections.abc import Callable
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request

logger = logging.getLogger(__name__)
_swap_lock: asyncio.Lock | None = None  # one swap at a time (created on the server's loop)


def _new_agent(old: Any) -> Any:
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import FailSafeTrackerStore

    # The same collaborators as the serving agent. The tracker store is a shallow copy (same
    # engine, same event broker) because Agent() and load_model() set `tracker_store.domain`:
    # the serving agent keeps its domain until the swap. Agent() wraps it in a new FailSafeTrackerStore.
    store = old.tracker_store
    if isinstance(store, FailSafeTrackerStore):
        store = store._tracker_store
    return Agent(generator=old.nlg, tracker_store=copy.copy(store), lock_store=old.lock_store,
                 action_endpoint=old.action_endpoint, model_server=old.model_server,
                 remote_storage=old.remote_storage, http_interpreter=old.http_interpreter)


def add_model_swap_route(blueprint: Blueprint, authorised: Callable[[Request], bool]) -> None:
    @blueprint.route("/model", methods=["PUT"])
    async def swap_model(request: Request) -> response.HTTPResponse:
        global _swap_lock
        if not authorised(request):
            return response.json({"error": "invalid or missing bearer token"}, status=401)
        body = request.json if isinstance(request.json, dict) else {}
        model_file = body.get("model_file")
        if not isinstance(model_file, str) or not os.path.isfile(model_file):
            return response.json({"error": "BadRequest", "message": f"no model file at {model_file!r}"}, status=400)
        _swap_lock = _swap_lock or asyncio.Lock()
        async with _swap_lock:
            old = request.app.ctx.agent
            new = _new_agent(old)
            try:
                await asyncio.get_running_loop().run_in_executor(None, new.load_model, model_file)
            except Exception as exc:  # a broken model: say why, keep the old agent
                logger.warning("model swap: %s failed to load: %s", model_file, exc)
                return response.json({"error": "LoadingError", "message": f"{type(exc).__name__}: {exc}"},
                                     status=500)
            if not new.is_ready():
                return response.json({"error": "BadRequest", "message": f"model {model_file} is not ready"},
                                     status=400)
            # the lock store must stay the same object: conversations locked now stay locked
            new.lock_store = old.lock_store
            request.app.ctx.agent = new
        logger.info("model swap: now serving %s", model_file)
        return response.empty(status=204)
