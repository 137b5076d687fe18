"""The retention job: conversations nobody wrote in for the retention period (what the privacy help
article promises; SHOPDESK_RETENTION_MONTHS, 0 keeps everything) are erased as a shopper's erasure
erases them (handoff/erasure.py), their tracker events deleted, a batch per transaction. A
conversation a person still holds (queued, assigned) waits for its ticket to end. Each run that
erased something leaves one audit row."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select

from handoff import audit
from handoff.clock import utcnow
from handoff.erasure import anonymise_conversations
from handoff.models import Conversation
from handoff.rasa_trackers import TrackerStore
from handoff.states import State
from handoff.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)
_BATCH = 200
_HELD = (State.QUEUED, State.ASSIGNED)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` calendar months earlier (the month's last day when shorter)."""
    month_index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    for day in range(moment.day, 0, -1):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise ValueError(moment)


class Retention:
    def __init__(self, uows: UnitOfWorkFactory, trackers: TrackerStore, months: int) -> None:
        self._uows = uows
        self._trackers = trackers
        self._months = months

    async def run(self, now: datetime | None = None) -> int:
        """Erases what is past the period; returns how many conversations."""
        if self._months <= 0:
            return 0
        cutoff = months_before(now or utcnow(), self._months)
        done = 0
        while True:
            async with self._uows() as uow:
                batch = list((await uow.session.execute(
                    select(Conversation.id).where(Conversation.updated_at < cutoff, Conversation.erased_at.is_(None),
                                                  Conversation.state.not_in(_HELD))
                    .order_by(Conversation.updated_at).limit(_BATCH))).scalars())
                if not batch:
                    return done
                events = await self._trackers.delete(batch)
                messages, photos = await anonymise_conversations(uow.session, batch)
                audit.record(uow.session, None, audit.RETENTION, f"{len(batch)} conversations", details={
                    "months": self._months, "before": cutoff.isoformat(timespec="seconds"), "conversations": len(batch),
                    "messages": messages, "attachments": photos, "tracker_events": events})
                await uow.commit()
            done += len(batch)
            log.info("retention: erased %d conversations older than %d months", len(batch), self._months)
