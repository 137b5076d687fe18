"""How long the reports take over 100,000 conversations on PostgreSQL (and SQLite, for comparison).

    .venv/bin/python bench/reports.py [--conversations 100000] [--days 90] [--skip-sqlite] [--keep NAME]
                                      [--no-summaries] [--explain]

Builds a hub database through the migrations in a database of its own (PostgreSQL on 127.0.0.1,
database `test`'s server; dropped afterwards), fills it with `shopdesk demo-history`'s generator
(the given number of conversations spread over the days: two to six messages each, about one in
five handed to a person, ratings, transfers, agents' shifts), summarizes every conversation for the
reports and rolls up the days whose came-back window has closed (what the hub's job does a minute
at a time, handoff/report_summaries.py and reports_rollup.py: the last 8 days stay computed, as on a
live desk; `--no-summaries` deletes the summaries and rollups instead, so every conversation is
computed from its messages), vacuums and
analyses it (as autovacuum would after a bulk load), then times each report as the API serves it:
the whole period and the last 30 days, each with the period before for comparison, best of three
runs after one warm-up.
Prints the figures; bench/README.md keeps the measured ones.
`--explain` also gives, per report and period, each statement's EXPLAIN ANALYZE execution time (the
database's own work; on a loaded machine the wall times above carry the other processes' share too).
`--keep NAME` fills the PostgreSQL database NAME only if it has no conversations yet and keeps it
afterwards, so a change can be timed before and after on the same data without filling twice.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from handoff.clock import aware, utcnow  # noqa: E402
from handoff.db import create_engine, migrate, session_factory  # noqa: E402
from handoff.demo_history import write_demo_history  # noqa: E402
from handoff.events import EventBus  # noqa: E402
from handoff.models import Conversation, Message, Ticket  # noqa: E402
from handoff.report_summaries import ReportSummaries, stale_conversations, summarize_batch  # noqa: E402
from handoff.reports import ReportFilter, reports, run_report  # noqa: E402
from handoff.summary_models import ConversationFacet, ConversationSummary, ReportDay, ReportDayCount, ReportDayExample  # noqa: E402
from handoff.uow import UnitOfWorkFactory  # noqa: E402

POSTGRES = os.environ.get("SHOPDESK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
RUNS = 3


async def fill(engine: AsyncEngine, conversations: int, days: int) -> datetime:
    """Fills an empty hub database (the time the history ends at is `now`); a filled one is reused
    as it is, its history ending at its last conversation."""
    async with session_factory(engine)() as session:
        last: datetime | None = (await session.execute(select(func.max(Conversation.created_at)))).scalar_one()
        if last is not None:
            print(f"  reusing the filled database (history up to {last:%Y-%m-%d %H:%M})")
            return aware(last) + timedelta(hours=1)
    now, started = utcnow(), time.perf_counter()
    async with session_factory(engine)() as session:
        made = await write_demo_history(session, now, days, per_day=conversations / days)
    print(f"  filled: {made.conversations} conversations, {made.tickets} tickets in {time.perf_counter() - started:.0f} s")
    return now


async def summarize(engine: AsyncEngine, wanted: bool, now: datetime) -> None:
    started, done = time.perf_counter(), 0
    async with session_factory(engine)() as session:
        if not wanted:
            for table in (ReportDayExample, ReportDayCount, ReportDay, ConversationFacet, ConversationSummary):
                await session.execute(delete(table))
            await session.commit()
            print("  no summaries, no day rollups: every conversation computed from its messages")
            return
        while ids := await stale_conversations(session, 2000):
            await summarize_batch(session, ids)
            await session.commit()
            done += len(ids)
    print(f"  summarized {done} conversations in {time.perf_counter() - started:.0f} s")
    started = time.perf_counter()
    rolled = await ReportSummaries(UnitOfWorkFactory(session_factory(engine), EventBus())).roll_up(now)
    print(f"  rolled up {rolled} days in {time.perf_counter() - started:.0f} s")


async def bench(url: str, conversations: int, days: int, summaries: bool = True, explain: bool = False) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
        now = await fill(engine, conversations, days)
        await summarize(engine, summaries, now)
        async with session_factory(engine)() as session:
            counted = [(await session.execute(select(func.count()).select_from(table))).scalar_one()
                       for table in (Conversation, Message, Ticket)]
        if url.startswith("postgresql"):
            # What autovacuum does on a live database soon after a bulk load: statistics for the
            # planner, and the visibility map that lets it read covering indexes alone.
            async with engine.connect() as connection:
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                await connection.execute(text("VACUUM ANALYZE"))
        print("  holds: {} conversations, {} messages, {} tickets".format(*counted))
        for label, first in ((f"{days} days", now - timedelta(days=days - 1)), ("30 days", now - timedelta(days=29))):
            found = ReportFilter.for_days(first.date(), now.date(), now)
            figures = []
            async with session_factory(engine)() as session:
                for name in reports():
                    await run_report(session, name, found, compare=True)
                    best = float("inf")
                    for _ in range(RUNS):
                        tick = time.perf_counter()
                        await run_report(session, name, found, compare=True)
                        best = min(best, time.perf_counter() - tick)
                    figures.append(f"{name} {best * 1000:.0f} ms")
            print(f"  {label} with the period before: " + ", ".join(figures))
            if explain and url.startswith("postgresql"):
                async with session_factory(engine)() as session:
                    for name in reports():
                        times = await explained(engine, session, name, found)
                        print(f"    EXPLAIN ANALYZE, {label}, {name}: " + ", ".join(f"{ms:.0f}" for ms in times)
                              + f" = {sum(times):.0f} ms")
    finally:
        await engine.dispose()


async def explained(engine: AsyncEngine, session: AsyncSession, name: str, found: ReportFilter) -> list[float]:
    """The execution time (ms) of each statement of one run of the report (with the period before),
    by EXPLAIN ANALYZE in the same transaction: the database's own work, without the Python around it."""
    statements: list[tuple[str, Any]] = []

    def keep(_connection: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append((statement, parameters))

    event.listen(engine.sync_engine, "before_cursor_execute", keep)
    try:
        await run_report(session, name, found, compare=True)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", keep)
    connection = await session.connection()
    times = []
    for statement, parameters in statements:
        plan = (await connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)).scalar_one()
        times.append(float((json.loads(plan) if isinstance(plan, str) else plan)[0]["Execution Time"]))
    return times


