"""Actions run against a real demo shop (SQLite in a temp dir) and the real help articles;
only Rasa is absent: trackers are built the way rasa-sdk builds them from Rasa's request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

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
