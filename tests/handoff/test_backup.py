"""`shopdesk backup` / `shopdesk restore`: backup -> wipe -> restore gives back the same
transcripts, tickets, audit rows and Rasa trackers, on SQLite and PostgreSQL; a damaged or
altered archive is refused before anything is touched; old backups beyond the count are removed."""

from __future__ import annotations

import dataclasses
import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.serve import tracker_store_url
from handoff import audit, backup
from handoff.db import create_engine
from handoff.errors import HubError
from handoff.models import Agent, Conversation
from handoff.settings import HubSettings, tracker_url
from handoff.signals import HandoffSignal
from handoff.tickets import open_ticket
from tests.handoff.databases import HubDb, hub_db, postgres_database, sqlite_engine

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("conversations", "messages", "tickets", "transitions", "audit_log", "agents")
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@dataclass
class Scene:
    settings: HubSettings
    db: HubDb
    backups: Path


async def fill(db: HubDb) -> None:
    """Conversations with transcripts, a ticket with its transitions, an agent's audit trail."""
    anna = await db.agent("Anna")
    for number in range(3):
        conversation = await db.conversation(email=f"shopper{number}@example.com")
        async with db.uows() as uow:
            found = await uow.session.get(Conversation, conversation.id)
            assert found is not None
            ticket = await open_ticket(uow, db.desk, found, HandoffSignal(("explicit_request",), message=f"help {number}"))
            audit.record(uow.session, await uow.session.get(Agent, anna.id) or anna, audit.VIEW_TRANSCRIPT, found.id,
                         ticket.id)
            await uow.commit()


async def rows(db: HubDb, tables: tuple[str, ...] = TABLES) -> dict[str, list[tuple[object, ...]]]:
    async with db.engine.connect() as connection:
        return {table: [tuple(row) for row in await connection.execute(text(f"select * from {table} order by 1"))]
                for table in tables}


async def wipe(scene: Scene) -> None:
    """Everything the shop would miss (and Rasa's trackers, wherever they are)."""
    await scene.db.engine.dispose()
    tracker = _tracker_file(scene)
    async with scene.db.engine.begin() as connection:
        for table in ("audit_log", "transitions", "messages", "tickets", "conversations") + (() if tracker else ("events",)):
            await connection.execute(text(f"delete from {table}"))
    if tracker:
        tracker.unlink()


def _tracker_file(scene: Scene) -> Path | None:
    url = scene.settings.tracker_url or ""
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite") else None


