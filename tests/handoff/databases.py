"""The hub's database for tests: a fresh SQLite file, or a private schema in PostgreSQL's `test`
database (skipped with the reason when PostgreSQL is unreachable, failed when CI=true)."""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from handoff.auth import hash_password
from handoff.clock import utcnow
from handoff.conversations import open_conversation
from handoff.customers import CustomerDirectory
from handoff.db import create_engine, migrate
from handoff.events import Event, EventBus
from handoff.models import Agent, Conversation, Ticket
from handoff.settings import HubSettings
from handoff.signals import HandoffSignal
from handoff.tickets import Desk, open_ticket
from handoff.uow import UnitOfWork, UnitOfWorkFactory

Row = TypeVar("Row")
POSTGRES_URL = os.environ.get("SHOPDESK_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse battery"


@functools.cache
def password_hash() -> str:
    return hash_password(PASSWORD)


async def postgres_unreachable() -> str | None:
    engine = create_engine(POSTGRES_URL, connect_args={"timeout": 3})
    try:
        async with engine.connect() as connection:
            await connection.execute(text("select 1"))
        return None
    except Exception as error:  # any failure to connect means: no PostgreSQL here
        return f"PostgreSQL not reachable at {POSTGRES_URL}: {type(error).__name__}: {error}"
    finally:
        await engine.dispose()


def skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
    pytest.skip(reason)


@asynccontextmanager
async def postgres_engine() -> AsyncIterator[AsyncEngine]:
    """An engine whose search_path is a schema of its own, dropped afterwards."""
    reason = await postgres_unreachable()
    if reason:
        skip_or_fail(reason)
    schema = f"shopdesk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    async with admin.begin() as connection:
        await connection.execute(text(f'create schema "{schema}"'))
    engine = create_engine(POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}}, pool_size=20, max_overflow=40)
    try:
        yield engine
    finally:
        await engine.dispose()
        async with admin.begin() as connection:
            await connection.execute(text(f'drop schema "{schema}" cascade'))
        await admin.dispose()


@asynccontextmanager
async def postgres_database() -> AsyncIterator[str]:
    """A database of its own (for a whole hub app, which takes only a URL); dropped afterwards."""
    reason = await postgres_unreachable()
    if reason:
        skip_or_fail(reason)
    name = f"shopdesk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    async with admin.connect() as connection:
        await connection.execute(text(f'create database "{name}"'))
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'drop database "{name}" with (force)'))
        await admin.dispose()


@asynccontextmanager
async def sqlite_engine(directory: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(f"sqlite+aiosqlite:///{directory / 'hub.db'}")
    try:
        yield engine
    finally:
        await engine.dispose()


@dataclass
class HubDb:
    """A migrated database with the services' dependencies, and shortcuts to set up a scene."""

    engine: AsyncEngine
    settings: HubSettings
    bus: EventBus
    uows: UnitOfWorkFactory
    desk: Desk
    events: list[Event]

    async def agent(
        self, name: str = "Anna", role: str = "agent", online: bool = True, teams: list[str] | None = None, capacity: int = 3
    ) -> Agent:
        """An account with PASSWORD (hashed once per run: argon2 is slow on purpose)."""
        async with self.uows() as uow:
            agent = Agent(
                email=f"{name.lower()}.{uuid.uuid4().hex[:6]}@shop.example",
                display_name=name,
                password_hash=password_hash(),
                role=role,
                teams=teams or [],
                capacity=capacity,
                status="online" if online else "offline",
                last_seen_at=utcnow() if online else None,
                active=True,
                takes_tickets=role == "agent",
            )
            uow.session.add(agent)
            await uow.commit()
            return agent

    async def conversation(self, channel: str = "api", email: str | None = None) -> Conversation:
        async with self.uows() as uow:
            conversation, _token = await open_conversation(uow, channel, None, "Ada", email)
            await uow.commit()
            return conversation

    async def queued_ticket(self, signal: HandoffSignal | None = None, email: str | None = None) -> Ticket:
        conversation = await self.conversation(email=email)
        async with self.uows() as uow:
            conversation = await self.must_get(uow, Conversation, conversation.id)
            ticket = await open_ticket(uow, self.desk, conversation, signal or HandoffSignal(("explicit_request",),
                                                                                             message="a person please"))
            await uow.commit()
            return ticket

    async def get(self, model: type[Row], key: object) -> Row:
        """The row, which the test expects to exist."""
        async with self.uows() as uow:
            row = await uow.session.get(model, key)
            assert row is not None, f"no {model.__name__} {key!r}"
            return row

    async def must_get(self, uow: UnitOfWork, model: type[Row], key: object) -> Row:
        row = await uow.session.get(model, key)
        assert row is not None, f"no {model.__name__} {key!r}"
        return row


async def hub_db(engine: AsyncEngine, settings: HubSettings, shop: object | None = None) -> HubDb:
    await migrate(engine)
    bus = EventBus()
    events: list[Event] = []

    async def record(event: Event) -> None:
        events.append(event)

    bus.subscribe(record)
    uows = UnitOfWorkFactory.on(engine, bus)
    return HubDb(engine, settings, bus, uows, Desk(settings, CustomerDirectory(shop)), events)  # type: ignore[arg-type]
