"""One real Rasa server and one real action server for the whole test run, on a freshly
seeded demo shop. The model is the one `make model` trained (trained once per run)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from knowledge_base.shop.seed import reset_database
from knowledge_base.shop.sql_source import create_shop_engine
from tests.integration.servers import MODEL, ROOT, Launcher, RasaServer, Server
from tests.integration.shopper import Shopper


@pytest.fixture(scope="session")
def shop_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('shop') / 'shop.db'}"
    engine = create_shop_engine(url)
    reset_database(engine, datetime.now(UTC))
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def launcher(tmp_path_factory: pytest.TempPathFactory, shop_database_url: str) -> Launcher:
    return Launcher(logs=tmp_path_factory.mktemp("logs"), env={"SHOP_DATABASE_URL": shop_database_url})


@pytest.fixture(scope="session")
def action_server(launcher: Launcher) -> Iterator[Server]:
    server = launcher.action_server()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def rasa_server(launcher: Launcher, action_server: Server) -> Iterator[RasaServer]:
    if not MODEL.exists():
        subprocess.run(["make", "--no-print-directory", "model"], cwd=ROOT, check=True)
    server = launcher.rasa_server(action_server)
    yield server
    server.stop()


@pytest.fixture
def shopper(rasa_server: RasaServer) -> Shopper:
    return Shopper(rasa_server)
