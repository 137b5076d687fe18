"""Real processes for the fault tests, of their own (they are killed): the action server, Rasa
with its SQL tracker store, and the hub on a SQLite file the tests read beside it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge_base.shop.seed import seed_demo_shop
from tests.integration.servers import Launcher, RasaServer, Server, serve, served_action_server, served_rasa

# Fast recovery for the tests: a crashed hub's hold lapses after the Rasa timeout plus 5 s.
HUB_ENV = {"SHOPDESK_RECOVERY_SECONDS": "1", "SHOPDESK_RASA_TIMEOUT_SECONDS": "5",
           # Every shopper here comes from 127.0.0.1; the limits are not what is tested.
           "SHOPDESK_RATE_LIMITS": "off"}


@pytest.fixture(scope="package")
def fault_launcher(tmp_path_factory: pytest.TempPathFactory) -> Launcher:
    work = tmp_path_factory.mktemp("faults")
    return Launcher(logs=work, env={"SHOP_DATABASE_URL": seed_demo_shop(f"sqlite:///{work / 'shop.db'}")})


@pytest.fixture(scope="package")
def actions(fault_launcher: Launcher) -> Iterator[Server]:
    yield from served_action_server(fault_launcher)


@pytest.fixture(scope="package")
def rasa(fault_launcher: Launcher, actions: Server) -> Iterator[RasaServer]:
    yield from served_rasa(fault_launcher, actions)


@pytest.fixture(scope="package")
def hub_db_path(fault_launcher: Launcher) -> Path:
    return fault_launcher.logs / "hub.db"


@pytest.fixture(scope="package")
def hub(fault_launcher: Launcher, rasa: RasaServer, hub_db_path: Path) -> Iterator[Server]:
    yield from serve(fault_launcher.hub(rasa, f"sqlite+aiosqlite:///{hub_db_path}", HUB_ENV))
