"""Alembic environment: runs on the connection the hub hands in (handoff.db.migrate), or, from
the alembic command line, on DATABASE_URL / the default SQLite file."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from handoff.models import Base

target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone() -> None:
    from handoff.db import create_engine
    from handoff.settings import HubSettings

    engine = create_engine(HubSettings.from_env().database_url)
    async with engine.begin() as connection:
        await connection.run_sync(run_on)
    await engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")

shared = context.config.attributes.get("connection")
if shared is not None:
    run_on(shared)
else:
    asyncio.run(run_standalone())
