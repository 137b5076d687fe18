"""The same source on PostgreSQL (row locks, timezones, money): seeded into a database of its
own, so parallel runs and other tests' tables are never touched."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from knowledge_base.shop.rules import RequestRefused
from knowledge_base.shop.seed import reset_database
from knowledge_base.shop.sql_source import SqlOrderSource, create_shop_engine
from tests.knowledge_base.shop.shop_testing import NOW, seeded_engine, snapshot

pytestmark = pytest.mark.postgres
SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432"


def _admin() -> Engine:
    return create_engine(f"{SERVER_URL}/test", isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="module")
def pg_engine() -> Iterator[Engine]:
    admin = _admin()
    try:
        admin.connect().close()
    except OperationalError as error:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"PostgreSQL is not reachable on 127.0.0.1:5432 ({error.orig})")
    name = f"shopdesk_shop_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_shop_engine(f"{SERVER_URL}/{name}")
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_source(pg_engine: Engine) -> SqlOrderSource:
    reset_database(pg_engine, NOW)
    return SqlOrderSource(pg_engine)


def test_postgres_reads_the_same_orders_as_sqlite(pg_source: SqlOrderSource, tmp_path: Path) -> None:
    sqlite_source = SqlOrderSource(seeded_engine(tmp_path / "shop.db"))
    for number in ("10001", "10002", "10007", "10010", "10012"):
        assert pg_source.get_order(number) == sqlite_source.get_order(number)
    for customer in (1, 2, 5):
        assert pg_source.customer_orders(customer) == sqlite_source.customer_orders(customer)
    assert pg_source.returns_for_order("10007") == sqlite_source.returns_for_order("10007")
    assert pg_source.get_promo("FREESHIP") == sqlite_source.get_promo("FREESHIP")


def test_postgres_mutations_and_refusals(pg_source: SqlOrderSource, pg_engine: Engine) -> None:
    assert pg_source.cancel_order("10001", NOW).status == "cancelled"
    created = pg_source.start_return("10012", NOW, reason="too big", skus=["HD-100"])
    assert (created.number, created.refund_amount) == ("R-20003", Decimal("49.90"))
    before = snapshot(pg_engine)
    with pytest.raises(RequestRefused):
        pg_source.cancel_order("10002", NOW)
    assert snapshot(pg_engine) == before
