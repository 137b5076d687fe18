"""An order read as plain rows into its OrderView: what the bot reads once or twice per shopper turn.

The ORM read (one joined statement of items x tracking events x returned items, then an object
per row and the identity map) was ~500 us an order and 46% of the action server's CPU at 20
shoppers at once. These are small Core statements on the tables, run on the driver's cursor
(prepared.py: SQLAlchemy's execution was ~75% of the read), each row mapped straight into
the view: the same OrderView as mapping.order_view of the ORM's rows
(tests/knowledge_base/shop/test_sql_order_source.py compares them for every demo order). Every
call reads the database, so an order's status is as fresh as before.

The statements are separate reads, not one snapshot (SQLite's driver opens no transaction for a
SELECT). No writer can be seen half done across them: each of the shop's changes writes rows that
one statement reads (a cancellation or an address the order's row, a return its return rows);
only the seed writes shipments and tracking events.
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Connection, bindparam, select

from knowledge_base.shop import models
from knowledge_base.shop.mapping import money, order_of_columns, shipment_of_columns
from knowledge_base.shop.prepared import PreparedRead
from knowledge_base.shop.views import (
    CustomerView,
    OrderItemView,
    OrderView,
    ShipmentView,
    Tier,
    TrackingEventView,
)

_orders, _customers = models.Order.__table__, models.Customer.__table__
_items, _products = models.OrderItem.__table__, models.Product.__table__
_shipments, _events = models.Shipment.__table__, models.TrackingEvent.__table__
_returns, _return_items = models.Return.__table__, models.ReturnItem.__table__

_ORDER = PreparedRead(
    select(_orders, _customers.c.name, _customers.c.email, _customers.c.phone, _customers.c.tier,
           _shipments.c.id.label("shipment_id"), _shipments.c.carrier, _shipments.c.tracking_number,
           _shipments.c.tracking_url, _shipments.c.status.label("shipment_status"), _shipments.c.shipped_at,
           _shipments.c.estimated_delivery, _shipments.c.delivered_at)
    .join(_customers, _customers.c.id == _orders.c.customer_id)
    .outerjoin(_shipments, _shipments.c.order_number == _orders.c.number)
    .where(_orders.c.number == bindparam("number"))
)
_ITEMS = PreparedRead(
    select(_items.c.sku, _products.c.name, _items.c.quantity, _items.c.unit_price_cents, _items.c.size,
           _items.c.colour)
    .join(_products, _products.c.sku == _items.c.sku)
    .where(_items.c.order_number == bindparam("number"))
    .order_by(_items.c.id)
)
_EVENTS = PreparedRead(
    select(_events.c.at, _events.c.location, _events.c.description)
    .where(_events.c.shipment_id == bindparam("shipment_id"))
    .order_by(_events.c.at)
)
_RETURNED_SKUS = PreparedRead(
    select(_items.c.sku).distinct()
    .select_from(_returns)
    .join(_return_items, _return_items.c.return_number == _returns.c.number)
    .join(_items, _items.c.id == _return_items.c.order_item_id)
    .where(_returns.c.order_number == bindparam("number"), _returns.c.status != "rejected")
)


def read_order(connection: Connection, number: str) -> OrderView | None:
    found = _ORDER.rows(connection, {"number": number})
    if not found:
        return None
    order = found[0]
    customer = CustomerView(order.customer_id, order.name, order.email, order.phone, cast(Tier, order.tier))
    items = tuple(OrderItemView(sku, name, quantity, money(price), size, colour)
                  for sku, name, quantity, price, size, colour in _ITEMS.rows(connection, {"number": number}))
    shipment = _shipment(connection, order) if order.shipment_id is not None else None
    returned = [sku for (sku,) in _RETURNED_SKUS.rows(connection, {"number": number})]
    return order_of_columns(order, customer, items, shipment, tuple(sorted(returned)))


def _shipment(connection: Connection, order: Any) -> ShipmentView:
    events = _EVENTS.rows(connection, {"shipment_id": order.shipment_id})
    return shipment_of_columns(order, order.shipment_status, tuple(TrackingEventView(*event) for event in events))