# Rasa's table as its SQL tracker store makes it (in the hub's database on PostgreSQL).
EVENTS = ("create table events (id integer primary key, sender_id varchar(255) not null, type_name varchar(255), "
          "timestamp float, intent_name varchar(255), action_name varchar(255), data text)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def scene(request: pytest.FixtureRequest, tmp_path: Path, hub_settings: HubSettings) -> AsyncIterator[Scene]:
    if request.param == "sqlite":
        tracker = tmp_path / "tracker.db"
        with sqlite3.connect(tracker) as connection:
            connection.execute(EVENTS)
            connection.executemany("insert into events (sender_id, type_name, data) values (?, ?, ?)",
                                   [(f"c{n}", "user", '{"text": "hi"}') for n in range(5)])
        settings = dataclasses.replace(hub_settings, tracker_url=f"sqlite:///{tracker}")
        async with sqlite_engine(tmp_path) as engine:
            db = await hub_db(engine, settings)
            await fill(db)
            yield Scene(settings, db, tmp_path / "backups")
        return
    async with postgres_database() as url:
        settings = dataclasses.replace(hub_settings, database_url=url, tracker_url=url.replace("+asyncpg", ""))
        engine = create_engine(url)
        try:
            db = await hub_db(engine, settings)
            async with engine.begin() as connection:
                await connection.execute(text(EVENTS))
                await connection.execute(text("insert into events (id, sender_id, type_name) values (1, 'c1', 'user')"))
            await fill(db)
            yield Scene(settings, db, tmp_path / "backups")
        finally:
            await engine.dispose()


async def tracker_rows(scene: Scene) -> list[tuple[object, ...]]:
    tracker = _tracker_file(scene)
    if tracker is None:
        return (await rows(scene.db, ("events",)))["events"]
    if not tracker.exists():
        return []
    with sqlite3.connect(tracker) as connection:
        return list(connection.execute("select * from events order by id"))


async def test_backup_wipe_restore_gives_back_the_same_rows(scene: Scene) -> None:
    before, trackers_before = await rows(scene.db), await tracker_rows(scene)
    assert len(before["messages"]) >= 3 and len(before["audit_log"]) == 3 and trackers_before
    report = backup.backup(scene.settings, scene.backups, keep=3, now=NOW)
    hub_part = report.parts["hub"]
    assert hub_part["rows"][_table(hub_part, "messages")] == len(before["messages"])
    await wipe(scene)
    assert (await rows(scene.db))["messages"] == [] and await tracker_rows(scene) == []

    backup.restore(scene.settings, report.archive)
    await scene.db.engine.dispose()
    assert await rows(scene.db) == before
    assert await tracker_rows(scene) == trackers_before


def _table(part: dict[str, object], name: str) -> str:
    return name if part["kind"] == "sqlite" else f"public.{name}"


@pytest.mark.parametrize("damage", ["flipped byte", "truncated", "altered count", "not a backup"])
async def test_a_damaged_archive_is_refused_and_nothing_is_touched(scene: Scene, damage: str) -> None:
    report = backup.backup(scene.settings, scene.backups, keep=3, now=NOW)
    data = bytearray(report.archive.read_bytes())
    if damage == "flipped byte":
        data[len(data) // 2] ^= 0x40
    elif damage == "truncated":
        del data[len(data) * 2 // 3:]
    elif damage == "altered count":
        changed, altered = re.subn(rb'("(?:public\.)?tickets": )3', rb"\g<1>4", bytes(data), count=1)
        assert altered == 1
        data = bytearray(changed)
    else:
        data = bytearray(b"SQLite format 3\x00" + bytes(4096))
    report.archive.write_bytes(bytes(data))
    await wipe(scene)
    with pytest.raises(HubError, match=r"damaged|not a ShopDesk backup|other rows|checksum"):
        backup.restore(scene.settings, report.archive)
    assert (await rows(scene.db))["tickets"] == [], "nothing was restored from it"


async def test_only_the_newest_backups_are_kept(scene: Scene) -> None:
    made = [backup.backup(scene.settings, scene.backups, keep=2, now=NOW + timedelta(minutes=n)).archive for n in range(4)]
    assert sorted(scene.backups.glob("shopdesk-backup-*.tar")) == made[-2:]
    assert not list(scene.backups.glob(".*")), "no scratch files left behind"


def test_the_hub_finds_rasa_s_tracker_store_where_rasa_puts_it(tmp_path: Path) -> None:
    for env in ({}, {"DATABASE_URL": "sqlite+aiosqlite:///x.db"},
                {"DATABASE_URL": "postgresql+asyncpg://shop:pw@db:5432/shopdesk"},
                {"DATABASE_URL": "postgresql+asyncpg://shop@db/shopdesk", "SHOPDESK_TRACKER_URL": "postgresql://r@t/rasa"}):
        assert tracker_url(env, tmp_path) == tracker_store_url({**env, "SHOPDESK_VAR_DIR": str(tmp_path)})


def test_the_command_line_backs_up_and_restores(tmp_path: Path, hub_settings: HubSettings) -> None:
    env = {**os.environ, "DATABASE_URL": hub_settings.database_url, "SHOPDESK_VAR_DIR": str(tmp_path),
           "SHOPDESK_BACKUP_KEEP": "1"}
    migrate = [sys.executable, "-m", "handoff.cli", "migrate"]
    subprocess.run(migrate, env=env, check=True, capture_output=True, cwd=ROOT)
    made = subprocess.run([sys.executable, "-m", "handoff.cli", "backup"], env=env, capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert made.returncode == 0, made.stderr
    assert "written and verified" in made.stdout and "no tracker store" in made.stdout
    [archive] = (tmp_path / "backups").glob("shopdesk-backup-*.tar")
    back = subprocess.run([sys.executable, "-m", "handoff.cli", "restore", str(archive)], env=env, capture_output=True,
                          text=True, cwd=ROOT, check=False)
    assert back.returncode == 0 and "restored and verified" in back.stdout, back.stderr
    archive.write_bytes(archive.read_bytes()[:1000])
    refused = subprocess.run([sys.executable, "-m", "handoff.cli", "restore", str(archive)], env=env, capture_output=True,
                             text=True, cwd=ROOT, check=False)
    assert refused.returncode == 1 and "damaged" in refused.stderr
