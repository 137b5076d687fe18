"""Periodic jobs that run in one hub replica at a time (the assignment sweep, the recovery sweep,
maintenance, Telegram long polling).

`Leadership` holds a lease in Redis (SET NX with an expiry, renewed at a third of it, given back on
stop) and runs its jobs only while it holds it. A replica that dies stops renewing; another takes
the lease when it expires (`lease_seconds`) and starts the jobs. A replica that cannot renew in
time (Redis unreachable, a stalled process) stops its jobs before the lease can pass to another.
Every job is also safe to run twice at once (claims and conditional updates decide who does
what), so the lease is about doing the work once, not about correctness.

Without Redis (one hub, the embedded default) there is nobody to share with: the jobs just run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

import redis.asyncio as aioredis

log = logging.getLogger(__name__)
Job = Callable[[], Coroutine[Any, Any, None]]

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class Leadership:
    def __init__(self, redis: aioredis.Redis | None, owner: str, seconds: float = 15.0, namespace: str = "shopdesk") -> None:
        self._redis = redis
        self._owner = owner
        self._seconds = seconds
        self._key = f"{namespace}:lease:periodic"
        self._jobs: list[tuple[str, Job]] = []
        self._running: list[asyncio.Task[None]] = []
        self._loop: asyncio.Task[None] | None = None
        self.leading = asyncio.Event()

    def add(self, name: str, job: Job) -> None:
        """A coroutine that runs until cancelled; started whenever this replica takes the lease (now,
        if it holds it)."""
        self._jobs.append((name, job))
        if self.leading.is_set():
            self._running.append(asyncio.create_task(job(), name=name))

    def start(self) -> None:
        if self._redis is None:
            self._start_jobs()
            return
        self._loop = asyncio.create_task(self._hold())

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
            self._loop = None
        await self._stop_jobs()
        if self._redis is not None:
            with contextlib.suppress(aioredis.RedisError, OSError):
                await self._redis.eval(_RELEASE, 1, self._key, self._owner)

    async def _hold(self) -> None:
        assert self._redis is not None
        ttl_ms = int(self._seconds * 1000)
        held_until = 0.0
        while True:
            now = time.monotonic()
            try:
                if self.leading.is_set():
                    kept = await self._redis.eval(_RENEW, 1, self._key, self._owner, ttl_ms)
                else:
                    kept = await self._redis.set(self._key, self._owner, nx=True, px=ttl_ms)
            except (aioredis.RedisError, OSError) as error:
                log.warning("could not reach Redis for the periodic jobs' lease: %s", error)
                kept = None
            if kept:
                held_until = now + self._seconds
                if not self.leading.is_set():
                    log.info("this replica (%s) runs the periodic jobs now", self._owner)
                    self._start_jobs()
            elif self.leading.is_set() and (kept is not None or time.monotonic() > held_until - self._seconds / 3):
                # Lost, or about to expire unrenewed: stop before another replica may start.
                log.warning("this replica (%s) no longer holds the periodic jobs' lease; they stop here", self._owner)
                await self._stop_jobs()
            await asyncio.sleep(self._seconds / 3)

    def _start_jobs(self) -> None:
        self._running = [asyncio.create_task(job(), name=name) for name, job in self._jobs]
        self.leading.set()

    async def _stop_jobs(self) -> None:
        self.leading.clear()
        running, self._running = self._running, []
        for task in running:
            task.cancel()
        for task in running:
            with contextlib.suppress(asyncio.CancelledError):
                await task
