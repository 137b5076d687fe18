"""A PreparedRead's rows are the Core rows of its statement: the same values, of the same types,
by position and by attribute."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, bindparam, select

from knowledge_base.shop import models, order_rows
from knowledge_base.shop.prepared import PreparedRead


def both(engine: Engine, read: PreparedRead, statement: Any, params: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    with engine.connect() as connection:
        core = list(connection.execute(statement, params).all())
        prepared = read.rows(connection, params)
    return core, prepared


def assert_same(core: list[Any], prepared: list[Any]) -> None:
    assert [tuple(row) for row in prepared] == [tuple(row) for row in core]
    assert [[type(value) for value in row] for row in prepared] == [[type(value) for value in row] for row in core]
    for row, core_row in zip(prepared, core):
        assert row._asdict() == dict(core_row._mapping)


def test_the_order_reads_give_the_core_rows_of_every_order(shop_engine: Engine) -> None:
    with shop_engine.connect() as connection:
        numbers = [None, *connection.execute(select(models.Order.number)).scalars()]
        shipments = connection.execute(select(models.Shipment.id)).scalars().all()
    assert len(numbers) > 10 and shipments
    for name in ("_ORDER", "_ITEMS", "_RETURNED_SKUS"):
        read = getattr(order_rows, name)
        for number in numbers:
            assert_same(*both(shop_engine, read, read._statement, {"number": number or "99999"}))
    for shipment in [*shipments, -1]:
        core, prepared = both(shop_engine, order_rows._EVENTS, order_rows._EVENTS._statement, {"shipment_id": shipment})
        assert_same(core, prepared)
    _, with_times = both(shop_engine, order_rows._ORDER, order_rows._ORDER._statement, {"number": "10012"})
    assert with_times[0].placed_at.tzinfo is not None and with_times[0].shipped_at.tzinfo is not None


def test_json_and_datetime_columns_are_processed_as_sqlalchemy_processes_them(shop_engine: Engine) -> None:
    products, promos = models.Product.__table__, models.PromoCode.__table__
    for statement in (select(products).order_by(products.c.sku), select(promos).where(promos.c.code != bindparam("code"))):
        core, prepared = both(shop_engine, PreparedRead(statement), statement, {"code": "NONE"})
        assert core
        assert_same(core, prepared)


def test_a_parameter_needing_bind_processing_is_refused(shop_engine: Engine) -> None:
    orders = models.Order.__table__
    read = PreparedRead(select(orders.c.number).where(orders.c.placed_at > bindparam("since", type_=models.UTCDateTime)))
    with shop_engine.connect() as connection, pytest.raises(TypeError, match="since"):
        read.rows(connection, {"since": None})
