"""Publish/subscribe between gateway processes, and agent presence.

One channel per audience (`console` for all agent consoles, `session:<id>` for the customer
of one conversation). In-process by default; with REDIS_URL every gateway process relays
through Redis pub/sub, so a customer on one process and an agent on another see each other
live (the encode/broadcaster idea: each subscriber has its own queue).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

logger = logging.getLogger("bot.realtime")
PRESENCE_TTL_S = 30.0  # a console refreshes its presence every 10 s


class Broker:
    """In-process pub/sub (also the local fan-out behind the Redis broker)."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue]] = defaultdict(set)
        self._presence: dict[str, float] = {}

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        self._deliver(channel, event)

    def _deliver(self, channel: str, event: dict[str, Any]) -> None:
        for queue in list(self._subscribers.get(channel, ())):
            queue.put_nowait(event)

    @contextlib.asynccontextmanager
    async def subscribe(self, channel: str) -> AsyncIterator[asyncio.Queue]:
        queue: asyncio.Queue = asyncio.Queue()
        self._subscribers[channel].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[channel].discard(queue)
            if not self._subscribers[channel]:
                del self._subscribers[channel]

    # --- presence: which staff have a console open --------------------------------
    async def mark_present(self, member: str) -> None:
        self._presence[member] = time.time() + PRESENCE_TTL_S

    async def mark_absent(self, member: str) -> None:
        self._presence.pop(member, None)

    async def present_count(self) -> int:
        now = time.time()
        return sum(1 for expiry in self._presence.values() if expiry > now)


class RedisBroker(Broker):
    def __init__(self, url: str, namespace: str = "gw") -> None:
        super().__init__()
        import redis.asyncio as redis

        self.prefix = f"{namespace}:"  # gateways of one deployment share a namespace
        self.presence_key = f"{namespace}-presence"
        self._redis = redis.from_url(url, decode_responses=True)
        self._pubsub = self._redis.pubsub()
        self._reader: asyncio.Task | None = None

    async def start(self) -> None:
        await self._pubsub.psubscribe(self.prefix + "*")
        self._reader = asyncio.create_task(self._read(), name="redis-pubsub")

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()
        await self._redis.aclose()

    async def publish(self, channel: str, event: dict[str, Any]) -> None:
        # Delivered locally when Redis echoes it back, like on every other process.
        await self._redis.publish(self.prefix + channel, json.dumps(event))

    async def _read(self) -> None:
        while True:
            try:
                async for message in self._pubsub.listen():
                    if message.get("type") != "pmessage":
                        continue
                    channel = str(message["channel"]).removeprefix(self.prefix)
                    try:
                        self._deliver(channel, json.loads(message["data"]))
                    except ValueError:
                        logger.error("redis: malformed event on %s", channel)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarted: resubscribe and go on
                logger.error("redis pub/sub lost (%s); reconnecting", exc)
                await asyncio.sleep(1)
                with contextlib.suppress(Exception):
                    await self._pubsub.psubscribe(self.prefix + "*")

    async def mark_present(self, member: str) -> None:
        await self._redis.zadd(self.presence_key, {member: time.time() + PRESENCE_TTL_S})

    async def mark_absent(self, member: str) -> None:
        await self._redis.zrem(self.presence_key, member)

    async def present_count(self) -> int:
        now = time.time()
        await self._redis.zremrangebyscore(self.presence_key, "-inf", now)
        return await self._redis.zcount(self.presence_key, now, "+inf")


def broker_from_url(redis_url: str, namespace: str = "gw") -> Broker:
    return RedisBroker(redis_url, namespace) if redis_url else Broker()
