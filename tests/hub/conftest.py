"""A router wired as create_app wires it, against the fake Rasa, and a recording channel."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handoff.broadcast import QueueBroadcaster
from handoff.delivery import DeliveryRegistry
from hub.rasa_client import RasaClient
from hub.router import Router
from tests.fakes.rasa import FakeRasa
from tests.handoff.databases import HubDb
from tests.hub.support import RecordingChannel


@pytest.fixture
async def rasa(fake_rasa: FakeRasa) -> AsyncIterator[RasaClient]:
    client = RasaClient(fake_rasa.url, fake_rasa.secret, timeout=5)
    client.open()
    yield client
    await client.close()


@pytest.fixture
def channel(db: HubDb) -> RecordingChannel:
    registry = DeliveryRegistry()
    registry.attach(db.bus)
    recorder = RecordingChannel(db)
    registry.register("telegram", recorder)
    return recorder


@pytest.fixture
def router(db: HubDb, rasa: RasaClient) -> Router:
    """Wired as create_app wires it: queue broadcasts and the rating question follow the events."""
    router = Router(db.uows, db.desk, rasa)
    db.bus.subscribe(QueueBroadcaster(db.uows, db.settings, db.bus).on_event)
    db.bus.subscribe(router.on_event)
    return router
