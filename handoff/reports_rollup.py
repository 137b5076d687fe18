"""A rollup per UTC day of what the bot and topics reports' statements answer for the conversations
opened that day, so a report over a long period reads a few rows a day and computes only the days
the rollup cannot answer (docs/METRICS.md, "Summaries and day rollups").

A day is rolled up once its came-back window has closed (the check pairs a day's conversations with
those of the 7 days after it, so from the 8th day after on), with the signature of the conversations
opened from that day to 7 days after, read before the statements ran. A report reads the day from
the rollup while that signature is unchanged. A message raises a conversation's `last_seq`, a state
transition moves its `updated_at`, linking or merging contacts changes its `contact_id`, an erasure
sets `erased_at`, and conversations added or deleted change the count: any of these makes the report
compute the day again from summaries and raw rows, as without a rollup, until a pass rebuilds it.
A day whose latest transition is under a minute old waits for the next pass, so that a transaction
still open while the pass read (its `updated_at` older than the latest one read) is not missed, and
so does a day with a shopper message still waiting for the bot (its intent is stored without a new
message).

The rollup holds what the parts answered when it was built: a change to what a part answers (a
definition, a new grouping) needs a migration that forgets the rollup, as 0017 does, so that the
next pass builds every day again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from handoff.clock import aware
from handoff.models import Conversation, Message
from handoff.reports import SHOPPER, SPLITS, ReportFilter, analytic
from handoff.reports_sql import utc_day
from handoff.summary_models import ReportDay, ReportDayCount, ReportDayExample
from handoff.uow import UnitOfWorkFactory

Row = tuple[str, str, int, int]  # kind, key, conversations, handed off
Part = Callable[[AsyncSession, ReportFilter], Awaitable[list[Row]]]
# A part that also answers places of examples (report_day_examples' columns but the day and scope).
PlacedPart = Callable[[AsyncSession, ReportFilter], Awaitable[tuple[list[Row], list[dict[str, Any]]]]]
ALL_CHANNELS = ""
WINDOW_DAYS = 8  # the day and the 7 after it
QUIET = timedelta(minutes=1)
BATCH_DAYS = 10
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Signature:
    conversations: int = 0
    seq_total: int = 0
    last_change: datetime | None = None
    contacts: int = 0
    contact_total: int = 0
    erased: int = 0

    def __add__(self, other: Signature) -> Signature:
        changes = [moment for moment in (self.last_change, other.last_change) if moment is not None]
        return Signature(self.conversations + other.conversations, self.seq_total + other.seq_total,
                         max(changes, default=None), self.contacts + other.contacts,
                         self.contact_total + other.contact_total, self.erased + other.erased)


def _stored(row: ReportDay) -> Signature:
    return Signature(row.conversations, row.seq_total, aware(row.last_change) if row.last_change else None,
                     row.contacts, row.contact_total, row.erased)


def _start(day: str) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(), UTC)


def _day_of(moment: datetime) -> str:
    return aware(moment).astimezone(UTC).date().isoformat()


def _days(start: datetime, end: datetime) -> list[str]:
    return [(start.date() + timedelta(days=n)).isoformat() for n in range((end - start).days)]


def _whole_days(found: ReportFilter) -> bool:
    return all(moment.tzinfo is not None and moment == _start(_day_of(moment)) for moment in (found.start, found.end))


def _window_days(day: str) -> list[str]:
    first = date.fromisoformat(day)
    return [(first + timedelta(days=n)).isoformat() for n in range(WINDOW_DAYS)]


async def _waiting_days(session: AsyncSession) -> set[str]:
    """Days with a conversation whose shopper message waits for the bot: its intent is still to
    come, and storing it will change no signature (the message already raised `last_seq`)."""
    day = utc_day(Conversation.created_at)
    query = (select(day).distinct().join(Message, Message.conversation_id == Conversation.id)
             .where(Message.author_kind == SHOPPER, Message.handled_at.is_(None)))
    return set((await session.execute(query)).scalars())


@dataclass
class Days:
    """Per UTC day with conversations: their signature and their channels."""

    signatures: dict[str, Signature]
    channels: dict[str, set[str]]

    def window(self, day: str) -> Signature:
        total = Signature()
        for each in _window_days(day):
            total += self.signatures.get(each, Signature())
        return total


async def _read_days(session: AsyncSession, start: datetime, end: datetime) -> Days:
    """The signatures of the days of [start, end), from the index alone."""
    day = utc_day(Conversation.created_at)
    query = (select(day, Conversation.channel, func.count(), func.sum(Conversation.last_seq),
                    func.max(Conversation.updated_at), func.count(Conversation.contact_id),
                    func.sum(Conversation.contact_id), func.count(Conversation.erased_at))
             .where(Conversation.created_at >= start, Conversation.created_at < end).group_by(day, Conversation.channel))
    found = Days({}, {})
    for name, channel, count, seq, last, contacts, contact_total, erased in await _from_the_index(session, query):
        signature = Signature(int(count), int(seq or 0), aware(last) if last else None, int(contacts),
                              int(contact_total or 0), int(erased))
        found.signatures[name] = found.signatures.get(name, Signature()) + signature
        found.channels.setdefault(name, set()).add(channel)
    return found


async def _from_the_index(session: AsyncSession, query: Any) -> Sequence[Any]:
    """PostgreSQL reads a period's every conversation from the whole table when it can read the
    narrower index alone (over 100,000 conversations at load 5.7: 158 ms against 74 ms, EXPLAIN
    ANALYZE), so it is told to, for this statement only."""
    if session.get_bind().dialect.name != "postgresql":
        return (await session.execute(query)).all()
    await session.execute(text("SET LOCAL enable_seqscan = off"))
    rows = (await session.execute(query)).all()
    await session.execute(text("SET LOCAL enable_seqscan = on"))
    return rows


@dataclass
class Split:
    """A period's days read from the rollup, and runs of the others, to compute."""

    rolled: list[str]
    live: list[ReportFilter]


