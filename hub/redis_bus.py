"""Events between hub replicas, through Redis pub/sub (the scaled profile, SHOPDESK_REDIS_URL).

Every event is delivered in its own replica exactly as the in-process bus delivers it, and also
published, in order, on one Redis channel. Each other replica hands what it receives, marked
`remote`, to its `everywhere` subscribers only (handoff/events.py): the console feeds and web chat
sockets it holds. So an agent whose console is connected to hub B sees at once a shopper writing
to hub A, and a shopper whose widget is connected to hub A gets the reply an agent typed on hub B,
while what must happen once (assignment, the rating question, a Telegram send) happens only in
the replica where the event happened.

Pub/sub is at-most-once: a frame lost while Redis restarts is not resent. Nothing is lost to the
shopper or the agent for it: every message is in the database first, the widget fills any gap in
seq from storage with the next message it gets (hub/channels/webchat_sessions.py) and on
reconnect, and the console reloads the queue and the transcript when it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import secrets
import socket
from datetime import datetime
from typing import Any

import redis.asyncio as aioredis

from handoff.events import Event, EventBus

log = logging.getLogger(__name__)
_RETRY_SECONDS = 1.0


def replica_name() -> str:
    """Unique per process: host, pid and a random part (a restarted pid is another replica)."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class RedisEventBus(EventBus):
    def __init__(self, url: str, replica: str | None = None, namespace: str = "shopdesk") -> None:
        super().__init__()
        self.replica = replica or replica_name()
        self._url = url
        self._channel = f"{namespace}:events"
        self._redis: aioredis.Redis | None = None
        self._outgoing: asyncio.Queue[str] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
        self._listening = asyncio.Event()
        self.received = 0

    @property
    def redis(self) -> aioredis.Redis:
        if self._redis is None:
            raise RuntimeError("the Redis event bus is not started")
        return self._redis

    async def start(self) -> None:
        """Connects (failing loudly when Redis is not there) and starts listening and sending."""
        self._redis = aioredis.from_url(self._url, health_check_interval=10, socket_connect_timeout=5)
        await self._redis.ping()
        self._tasks = [asyncio.create_task(self._listen()), asyncio.create_task(self._send())]
        await asyncio.wait_for(self._listening.wait(), 10)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self._redis is not None:
            await self._redis.aclose()
            self._redis = None

    async def publish(self, event: Event) -> None:
        if not event.remote:
            frame = _frame(self.replica, event)
            if frame is not None:
                self._outgoing.put_nowait(frame)
        await super().publish(event)

    async def _send(self) -> None:
        """One sender, so other replicas get this replica's events in the order they happened."""
        while True:
            frame = await self._outgoing.get()
            while True:
                try:
                    await self.redis.publish(self._channel, frame)
                    break
                except (aioredis.ConnectionError, aioredis.TimeoutError, OSError) as error:
                    log.warning("could not publish an event to Redis (%s); retrying", error)
                    await asyncio.sleep(_RETRY_SECONDS)

    async def _listen(self) -> None:
        while True:
            try:
                async with self.redis.pubsub(ignore_subscribe_messages=True) as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._listening.set()
                    async for message in pubsub.listen():
                        await self._receive(message.get("data"))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a dropped connection: listen again
                log.warning("the Redis event subscription broke (%s); subscribing again", error)
                await asyncio.sleep(_RETRY_SECONDS)

    async def _receive(self, raw: Any) -> None:
        try:
            frame = json.loads(raw)
            if frame["origin"] == self.replica:
                return
            event = Event(frame["type"], frame["data"], datetime.fromisoformat(frame["at"]), remote=True)
        except (ValueError, TypeError, KeyError) as error:
            log.warning("ignored a malformed event from Redis: %s", error)
            return
        self.received += 1
        await super().publish(event)


def _frame(origin: str, event: Event) -> str | None:
    try:
        return json.dumps({"origin": origin, "type": event.type, "data": event.data, "at": event.at.isoformat()})
    except (TypeError, ValueError) as error:
        # Every event's data is JSON already (the console feed sends it as is); one that is not
        # stays in its replica rather than breaking the others.
        log.error("event %s cannot go to the other replicas: %s", event.type, error)
        return None
