"""In-process publish/subscribe for side effects that run after a database commit.

Subscribers are async callables; one failing subscriber is logged and never stops the others.
Within one task, events are delivered in publication order, each to every subscriber before the
next: an event a subscriber publishes (e.g. the queue snapshot after a ticket event) waits its
turn instead of overtaking the event that caused it. Each task delivers its own events, so a
subscriber waiting on a lock never waits on the task that holds it.

With several hub replicas (hub/redis_bus.py), every event is also published to the others. There
an event arrives `remote`, and only subscribers that asked for `everywhere` get it: those that
serve connections held by their own replica (the console's feed, the web chat's sockets). Side
effects that must happen once (assignment, the rating question, Telegram sends) stay with the
replica where the event happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    type: str
    data: dict[str, Any]
    at: datetime = field(default_factory=lambda: datetime.now(UTC))
    # Published by another hub replica (only `everywhere` subscribers get it).
    remote: bool = False


Subscriber = Callable[[Event], Awaitable[None]]


class _Backlog(deque[Event]):
    closed = False


_backlog: ContextVar[_Backlog | None] = ContextVar("event_backlog", default=None)
_beside: ContextVar[list[asyncio.Task[None]] | None] = ContextVar("event_side_work", default=None)


@contextlib.asynccontextmanager
async def side_work() -> AsyncIterator[None]:
    """Within the block, work a subscriber hands to `beside` runs beside what the block does next
    (the router's call to the bot), and the block ends when that work has ended too."""
    tasks: list[asyncio.Task[None]] = []
    token = _beside.set(tasks)
    try:
        yield
    finally:
        _beside.reset(token)
        for task in tasks:
            await task


async def beside(work: Coroutine[None, None, None]) -> None:
    """Runs `work` beside the task that published the event when it is inside `side_work`, else now;
    a failure is logged, as a subscriber's."""
    tasks = _beside.get()
    if tasks is None:
        await work
        return
    tasks.append(asyncio.create_task(_side(work)))


_detached: set[asyncio.Task[None]] = set()


def detached(work: Coroutine[None, None, None]) -> asyncio.Task[None]:
    """Runs `work` on its own, tied to no request: its events are its own to deliver and a failure
    is logged, as a subscriber's. The task is kept until it ends."""
    task = asyncio.create_task(_side(work))
    _detached.add(task)
    task.add_done_callback(_detached.discard)
    return task


class Coalesced:
    """`work` run now, or, when a run is going on (which may have read its data before this call's
    change), once more after it, however many calls came meanwhile. `detach`: the extra run goes in
    a task of its own (`detached`) and the caller that ran the first returns; else that caller runs
    it too before it returns."""

    def __init__(self, work: Callable[[], Awaitable[None]], detach: bool = False) -> None:
        self._work = work
        self._detach = detach
        self._running = False
        self._again = False
        self._following: asyncio.Task[None] | None = None

    async def __call__(self) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        try:
            await self._work()
            while self._again and not self._detach:
                self._again = False
                await self._work()
        finally:
            self._next()

    async def settled(self) -> None:
        """Waits until no extra run is due or going on."""
        while self._following is not None:
            await asyncio.shield(self._following)

    def _next(self) -> None:
        if self._again and self._detach:
            self._again = False
            self._following = detached(self._follow())
        else:
            self._running, self._again, self._following = False, False, None

    async def _follow(self) -> None:
        try:
            await self._work()
        finally:
            self._next()


async def _side(work: Coroutine[None, None, None]) -> None:
    _backlog.set(None)  # its events are its own to deliver, not the publishing task's
    _beside.set(None)
    try:
        await work
    except Exception:
        log.exception("event subscriber's work beside the publisher failed")


class EventBus:
    def __init__(self) -> None:
        self._feeds: list[tuple[Subscriber, bool]] = []
        self._subscribers: list[tuple[Subscriber, bool]] = []

    def subscribe(self, subscriber: Subscriber, everywhere: bool = False, feed: bool = False) -> Callable[[], None]:
        """Adds a subscriber; returns the function that removes it again. `everywhere`: it also gets
        the events of other hub replicas (when there are any). `feed`: it passes events on to
        connections (an agent's console socket, the shoppers' channels) and gets each event before
        the subscribers that act on it, so a ticket reaches the console without waiting for the
        queue's broadcast, the assignment sweep or the contact linker."""
        entry = (subscriber, everywhere)
        group = self._feeds if feed else self._subscribers
        group.append(entry)
        return lambda: group.remove(entry)

    async def publish(self, event: Event) -> None:
        """Delivers the event, or queues it behind the one this task is delivering right now."""
        current = _backlog.get()
        if current is not None and not current.closed:
            current.append(event)
            return
        backlog = _Backlog([event])
        token = _backlog.set(backlog)
        try:
            while backlog:
                await self._deliver(backlog.popleft())
        finally:
            backlog.closed = True
            _backlog.reset(token)

    async def _deliver(self, event: Event) -> None:
        for subscriber, everywhere in [*self._feeds, *self._subscribers]:
            if event.remote and not everywhere:
                continue
            try:
                await subscriber(event)
            except Exception:
                log.exception("event subscriber failed on %s", event.type)

    async def publish_all(self, events: list[Event]) -> None:
        for event in events:
            await self.publish(event)
