"""The audit log is a hash chain: every row recorded through audit.record joins it, logins
included, and editing, removing or slipping in a row is found and named, also by the CLI."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

from alembic import command
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff import audit, audit_chain
from handoff.db import alembic_config, create_engine, migrate, session_factory
from handoff.settings import HubSettings
from tests.handoff.api_client import HubApi
from tests.handoff.databases import HubDb

ROOT = Path(__file__).resolve().parents[2]


async def verdict(db: HubDb) -> audit_chain.Verdict:
    async with db.uows() as uow:
        return await audit_chain.verify(uow.session)


async def some_history(api: HubApi, db: HubDb) -> None:
    boss = await db.agent("Boss", role="admin", online=False)
    token = await api.login(boss.email)
    assert (await api.call("post", "/api/agent/login", json={"email": boss.email, "password": "wrong password"})).status == 401
    assert (await api.call("post", "/api/agent/login", json={"email": "nobody@x.example", "password": "whatever"})).status == 401
    created = await api.call("post", "/api/admin/agents", token, json={
        "email": "new@shop.example", "display_name": "Nia", "password": "a long password", "role": "agent"})
    assert created.status == 201
    await api.call("patch", f"/api/admin/agents/{created.body['id']}", token, json={"capacity": 5})


async def test_logins_and_admin_changes_form_an_intact_chain(api: HubApi, db: HubDb) -> None:
    await some_history(api, db)
    async with db.uows() as uow:
        rows = (await uow.session.execute(text(
            "SELECT action, subject, address, chain_seq, prev_hash, row_hash, agent_id FROM audit_log ORDER BY id"))).all()
    assert [(r.action, r.subject) for r in rows] == [
        ("login", rows[0].subject), ("login_failed", rows[0].subject), ("login_failed", "nobody@x.example"),
        ("agent_created", "new@shop.example"), ("agent_changed", "new@shop.example")]
    assert rows[2].agent_id is None and all(r.address for r in rows[:3])
    assert [r.chain_seq for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0].prev_hash == audit_chain.GENESIS and all(b.prev_hash == a.row_hash for a, b in pairwise(rows))
    found = await verdict(db)
    assert found.intact and found.rows == 5 and found.head == rows[-1].row_hash


async def test_an_edited_row_is_named(api: HubApi, db: HubDb) -> None:
    await some_history(api, db)
    async with db.uows() as uow:
        await uow.session.execute(text("UPDATE audit_log SET subject = 'someone.else@x.example' WHERE chain_seq = 3"))
        third = (await uow.session.execute(text("SELECT id FROM audit_log WHERE chain_seq = 3"))).scalar_one()
        await uow.commit()
    found = await verdict(db)
    assert not found.intact and found.broken_id == third and found.rows == 2
    assert found.problem == f"row {third} was changed after it was written"


async def test_an_edited_detail_or_time_is_found_too(api: HubApi, db: HubDb) -> None:
    await some_history(api, db)
    async with db.uows() as uow:
        await uow.session.execute(text("UPDATE audit_log SET details = '{\"capacity\": 50}' WHERE chain_seq = 5"))
        await uow.commit()
    assert (await verdict(db)).problem is not None
    async with db.uows() as uow:
        await uow.session.execute(text(
            "UPDATE audit_log SET details = '{\"capacity\": {\"after\": 5, \"before\": 3}}' WHERE chain_seq = 5"))
        await uow.commit()
    assert (await verdict(db)).intact  # the same JSON again, however it is spelled
    async with db.uows() as uow:
        await uow.session.execute(text("UPDATE audit_log SET address = '10.0.0.1' WHERE chain_seq = 1"))
        await uow.commit()
    assert (await verdict(db)).broken_id is not None


async def test_a_removed_row_breaks_the_chain_at_the_next_one_and_a_removed_last_row_at_the_head(
    api: HubApi, db: HubDb
) -> None:
    await some_history(api, db)
    async with db.uows() as uow:
        ids = list((await uow.session.execute(text("SELECT id FROM audit_log ORDER BY chain_seq"))).scalars())
        await uow.session.execute(text(f"DELETE FROM audit_log WHERE id = {ids[-1]}"))
        await uow.commit()
    found = await verdict(db)
    assert found.broken_id is None and found.rows == 4 and "removed from the end" in (found.problem or "")
    async with db.uows() as uow:
        await uow.session.execute(text(f"DELETE FROM audit_log WHERE id = {ids[1]}"))
        await uow.commit()
    found = await verdict(db)
    assert found.broken_id == ids[2] and found.rows == 1 and "removed" in (found.problem or "")


async def test_a_row_slipped_in_behind_the_hubs_back_is_named(api: HubApi, db: HubDb) -> None:
    await some_history(api, db)
    async with db.uows() as uow:
        await uow.session.execute(text(
            "INSERT INTO audit_log (action, subject, created_at) VALUES ('export', 'everything', '2026-01-01 00:00:00')"))
        forged = (await uow.session.execute(text("SELECT max(id) FROM audit_log"))).scalar_one()
        await uow.commit()
    found = await verdict(db)
    assert found.broken_id == forged and "not in the chain" in (found.problem or "")


async def test_concurrent_writers_never_fork_the_chain(any_db: HubDb) -> None:
    agent = await any_db.agent("Ann", online=False)

    async def view(number: int) -> None:
        async with any_db.uows() as uow:
            audit.record(uow.session, agent, audit.VIEW_CUSTOMER, f"contact:{number}", details={"n": number})
            await asyncio.sleep(0)
            audit.record(uow.session, agent, audit.VIEW_TRANSCRIPT, f"contact:{number}")
            await uow.commit()

    await asyncio.gather(*(view(n) for n in range(25)))
    found = await verdict(any_db)
    assert found.intact and found.rows == 50


async def test_rows_written_before_the_chain_existed_are_chained_by_the_migration(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
    try:
        await _upgrade_to(engine, "0005")
        async with engine.begin() as connection:
            await connection.execute(text(
                "INSERT INTO agents (email, display_name, password_hash, role, teams, capacity, status, active, "
                "takes_tickets, created_at) VALUES ('a@x.example', 'A', 'x', 'admin', '[]', 3, 'offline', 1, 0, "
                "'2026-01-01 00:00:00')"))
            for subject in ("first", "second"):
                await connection.execute(text(
                    "INSERT INTO audit_log (agent_id, action, subject, details, created_at) "
                    f"VALUES (1, 'agent_changed', '{subject}', '{{\"role\": \"agent\"}}', '2026-01-02 10:00:00.123456')"))
        await migrate(engine)
        async with session_factory(engine)() as session:
            audit.record(session, None, audit.LOGIN_FAILED, "x@y.example", address="127.0.0.1")
            await session.commit()
            found = await audit_chain.verify(session)
        assert found.intact and found.rows == 3
    finally:
        await engine.dispose()


async def _upgrade_to(engine: AsyncEngine, revision: str) -> None:
    def upgrade(connection: object) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)


async def test_the_cli_says_intact_or_names_the_broken_row(api: HubApi, db: HubDb, hub_settings: HubSettings) -> None:
    await some_history(api, db)
    env = {**os.environ, "DATABASE_URL": hub_settings.database_url}
    check = [sys.executable, "-m", "handoff.cli", "audit", "verify"]
    good = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert good.returncode == 0 and "intact: 5 rows" in good.stdout, good.stderr
    async with db.uows() as uow:
        await uow.session.execute(text("UPDATE audit_log SET action = 'view_customer' WHERE chain_seq = 4"))
        fourth = (await uow.session.execute(text("SELECT id FROM audit_log WHERE chain_seq = 4"))).scalar_one()
        await uow.commit()
    bad = subprocess.run(check, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert bad.returncode == 1 and f"row {fourth} was changed" in bad.stderr