def _runs(days: Iterable[str], found: ReportFilter) -> list[ReportFilter]:
    runs: list[ReportFilter] = []
    for day in days:
        start = _start(day)
        if runs and runs[-1].end == start:
            runs[-1] = replace(runs[-1], end=start + DAY)
        else:
            runs.append(replace(found, start=start, end=start + DAY))
    return runs


async def split(session: AsyncSession, found: ReportFilter) -> Split:
    """Days without conversations count nothing either way; a day counts from the rollup when its
    window's signature is the one stored with it. Read once per period and report run (the parts
    of one report ask for the same period: handoff/reports.py's run_report forgets them)."""
    known: dict[ReportFilter, Split] = session.info.setdefault(SPLITS, {})
    if found not in known:
        known[found] = await _split(session, found)
    return known[found]


async def _split(session: AsyncSession, found: ReportFilter) -> Split:
    if not _whole_days(found):
        return Split([], [found])
    days = await _read_days(session, found.start, found.end + (WINDOW_DAYS - 1) * DAY)
    period = _days(found.start, found.end)
    if not period:
        return Split([], [])
    stored = {row.day: _stored(row) for row in (await session.execute(
        select(ReportDay).where(ReportDay.day >= period[0], ReportDay.day <= period[-1]))).scalars()}
    rolled: list[str] = []
    live: list[str] = []
    for day in period:
        if day in days.signatures:
            (rolled if stored.get(day) == days.window(day) else live).append(day)
    return Split(rolled, _runs(live, found))


def summed(rows: Iterable[Row]) -> list[Row]:
    totals: dict[tuple[str, str], list[int]] = {}
    for kind, key, conversations, handed in rows:
        total = totals.setdefault((kind, key), [0, 0])
        total[0] += conversations
        total[1] += handed
    return [(kind, key, total[0], total[1]) for (kind, key), total in totals.items()]


