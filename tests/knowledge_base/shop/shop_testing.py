"""Helpers for the shop tests: a fixed "now", seeded databases, and a snapshot of all rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from knowledge_base.shop import models
from knowledge_base.shop.seed import reset_database
from knowledge_base.shop.sql_source import create_shop_engine

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
