"""The hub's slow chores, off the request path: once a day the retention job and the contacts'
tiers (time alone moves a customer to "at risk"); when an admin changes the tier or tag rules,
every contact re-derived in the background; and every minute the reports' per-conversation
summaries (handoff/report_summaries.py, `summaries.run_forever`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta

from handoff.contact_facts import RULES_CHANGED, Rules, rederive_all
from handoff.events import Event
from handoff.report_summaries import ReportSummaries
from handoff.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
DAILY = timedelta(days=1)
Chore = Callable[[], Awaitable[object]]


class Maintenance:
    def __init__(self, uows: UnitOfWorkFactory, rules: Rules, daily: list[Chore] | None = None) -> None:
        self._uows = uows
        self._rules = rules
        self.summaries = ReportSummaries(uows)
        self._daily: list[Chore] = [*(daily or []), self.rederive]
        self._tasks: set[asyncio.Task[None]] = set()

    async def rederive(self) -> int:
        return await rederive_all(self._uows, self._rules)

    async def on_event(self, event: Event) -> None:
        if event.type == RULES_CHANGED:
            self._spawn(self.rederive)

    async def run_daily(self) -> None:
        for chore in self._daily:
            try:
                await chore()
            except Exception:
                log.exception("daily maintenance chore failed; trying again tomorrow")

    async def run_forever(self, every: timedelta = DAILY) -> None:
        while True:
            await self.run_daily()
            await asyncio.sleep(every.total_seconds())

    async def idle(self) -> None:
        """Waits for the background chores started so far (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def _spawn(self, chore: Chore) -> None:
        async def run() -> None:
            try:
                await chore()
            except Exception:
                log.exception("background maintenance failed")

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
