"""One real Rasa server and one real action server for the whole test run, on a freshly
seeded demo shop. The model is the one `make model` trained (trained once per run)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from knowledge_base.shop.seed import seed_demo_shop
from tests.integration.servers import Launcher, RasaServer, Server, served_action_server, served_rasa
from tests.integration.shopper import Shopper


@pytest.fixture(scope="session")
def shop_database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return seed_demo_shop(f"sqlite:///{tmp_path_factory.mktemp('shop') / 'shop.db'}")


@pytest.fixture(scope="session")
def launcher(tmp_path_factory: pytest.TempPathFactory, shop_database_url: str) -> Launcher:
    return Launcher(logs=tmp_path_factory.mktemp("logs"), env={"SHOP_DATABASE_URL": shop_database_url})


@pytest.fixture(scope="session")
def action_server(launcher: Launcher) -> Iterator[Server]:
    yield from served_action_server(launcher)


@pytest.fixture(scope="session")
def rasa_server(launcher: Launcher, action_server: Server) -> Iterator[RasaServer]:
    yield from served_rasa(launcher, action_server)


@pytest.fixture
def shopper(rasa_server: RasaServer) -> Shopper:
    return Shopper(rasa_server)
