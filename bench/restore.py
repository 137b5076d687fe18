"""How long `shopdesk restore` takes for a hub with 100,000 conversations, on SQLite and on
PostgreSQL, against the fastest restore there could be without checks.

    .venv/bin/python bench/restore.py [--conversations 100000] [--skip-postgres]

It builds a hub database through the migrations, fills it in bulk (per conversation: four
messages, shopper and bot in turn; every tenth one handed off: a ticket, two transitions, a
handoff signal, a "connecting" notice and an agent's look in the audit log), takes a verified
`shopdesk backup` and times the whole `shopdesk restore` into an emptied database: reading the
archive back, every checksum, SQLite's integrity check or pg_restore's full read with every
table's rows counted, the restore itself and the count afterwards.

Baselines, timed on the same data: SQLite, copying the database file (no checks, the hub
stopped); PostgreSQL, one unverified `pg_restore --single-transaction` of the same dump.
The figures and the ratio are printed; bench/README.md keeps the measured ones.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from handoff import backup  # noqa: E402
from handoff.backup_postgres import libpq_url  # noqa: E402
from handoff.db import create_engine, migrate  # noqa: E402
from handoff.settings import HubSettings  # noqa: E402

POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
START = datetime(2026, 11, 1, tzinfo=UTC)
Rows = dict[str, list[tuple[Any, ...]]]


def scene(conversations: int) -> Iterator[Rows]:
    """The rows, a batch of 10,000 conversations at a time."""
    for first in range(0, conversations, 10_000):
        rows: Rows = {"conversations": [], "messages": [], "tickets": [], "transitions": [], "audit_log": []}
        for number in range(first, min(first + 10_000, conversations)):
            conversation_id, at = uuid.UUID(int=number + 1).hex, START + timedelta(seconds=number)
            rows["conversations"].append((conversation_id, "0" * 64, "webchat", None, f"Shopper {number}",
                                          f"s{number}@example.com", "bot", 4, at, at))
            for seq, (kind, words) in enumerate([("shopper", "where is my order 10002"), ("bot", "Which email is on it?"),
                                                 ("shopper", f"s{number}@example.com"), ("bot", "It arrives tomorrow.")], 1):
                rows["messages"].append((conversation_id, seq, "in" if kind == "shopper" else "out", kind, None, None,
                                         words, "[]", None, False, None, at, at if kind == "shopper" else None, None,
                                         None if kind == "shopper" else seq - 1))
            if number % 10 == 0:
                ticket = number // 10 + 1
                rows["tickets"].append((ticket, conversation_id, "resolved", '["explicit_request"]', "normal", 0, "[]",
                                        None, 0, 3, None, 1, None, None, f"s{number}@example.com", None, "a person please",
                                        "{}", None, at, at, at, at, at + timedelta(hours=1), at + timedelta(days=1), at,
                                        None, "done", 5, None, at, False))
                rows["transitions"] += [(conversation_id, ticket, "bot", "queued", "bot", None, None, "explicit_request", at),
                                        (conversation_id, ticket, "queued", "assigned", "system", 1, "Anna", "claimed", at)]
                rows["audit_log"].append((1, "view_transcript", conversation_id, ticket, at))
        yield rows


COLUMNS = {
    "conversations": "id, token_hash, channel, channel_user_id, display_name, customer_email, state, last_seq, created_at, "
                     "updated_at",
    "messages": "conversation_id, seq, direction, author_kind, author_name, agent_id, text, buttons, custom, internal, "
                "external_id, created_at, handled_at, bot_claimed_until, reply_to",
    "tickets": "id, conversation_id, status, reasons, severity, severity_rank, severity_cues, tier, tier_rank, priority, "
               "team, agent_id, customer_id, customer_name, customer_email, contact_email, trigger_text, summary, anger, "
               "created_at, queued_at, assigned_at, first_response_at, first_response_due, resolution_due, resolved_at, "
               "snoozed_until, csat_state, csat_rating, csat_comment, csat_at, bot_outage",
    "transitions": "conversation_id, ticket_id, from_state, to_state, actor_kind, actor_id, actor_name, reason, created_at",
    "audit_log": "agent_id, action, subject, ticket_id, created_at",
}
AGENT = ("Anna", "anna@shop.example", "x", "agent", "[]", 3, "offline", True, START)


async def create_schema(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate(engine)
    finally:
        await engine.dispose()


def fill_sqlite(path: Path, conversations: int) -> None:
    with sqlite3.connect(path) as connection:
        connection.execute("INSERT INTO agents (display_name, email, password_hash, role, teams, capacity, status, active, "
                           "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", AGENT)
        for rows in scene(conversations):
            for table, values in rows.items():
                marks = ", ".join("?" * len(COLUMNS[table].split(",")))
                connection.executemany(f"INSERT INTO {table} ({COLUMNS[table]}) VALUES ({marks})", values)


def fill_postgres(url: str, conversations: int) -> None:
    uri, env = libpq_url(url)
    with psycopg.connect(uri, password=env.get("PGPASSWORD")) as connection:
        connection.execute("INSERT INTO agents (display_name, email, password_hash, role, teams, capacity, status, active, "
                           "created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)", AGENT)
        for rows in scene(conversations):
            for table, values in rows.items():
                with connection.cursor().copy(f"COPY {table} ({COLUMNS[table]}) FROM STDIN") as copy:
                    for row in values:
                        copy.write_row(row)
        connection.execute("SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT max(id) FROM tickets))")


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def bench_sqlite(work: Path, conversations: int) -> dict[str, float]:
    database = work / "hub.db"
    url = f"sqlite+aiosqlite:///{database}"
    asyncio.run(create_schema(url))
    fill_seconds = timed(lambda: fill_sqlite(database, conversations))
    settings = HubSettings(database_url=url, tracker_url=None)
    made = backup.backup(settings, work / "backups", keep=1, now=datetime.now(UTC))
    database.unlink()
    restore_seconds = timed(lambda: backup.restore(settings, made.archive))
    copy = work / "copy.db"
    baseline = timed(lambda: shutil.copyfile(database, copy))
    return {"fill s": fill_seconds, "archive MB": made.archive.stat().st_size / 1e6, "restore s": restore_seconds,
            "baseline s": baseline}


def bench_postgres(work: Path, conversations: int) -> dict[str, float]:
    name = f"shopdesk_bench_{uuid.uuid4().hex[:8]}"
    admin, _password = libpq_url(POSTGRES)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    try:
        asyncio.run(create_schema(url))
        fill_seconds = timed(lambda: fill_postgres(url, conversations))
        settings = HubSettings(database_url=url, tracker_url=None)
        made = backup.backup(settings, work / "backups", keep=1, now=datetime.now(UTC))
        asyncio.run(_empty(url))
        restore_seconds = timed(lambda: backup.restore(settings, made.archive))
        unpacked = work / "unpacked"
        unpacked.mkdir()
        backup.read_back(made.archive, unpacked)
        asyncio.run(_empty(url))
        uri, _password = libpq_url(url)
        baseline = timed(lambda: _pg_restore(uri, unpacked / "hub.pgdump"))
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    return {"fill s": fill_seconds, "archive MB": made.archive.stat().st_size / 1e6, "restore s": restore_seconds,
            "baseline s": baseline}


async def _empty(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


def _pg_restore(uri: str, dump: Path) -> None:
    subprocess.run(["pg_restore", "--no-owner", "--single-transaction", f"--dbname={uri}", str(dump)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory(prefix="shopdesk-bench-") as scratch:
        work = Path(scratch)
        (work / "sqlite").mkdir()
        results["sqlite"] = bench_sqlite(work / "sqlite", args.conversations)
        if not args.skip_postgres:
            (work / "postgres").mkdir()
            try:
                results["postgresql"] = bench_postgres(work / "postgres", args.conversations)
            except psycopg.OperationalError as error:
                print(f"PostgreSQL skipped: {error}")
    print(f"restore of {args.conversations:,} conversations ({args.conversations * 4:,} messages, "
          f"{args.conversations // 10:,} tickets)")
    print(f"{'database':<11} {'archive MB':>10} {'restore s':>10} {'baseline s':>11} {'ratio':>7}")
    for kind, figures in results.items():
        ratio = figures["restore s"] / figures["baseline s"]
        print(f"{kind:<11} {figures['archive MB']:>10.1f} {figures['restore s']:>10.2f} {figures['baseline s']:>11.2f} "
              f"{ratio:>6.1f}x")
    print(json.dumps({kind: {k: round(v, 3) for k, v in figures.items()} for kind, figures in results.items()}))


if __name__ == "__main__":
    main()