async def answer(session: AsyncSession, found: ReportFilter, part: Part, kinds: tuple[str, ...]) -> list[Row]:
    """The part's rows for the period: the rolled-up days' rows added to the others' computed."""
    cut = await split(session, found)
    rows: list[Row] = []
    if cut.rolled:
        count = ReportDayCount
        query = (select(count.kind, count.key, func.sum(count.conversations), func.sum(count.handed))
                 .where(count.day.in_(cut.rolled), count.scope == (found.channel or ALL_CHANNELS), count.kind.in_(kinds))
                 .group_by(count.kind, count.key))
        rows += [(kind, key, int(conversations), int(handed)) for kind, key, conversations, handed in
                 (await session.execute(query)).all()]
    for run in cut.live:
        rows += await part(session, run)
    return summed(rows)


class DayRollup:
    """Rolls up the days whose came-back window has closed and that were never rolled up or whose
    signature changed since; deletes the rollup of days left without conversations (retention)."""

    def __init__(self, uows: UnitOfWorkFactory, parts: tuple[Part, ...], placed: tuple[PlacedPart, ...] = ()) -> None:
        self._uows, self._parts, self._placed = uows, parts, placed

    async def roll_up(self, now: datetime) -> int:
        """`now` is taken before anything is read, so every transition it read is older."""
        today = _start(_day_of(now))
        async with self._uows.reading() as session:
            first: datetime | None = (await session.execute(select(func.min(Conversation.created_at)))).scalar_one()
            if first is None:
                return 0
            days = await _read_days(session, _start(_day_of(first)), today)
            waiting = await _waiting_days(session)
            stored = {row.day: _stored(row) for row in (await session.execute(select(ReportDay))).scalars()}
        closed = (today - WINDOW_DAYS * DAY).date().isoformat()
        due = [day for day in sorted(days.signatures) if day <= closed and stored.get(day) != days.window(day)
               and _quiet(days.window(day), now) and not waiting & set(_window_days(day))]
        for first_of_batch in range(0, len(due), BATCH_DAYS):
            await self._build(due[first_of_batch:first_of_batch + BATCH_DAYS], days, now)
        gone = [day for day in stored if day not in days.signatures]
        if gone:
            async with self._uows() as uow:
                await _forget(uow.session, gone)
                await uow.commit()
        return len(due)

    async def _build(self, batch: list[str], days: Days, now: datetime) -> None:
        """The statements run in a reading transaction, the rows are written in a short one."""
        counts: list[dict[str, Any]] = []
        places: list[dict[str, Any]] = []
        async with self._uows.reading() as session:
            if session.get_bind().dialect.name == "postgresql":
                await analytic(session)
            for day in batch:
                for scope in (ALL_CHANNELS, *sorted(days.channels[day])):
                    found = ReportFilter(_start(day), _start(day) + DAY, now, channel=scope or None)
                    rows = [row for part in self._parts for row in await part(session, found)]
                    for placed in self._placed:
                        more, where = await placed(session, found)
                        rows += more
                        places += [{"day": day, "scope": scope, **place} for place in where]
                    counts += [{"day": day, "scope": scope, "kind": kind, "key": key, "conversations": conversations,
                                "handed": handed} for kind, key, conversations, handed in rows]
        async with self._uows() as uow:
            await _forget(uow.session, batch)
            await uow.session.execute(insert(ReportDay), [
                {"day": day, "built_at": now, **asdict(days.window(day))} for day in batch])
            for table, values in ((ReportDayCount, counts), (ReportDayExample, places)):
                if values:
                    await uow.session.execute(insert(table), values)
            await uow.commit()


def _quiet(signature: Signature, now: datetime) -> bool:
    return signature.last_change is None or signature.last_change < now - QUIET


async def _forget(session: AsyncSession, days: list[str]) -> None:
    for table in (ReportDayExample, ReportDayCount, ReportDay):
        await session.execute(delete(table).where(table.day.in_(days)))
