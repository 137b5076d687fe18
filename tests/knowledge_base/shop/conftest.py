"""A freshly seeded demo shop in a temporary SQLite file for each test (copied from one seed)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from knowledge_base.shop.settings import ShopSettings
from knowledge_base.shop.sql_source import SqlOrderSource, create_shop_engine
from tests.knowledge_base.shop.shop_testing import seeded_engine


@pytest.fixture(scope="session")
def seeded_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("shop") / "seeded.db"
    seeded_engine(path).dispose()
    return path


@pytest.fixture
def shop_engine(seeded_file: Path, tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "shop.db"
    shutil.copyfile(seeded_file, path)
    engine = create_shop_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def source(shop_engine: Engine) -> SqlOrderSource:
    settings = ShopSettings(database_url=str(shop_engine.url), shop_url="https://shop.example")
    return SqlOrderSource(shop_engine, settings)
