"""Fixtures for the customer record's tests: a hub on the demo shop, with a shop identity secret."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sanic import Sanic

from handoff.settings import HubSettings
from hub.app import create_app
from hub.rasa_client import RasaClient
from hub.router import Router
from knowledge_base.shop.seed import reset_database
from knowledge_base.shop.settings import ShopSettings
from knowledge_base.shop.sql_source import SqlOrderSource, create_shop_engine
from tests.fakes.rasa import FakeRasa
from tests.handoff.api_client import HubApi
from tests.handoff.databases import HubDb

SECRET = "a-shop-identity-secret-of-some-length"


@pytest.fixture
def demo_shop(tmp_path: Path) -> SqlOrderSource:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = create_shop_engine(url)
    reset_database(engine, datetime.now(UTC))
    return SqlOrderSource(engine, ShopSettings(database_url=url))


@pytest.fixture
def shop_app(hub_settings: HubSettings, db: HubDb, demo_shop: SqlOrderSource) -> Sanic:
    settings = dataclasses.replace(hub_settings, identity_secret=SECRET)
    app = create_app(settings, shop=demo_shop, sweep=False)
    app.config.TOUCHUP = False
    return app


@pytest.fixture
def shop_api(shop_app: Sanic) -> HubApi:
    return HubApi(shop_app)


@pytest.fixture
async def router(shop_app: Sanic, fake_rasa: FakeRasa) -> AsyncIterator[Router]:
    """A router on the app's services, for channels that hand messages in directly (Telegram):
    with its own open Rasa client, since the test client opens the app's only per request."""
    services = shop_app.ctx.services
    rasa = RasaClient(fake_rasa.url, fake_rasa.secret, timeout=5)
    rasa.open()
    yield Router(services.uows, services.desk, rasa)
    await rasa.close()
