"""The event bus: order within a task, isolation between tasks, failing subscribers."""

from __future__ import annotations

import asyncio

import pytest

from handoff.events import Coalesced, Event, EventBus, beside, side_work


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


async def test_feeds_get_each_event_before_the_subscribers_that_act_on_it_and_in_order() -> None:
    """A console's socket sees the ticket before the queue's broadcast and the assignment sweep
    run, and still sees what they publish after it."""
    bus, seen = EventBus(), []

    async def acts(event: Event) -> None:
        seen.append(("acts", event.type))
        if event.type == "ticket.queued":
            await bus.publish(Event("ticket.assigned", {}))

    async def console(event: Event) -> None:
        seen.append(("console", event.type))

    bus.subscribe(acts)
    unsubscribe = bus.subscribe(console, feed=True)
    await bus.publish(Event("ticket.queued", {}))
    assert seen == [("console", "ticket.queued"), ("acts", "ticket.queued"),
                    ("console", "ticket.assigned"), ("acts", "ticket.assigned")]
    unsubscribe()
    seen.clear()
    await bus.publish(Event("ticket.queued", {}))
    assert ("console", "ticket.queued") not in seen


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


async def test_work_handed_beside_runs_beside_the_publisher_and_ends_with_its_block(
        caplog: pytest.LogCaptureFixture) -> None:
    bus, seen = EventBus(), []
    publisher_goes_on = asyncio.Event()

    async def link(name: str) -> None:
        seen.append(f"{name} started")
        await publisher_goes_on.wait()
        seen.append(f"{name} done")

    async def broken() -> None:
        raise RuntimeError("boom")

    async def subscriber(event: Event) -> None:
        await beside(link(event.type))
        await beside(broken())

    bus.subscribe(subscriber)
    async with side_work():
        await bus.publish(Event("message.created", {}))
        await asyncio.sleep(0)
        seen.append("the bot asked")  # while the link runs
        publisher_goes_on.set()
    assert seen == ["message.created started", "the bot asked", "message.created done"]
    assert "boom" in caplog.text
    publisher_goes_on.clear()
    outside = asyncio.create_task(bus.publish(Event("outside", {})))
    await asyncio.sleep(0.01)
    assert not outside.done() and seen[-1] == "outside started"  # no block: the publisher waits for it
    publisher_goes_on.set()
    await asyncio.wait_for(outside, 2)


@pytest.mark.parametrize("detach", [False, True])
async def test_calls_during_a_run_share_one_more_run_after_it(detach: bool) -> None:
    """However many calls come while `work` runs, one more run follows it: in the first caller
    (detach=False) or in a task of its own, which `settled` waits for (detach=True)."""
    runs: list[str] = []
    release = asyncio.Event()

    async def work() -> None:
        runs.append("start")
        if len(runs) == 1:
            await release.wait()

    coalesced = Coalesced(work, detach=detach)
    first = asyncio.create_task(coalesced())
    await asyncio.sleep(0)
    for _ in range(3):
        await coalesced()  # returns at once: a run is going on
    assert runs == ["start"]
    release.set()
    await first
    if not detach:
        assert runs == ["start", "start"]  # the first caller ran the extra one before it returned
    await coalesced.settled()
    assert runs == ["start", "start"]
    await coalesced()  # nothing going on: runs now, once
    await coalesced.settled()
    assert runs == ["start", "start", "start"]


async def test_a_failing_run_leaves_the_next_call_free_to_run() -> None:
    calls = 0

    async def work() -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("the database went away")

    coalesced = Coalesced(work)
    with pytest.raises(RuntimeError):
        await coalesced()
    await coalesced()
    assert calls == 2
