"""The demo shop's tables (SQLAlchemy 2 ORM). Only sql_source and seed use these.

Money is stored in cents (exact on every database); times are stored as naive UTC and read
back as timezone-aware UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in and out, whatever the database keeps."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass timezone-aware UTC times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "shop_customers"
    __table_args__ = (CheckConstraint("tier IN ('vip', 'regular', 'new')", name="customer_tier"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)  # stored lowercase
    phone: Mapped[str | None] = mapped_column(String(40))
    phone_digits: Mapped[str | None] = mapped_column(String(40), index=True)
    tier: Mapped[str] = mapped_column(String(10))
    orders: Mapped[list[Order]] = relationship(back_populates="customer", order_by="Order.placed_at")


class Product(Base):
    __tablename__ = "shop_products"

    sku: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(60))
    price_cents: Mapped[int] = mapped_column(Integer)
    stock: Mapped[int] = mapped_column(Integer)
    attributes: Mapped[dict[str, list[str]]] = mapped_column(JSON, default=dict)


class Order(Base):
    __tablename__ = "shop_orders"

    number: Mapped[str] = mapped_column(String(5), primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("shop_customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recipient: Mapped[str] = mapped_column(String(120))
    ship_street: Mapped[str] = mapped_column(String(200))
    ship_postcode: Mapped[str] = mapped_column(String(20))
    ship_city: Mapped[str] = mapped_column(String(100))
    ship_country: Mapped[str] = mapped_column(String(60))
    total_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))

    customer: Mapped[Customer] = relationship(back_populates="orders")
    items: Mapped[list[OrderItem]] = relationship(order_by="OrderItem.id", cascade="all, delete-orphan")
    shipment: Mapped[Shipment | None] = relationship(cascade="all, delete-orphan")
    returns: Mapped[list[Return]] = relationship(order_by="Return.number", back_populates="order")
    invoice: Mapped[Invoice | None] = relationship()


class OrderItem(Base):
    __tablename__ = "shop_order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("shop_orders.number"), index=True)
    sku: Mapped[str] = mapped_column(ForeignKey("shop_products.sku"))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    size: Mapped[str | None] = mapped_column(String(20))
    colour: Mapped[str | None] = mapped_column(String(30))
    product: Mapped[Product] = relationship()


class Shipment(Base):
    __tablename__ = "shop_shipments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("shop_orders.number"), unique=True)
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(60))
    tracking_url: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20))
    shipped_at: Mapped[datetime] = mapped_column(UTCDateTime)
    estimated_delivery: Mapped[date | None] = mapped_column(Date)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    events: Mapped[list[TrackingEvent]] = relationship(
        order_by="TrackingEvent.at", cascade="all, delete-orphan"
    )


class TrackingEvent(Base):
    __tablename__ = "shop_tracking_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shop_shipments.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    location: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(300))


class Return(Base):
    __tablename__ = "shop_returns"

    number: Mapped[str] = mapped_column(String(12), primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("shop_orders.number"), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    refund_amount_cents: Mapped[int] = mapped_column(Integer)
    refund_status: Mapped[str] = mapped_column(String(10))
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_method: Mapped[str] = mapped_column(String(40))

    order: Mapped[Order] = relationship(back_populates="returns")
    items: Mapped[list[ReturnItem]] = relationship(order_by="ReturnItem.id", cascade="all, delete-orphan")


class ReturnItem(Base):
    __tablename__ = "shop_return_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    return_number: Mapped[str] = mapped_column(ForeignKey("shop_returns.number"), index=True)
    order_item_id: Mapped[int] = mapped_column(ForeignKey("shop_order_items.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    order_item: Mapped[OrderItem] = relationship()


class PromoCode(Base):
    __tablename__ = "shop_promo_codes"
    __table_args__ = (
        CheckConstraint(
            "(kind = 'percent' AND percent_off IS NOT NULL) OR "
            "(kind = 'fixed' AND amount_off_cents IS NOT NULL)",
            name="promo_value",
        ),
    )

    code: Mapped[str] = mapped_column(String(40), primary_key=True)  # stored uppercase
    kind: Mapped[str] = mapped_column(String(10))
    percent_off: Mapped[int | None] = mapped_column(Integer)
    amount_off_cents: Mapped[int | None] = mapped_column(Integer)
    min_spend_cents: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    once_per_customer: Mapped[bool] = mapped_column(default=False)
    eligible_tiers: Mapped[str] = mapped_column(String(40), default="")  # comma-separated


class Invoice(Base):
    __tablename__ = "shop_invoices"

    number: Mapped[str] = mapped_column(String(30), primary_key=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("shop_orders.number"), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
