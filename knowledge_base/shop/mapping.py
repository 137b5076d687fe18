"""ORM rows, or Core rows of the same tables -> frozen views, so nothing outside the SQL source ever
holds an ORM object or a row."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import Row

from knowledge_base.shop import models
from knowledge_base.shop.views import (
    Address,
    CustomerView,
    InvoiceView,
    OrderItemView,
    OrderStatus,
    OrderView,
    ProductView,
    PromoKind,
    PromoView,
    RefundStatus,
    ReturnItemView,
    ReturnStatus,
    ReturnView,
    ShipmentStatus,
    ShipmentView,
    Tier,
    TrackingEventView,
)


def money(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)


def cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def customer_view(row: models.Customer | Row[Any]) -> CustomerView:
    return CustomerView(row.id, row.name, row.email, row.phone, cast(Tier, row.tier))


def product_view(row: models.Product | Row[Any], currency: str, shop_url: str) -> ProductView:
    attributes = tuple((name, tuple(values)) for name, values in sorted(row.attributes.items()))
    return ProductView(
        sku=row.sku,
        name=row.name,
        description=row.description,
        category=row.category,
        price=money(row.price_cents),
        currency=currency,
        stock=row.stock,
        attributes=attributes,
        url=f"{shop_url}/products/{row.sku}",
    )


def order_view(row: models.Order) -> OrderView:
    items = tuple(_item_view(item) for item in row.items)
    shipment = shipment_view(row.shipment) if row.shipment else None
    return order_of_columns(row, customer_view(row.customer), items, shipment, _returned_skus(row))


def order_of_columns(
    row: Any,
    customer: CustomerView,
    items: tuple[OrderItemView, ...],
    shipment: ShipmentView | None,
    returned_skus: tuple[str, ...],
) -> OrderView:
    """An order's view from anything with the shop_orders columns as attributes: an ORM row, or a
    Core row of that table (order_rows.py)."""
    return OrderView(
        number=row.number,
        customer=customer,
        status=cast(OrderStatus, row.status),
        placed_at=row.placed_at,
        paid_at=row.paid_at,
        cancelled_at=row.cancelled_at,
        recipient=row.recipient,
        shipping_address=Address(row.ship_street, row.ship_postcode, row.ship_city, row.ship_country),
        total=money(row.total_cents),
        currency=row.currency,
        items=items,
        shipment=shipment,
        returned_skus=returned_skus,
    )


def _item_view(row: models.OrderItem) -> OrderItemView:
    return OrderItemView(
        sku=row.sku,
        name=row.product.name,
        quantity=row.quantity,
        unit_price=money(row.unit_price_cents),
        size=row.size,
        colour=row.colour,
    )


def _returned_skus(row: models.Order) -> tuple[str, ...]:
    skus = {
        item.order_item.sku
        for ret in row.returns
        if ret.status != "rejected"
        for item in ret.items
    }
    return tuple(sorted(skus))


def shipment_view(row: models.Shipment) -> ShipmentView:
    events = tuple(TrackingEventView(e.at, e.location, e.description) for e in row.events)
    return shipment_of_columns(row, row.status, events)


def shipment_of_columns(row: Any, status: str, events: tuple[TrackingEventView, ...]) -> ShipmentView:
    """A shipment's view from anything with the shop_shipments columns as attributes, its status
    given apart (a Core row joined to its order labels it, order_rows.py)."""
    return ShipmentView(
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        tracking_url=row.tracking_url,
        status=cast(ShipmentStatus, status),
        shipped_at=row.shipped_at,
        estimated_delivery=row.estimated_delivery,
        delivered_at=row.delivered_at,
        events=events,
    )


def return_view(row: models.Return) -> ReturnView:
    items = tuple(
        ReturnItemView(item.order_item.sku, item.order_item.product.name, item.quantity)
        for item in row.items
    )
    return ReturnView(
        number=row.number,
        order_number=row.order_number,
        items=items,
        reason=row.reason,
        status=cast(ReturnStatus, row.status),
        created_at=row.created_at,
        refund_amount=money(row.refund_amount_cents),
        currency=row.order.currency,
        refund_status=cast(RefundStatus, row.refund_status),
        refunded_at=row.refunded_at,
        refund_method=row.refund_method,
    )


def promo_view(row: models.PromoCode | Row[Any], currency: str) -> PromoView:
    if row.kind == "percent":
        value = Decimal(row.percent_off or 0)
    else:
        value = money(row.amount_off_cents or 0)
    min_spend = money(row.min_spend_cents) if row.min_spend_cents is not None else None
    tiers = tuple(cast(Tier, tier) for tier in row.eligible_tiers.split(",") if tier)
    return PromoView(
        code=row.code,
        kind=cast(PromoKind, row.kind),
        value=value,
        currency=currency,
        min_spend=min_spend,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        active=row.active,
        once_per_customer=row.once_per_customer,
        eligible_tiers=tiers,
    )


def invoice_view(row: models.Invoice, url: str, url_expires: datetime | None = None) -> InvoiceView:
    return InvoiceView(
        number=row.number,
        order_number=row.order_number,
        issued_at=row.issued_at,
        amount=money(row.amount_cents),
        currency=row.currency,
        url=url,
        url_expires=url_expires,
    )
