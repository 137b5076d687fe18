"""Fixtures shared across test packages: the hub's database, a fake Rasa, a running hub."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sanic import Sanic

from handoff.settings import HubSettings
from hub.app import create_app
from tests.fakes.rasa import FakeRasa
from tests.handoff.api_client import HubApi
from tests.handoff.databases import HubDb, hub_db, postgres_engine, sqlite_engine


@pytest.fixture
def fake_rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa().start()
    yield fake
    fake.stop()


@pytest.fixture
def hub_settings(tmp_path: Path, fake_rasa: FakeRasa) -> HubSettings:
    """Settings for a hub on a fresh SQLite file that talks to the fake Rasa."""
    return HubSettings(
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'hub.db'}",
        rasa_url=fake_rasa.url,
        rasa_token=fake_rasa.secret,
        rasa_timeout_seconds=5,
        shop_database_url=None,
    )


@pytest.fixture
async def db(tmp_path: Path, hub_settings: HubSettings) -> AsyncIterator[HubDb]:
    """The hub's database on SQLite."""
    async with sqlite_engine(tmp_path) as engine:
        yield await hub_db(engine, hub_settings)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def any_db(request: pytest.FixtureRequest, tmp_path: Path, hub_settings: HubSettings) -> AsyncIterator[HubDb]:
    """The hub's database on SQLite and on PostgreSQL (a private schema in database `test`)."""
    opener = sqlite_engine(tmp_path) if request.param == "sqlite" else postgres_engine()
    async with opener as engine:
        yield await hub_db(engine, hub_settings)


@pytest.fixture
def hub_app(hub_settings: HubSettings, db: HubDb) -> Sanic:
    """The hub app on the same database as `db` (migrated), talking to the fake Rasa."""
    app = create_app(hub_settings, sweep=False)
    # Sanic's test client starts the app for every request; its code rewriting is not needed here.
    app.config.TOUCHUP = False
    return app


@pytest.fixture
def api(hub_app: Sanic) -> HubApi:
    return HubApi(hub_app)
