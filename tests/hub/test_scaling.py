"""The scaled profile's two Redis parts against the real Redis: events between hub replicas
(hub/redis_bus.py) and the lease that runs the periodic jobs in one replica (hub/leases.py)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
import redis.asyncio as aioredis

from handoff.events import Event
from hub.leases import Leadership
from hub.redis_bus import RedisEventBus
from tests.redis_server import namespace, redis_or_skip


@pytest.fixture
async def buses() -> AsyncIterator[tuple[RedisEventBus, RedisEventBus]]:
    url, space = redis_or_skip(), namespace()
    first, second = RedisEventBus(url, "replica-a", space), RedisEventBus(url, "replica-b", space)
    await first.start()
    await second.start()
    yield first, second
    await first.close()
    await second.close()


async def until(condition: object, timeout: float = 10) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.02)


async def test_another_replica_gets_every_event_in_order_but_only_where_asked(
        buses: tuple[RedisEventBus, RedisEventBus]) -> None:
    first, second = buses
    here: list[Event] = []
    there_everywhere: list[Event] = []
    there_local: list[Event] = []

    async def record(into: list[Event], event: Event) -> None:
        into.append(event)

    first.subscribe(lambda event: record(here, event), everywhere=True)
    second.subscribe(lambda event: record(there_everywhere, event), everywhere=True)
    second.subscribe(lambda event: record(there_local, event))
    for number in range(200):
        await first.publish(Event("message.created", {"n": number, "channel": "webchat"}))
    await until(lambda: len(there_everywhere) == 200)
    await asyncio.sleep(0.2)  # nothing more comes: no echo, no duplicate
    assert [e.data["n"] for e in here] == list(range(200)) and not any(e.remote for e in here)
    assert [e.data["n"] for e in there_everywhere] == list(range(200))
    assert all(e.remote for e in there_everywhere) and there_local == []
    assert there_everywhere[0].at == here[0].at
    assert first.received == 0 and second.received == 200


async def test_an_event_that_is_not_json_stays_in_its_replica(buses: tuple[RedisEventBus, RedisEventBus]) -> None:
    first, second = buses
    local: list[Event] = []

    async def record(event: Event) -> None:
        local.append(event)

    first.subscribe(record)
    await first.publish(Event("odd", {"value": object()}))
    await first.publish(Event("fine", {}))
    await until(lambda: second.received == 1)
    assert [e.type for e in local] == ["odd", "fine"]


async def test_one_replica_runs_the_jobs_and_another_takes_over_when_it_dies() -> None:
    url, space = redis_or_skip(), namespace()
    connections = [aioredis.from_url(url) for _ in range(3)]
    runs: dict[str, int] = {"a": 0, "b": 0}

    def job(name: str):
        async def run() -> None:
            while True:
                runs[name] += 1
                await asyncio.sleep(0.05)
        return run

    first, second = Leadership(connections[0], "a", 2.0, space), Leadership(connections[1], "b", 2.0, space)
    try:
        first.add("tick", job("a"))
        second.add("tick", job("b"))
        first.start()
        await asyncio.wait_for(first.leading.wait(), 5)
        second.start()
        await asyncio.sleep(1.0)  # a few of its tries to take the lease
        assert first.leading.is_set() and not second.leading.is_set() and runs["b"] == 0
        assert await connections[2].get(f"{space}:lease:periodic") == b"a"
        # "a" dies: no goodbye, its lease just stops being renewed.
        assert first._loop is not None
        first._loop.cancel()
        await first._stop_jobs()
        await asyncio.wait_for(second.leading.wait(), 5)
        ran = runs["a"]
        await asyncio.sleep(0.3)
        assert runs["a"] == ran and runs["b"] > 0
        await second.stop()  # gives the lease back at once
        assert await connections[2].get(f"{space}:lease:periodic") is None
    finally:
        await first.stop()
        await second.stop()
        for connection in connections:
            await connection.aclose()


async def test_without_redis_the_jobs_just_run() -> None:
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()
        await asyncio.Event().wait()

    leadership = Leadership(None, "hub")
    leadership.start()
    leadership.add("late", job)  # added while leading: starts at once
    await asyncio.wait_for(ran.wait(), 2)
    await leadership.stop()
    assert not leadership.leading.is_set()
