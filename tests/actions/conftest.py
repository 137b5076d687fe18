"""Actions run against a real demo shop (SQLite in a temp dir) and the real help articles;
only Rasa is absent: trackers are built the way rasa-sdk builds them from Rasa's request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import services
from actions.services import Services
from knowledge_base.faq import FaqIndex, FaqSettings, load_articles
from knowledge_base.shop.seed import reset_database
from knowledge_base.shop.settings import ShopSettings
from knowledge_base.shop.sql_source import SqlOrderSource, create_shop_engine

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def faq_index() -> FaqIndex:
    return FaqIndex.build(load_articles(FaqSettings().articles_dir))


@pytest.fixture
def shop(tmp_path: Path, faq_index: FaqIndex) -> Iterator[Services]:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = create_shop_engine(url)
    reset_database(engine, NOW)
    settings = ShopSettings(database_url=url)
    installed = Services(orders=SqlOrderSource(engine, settings), faq=faq_index, shop=settings, clock=lambda: NOW)
    services.use(installed)
    yield installed
    services.use(None)
    engine.dispose()


def tracker(slots: dict[str, Any] | None = None, text: str = "", intent: str | None = None,
            events: list[dict[str, Any]] | None = None, metadata: dict[str, Any] | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0} if intent else {},
              "entities": [], "metadata": metadata or {}}
    return Tracker("shopper-1", slots or {}, latest, events or [], False, None, {}, "action_listen")


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [message.get("response") or message.get("text") or "" for message in dispatcher.messages]


def values(dispatcher: CollectingDispatcher, response: str) -> dict[str, Any]:
    """The variables an action passed to one of its domain responses."""
    for message in dispatcher.messages:
        if message.get("response") == response:
            return message
    raise AssertionError(f"{response} not uttered; got {texts(dispatcher)}")
