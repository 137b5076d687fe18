"""One real Rasa server and one real action server for the whole test run, on a freshly
seeded demo shop. The model is the one `make model` trained (trained once per run)."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from knowledge_base.shop.seed import reset_database
from knowledge_base.shop.sql_source import create_shop_engine
from tests.integration.servers import MODEL, ROOT, Launcher, RasaServer, Server


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


class Shopper:
    """One shopper talking to the bot over Rasa's REST channel, as the hub does."""

    def __init__(self, rasa: RasaServer, metadata: dict | None = None) -> None:
        self.sender = f"test-{uuid.uuid4().hex[:12]}"
        self.rasa = rasa
        self.metadata = metadata or {}

    def say(self, text: str) -> list[dict]:
        return self.rasa.say(self.sender, text, self.metadata)

    def says(self, text: str) -> str:
        """The bot's reply texts joined, for assertions on what the shopper reads."""
        return "\n".join(message.get("text", "") for message in self.say(text))


@pytest.fixture
def shopper(rasa_server: RasaServer) -> Shopper:
    return Shopper(rasa_server)


def handoff_of(replies: list[dict]) -> dict | None:
    for message in replies:
        custom = message.get("custom") or {}
        if custom.get("type") == "handoff":
            return custom
    return None


# Vague or garbled messages; which of them fall under the fallback threshold depends on the
# trained model, so tests pick those the running model really is unsure about (and fail if none are).
UNCLEAR_MESSAGES = [
    "purple monkey dishwasher", "i dunno", "the thing with the stuff", "zxq vrr plom", "asdf",
    "lorem ipsum dolor", "qwxz plonk vrrr", "xyzzy", "fnord", "zzz", "sdkjfh qwpeoiru",
    "maybe the thing", "like i said the", "and then", "so yeah that",
]


def not_understood(rasa: RasaServer, count: int) -> list[str]:
    """`count` messages the running model sends to nlu_fallback."""
    picked = []
    for text in UNCLEAR_MESSAGES:
        parse = rasa.post("/model/parse", {"text": text})
        if parse["intent"]["name"] == "nlu_fallback":
            picked.append(text)
            if len(picked) == count:
                return picked
    raise AssertionError(f"the model is confident about almost every unclear message: fallback never triggers ({picked})")
