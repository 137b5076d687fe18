"""A freshly seeded demo shop in a temporary SQLite file, and a snapshot of its rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from knowledge_base.shop import models
from knowledge_base.shop.seed import reset_database
from knowledge_base.shop.settings import ShopSettings
from knowledge_base.shop.sql_source import SqlOrderSource, create_shop_engine

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)


def seeded_engine(path: Path, now: datetime = NOW) -> Engine:
    engine = create_shop_engine(f"sqlite:///{path}")
    reset_database(engine, now)
    return engine


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every shop table, in primary-key order."""
    with engine.connect() as connection:
        return {
            table.name: [tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))]
            for table in models.Base.metadata.sorted_tables
        }


@pytest.fixture
def shop_engine(tmp_path: Path) -> Iterator[Engine]:
    engine = seeded_engine(tmp_path / "shop.db")
    yield engine
    engine.dispose()


@pytest.fixture
def source(shop_engine: Engine) -> SqlOrderSource:
    settings = ShopSettings(database_url=str(shop_engine.url), shop_url="https://shop.example")
    return SqlOrderSource(shop_engine, settings)
