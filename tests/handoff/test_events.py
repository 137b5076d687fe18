"""The event bus: order within a task, isolation between tasks, failing subscribers."""

from __future__ import annotations

import asyncio

from handoff.events import Event, EventBus


async def test_an_event_published_by_a_subscriber_waits_for_the_one_that_caused_it() -> None:
    bus, seen = EventBus(), []

    async def first(event: Event) -> None:
        seen.append(("first", event.type))
        if event.type == "ticket.queued":
            await bus.publish(Event("queue.changed", {}))

    async def second(event: Event) -> None:
        seen.append(("second", event.type))

    bus.subscribe(first)
    bus.subscribe(second)
    await bus.publish(Event("ticket.queued", {}))
    assert seen == [("first", "ticket.queued"), ("second", "ticket.queued"), ("first", "queue.changed"), ("second",
                                                                                                          "queue.changed")]


async def test_a_subscriber_waiting_on_a_lock_does_not_wait_on_the_task_holding_it() -> None:
    bus, lock, handled = EventBus(), asyncio.Lock(), []
    holder_is_dispatching = asyncio.Event()
    release = asyncio.Event()

    async def subscriber(event: Event) -> None:
        if event.type == "slow":
            holder_is_dispatching.set()
            await release.wait()
        if event.type == "needs-lock":
            async with lock:
                handled.append(event.type)

    bus.subscribe(subscriber)

    async def holder() -> None:
        async with lock:
            await bus.publish(Event("slow", {}))

    holding = asyncio.create_task(holder())
    await holder_is_dispatching.wait()
    other = asyncio.create_task(bus.publish(Event("needs-lock", {})))
    await asyncio.sleep(0.05)
    release.set()
    await asyncio.wait_for(asyncio.gather(holding, other), 2)
    assert handled == ["needs-lock"]


async def test_a_failing_subscriber_does_not_stop_the_others() -> None:
    bus, seen = EventBus(), []

    async def broken(event: Event) -> None:
        raise RuntimeError("boom")

    async def working(event: Event) -> None:
        seen.append(event.type)

    bus.subscribe(broken)
    unsubscribe = bus.subscribe(working)
    await bus.publish(Event("a", {}))
    unsubscribe()
    await bus.publish(Event("b", {}))
    assert seen == ["a"]