async def postgres(conversations: int, days: int, keep: str | None, summaries: bool, explain: bool) -> None:
    name = keep or f"shopdesk_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        there = (await connection.execute(text("select 1 from pg_database where datname = :name"), {"name": name})).first()
        if not there:
            await connection.execute(text(f'create database "{name}"'))
    try:
        await bench(POSTGRES.rsplit("/", 1)[0] + f"/{name}", conversations, days, summaries, explain)
    finally:
        if not keep:
            async with admin.connect() as connection:
                await connection.execute(text(f'drop database "{name}" with (force)'))
        await admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--keep", metavar="NAME", help="PostgreSQL database to fill once and keep")
    parser.add_argument("--no-summaries", action="store_true", help="time the reports without conversation summaries")
    parser.add_argument("--explain", action="store_true",
                        help="also give each statement's EXPLAIN ANALYZE execution time (PostgreSQL)")
    args = parser.parse_args()
    print(f"PostgreSQL ({POSTGRES.rsplit('@', 1)[-1]}), load average {os.getloadavg()[0]:.1f}:")
    asyncio.run(postgres(args.conversations, args.days, args.keep, not args.no_summaries, args.explain))
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as directory:
            print(f"SQLite, load average {os.getloadavg()[0]:.1f}:")
            asyncio.run(bench(f"sqlite+aiosqlite:///{Path(directory) / 'hub.db'}", args.conversations, args.days,
                              not args.no_summaries))
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
