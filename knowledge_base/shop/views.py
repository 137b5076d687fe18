"""Read-only views of the shop's data: what the order source hands out.

Actions and other callers only ever see these frozen dataclasses, never ORM objects, so a
real shop platform can plug in behind the same OrderSource interface.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

Tier = Literal["vip", "regular", "new"]
OrderStatus = Literal["pending", "paid", "packed", "shipped", "delivered", "cancelled", "returned"]
ShipmentStatus = Literal["label_created", "in_transit", "out_for_delivery", "delivered", "exception"]
ReturnStatus = Literal["requested", "received", "refunded", "rejected"]
RefundStatus = Literal["pending", "issued"]
PromoKind = Literal["percent", "fixed"]

LOW_STOCK_THRESHOLD = 5


@dataclass(frozen=True)
class Address:
    street: str
    postcode: str
    city: str
    country: str | None = None

    def one_line(self) -> str:
        parts = [self.street, f"{self.postcode} {self.city}", self.country]
        return ", ".join(part for part in parts if part)


@dataclass(frozen=True)
class CustomerView:
    id: int
    name: str
    email: str
    phone: str | None
    tier: Tier

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else self.name


@dataclass(frozen=True)
class ProductView:
    sku: str
    name: str
    description: str
    category: str
    price: Decimal
    currency: str
    stock: int
    attributes: tuple[tuple[str, tuple[str, ...]], ...]
    url: str

    @property
    def in_stock(self) -> bool:
        return self.stock > 0

    @property
    def low_stock(self) -> bool:
        return 0 < self.stock <= LOW_STOCK_THRESHOLD

    def attribute(self, name: str) -> tuple[str, ...]:
        """Values of one attribute (e.g. "sizes", "colours"); empty when the product has none."""
        return dict(self.attributes).get(name, ())


@dataclass(frozen=True)
class OrderItemView:
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    size: str | None
    colour: str | None


@dataclass(frozen=True)
class TrackingEventView:
    at: datetime
    location: str
    description: str


@dataclass(frozen=True)
class ShipmentView:
    carrier: str
    tracking_number: str
    tracking_url: str
    status: ShipmentStatus
    shipped_at: datetime
    estimated_delivery: date | None
    delivered_at: datetime | None
    events: tuple[TrackingEventView, ...]  # oldest first

    @property
    def latest_event(self) -> TrackingEventView | None:
        return self.events[-1] if self.events else None

    def latest_events(self, count: int = 3) -> tuple[TrackingEventView, ...]:
        """The most recent events, newest first."""
        return tuple(reversed(self.events[-count:])) if count > 0 else ()


@dataclass(frozen=True)
class OrderView:
    number: str
    customer: CustomerView
    status: OrderStatus
    placed_at: datetime
    paid_at: datetime | None
    cancelled_at: datetime | None
    recipient: str
    shipping_address: Address
    total: Decimal
    currency: str
    items: tuple[OrderItemView, ...]
    shipment: ShipmentView | None
    returned_skus: tuple[str, ...]  # skus already covered by a return that was not rejected

    @property
    def delivered_at(self) -> datetime | None:
        return self.shipment.delivered_at if self.shipment else None


@dataclass(frozen=True)
class ReturnItemView:
    sku: str
    name: str
    quantity: int


@dataclass(frozen=True)
class ReturnView:
    number: str
    order_number: str
    items: tuple[ReturnItemView, ...]
    reason: str | None
    status: ReturnStatus
    created_at: datetime
    refund_amount: Decimal
    currency: str
    refund_status: RefundStatus
    refunded_at: datetime | None
    refund_method: str


@dataclass(frozen=True)
class PromoView:
    code: str
    kind: PromoKind
    value: Decimal  # percent for "percent", an amount in the shop currency for "fixed"
    currency: str
    min_spend: Decimal | None
    valid_from: datetime | None
    valid_until: datetime | None
    active: bool
    once_per_customer: bool
    eligible_tiers: tuple[Tier, ...]  # empty: every customer

    def describe(self) -> str:
        if self.kind == "percent":
            return f"{self.value.normalize():f}% off"
        return f"{self.value:.2f} {self.currency} off"


@dataclass(frozen=True)
class InvoiceView:
    number: str
    order_number: str
    issued_at: datetime
    amount: Decimal
    currency: str
    url: str
    # When a signed link stops working; None for a link to the shop's own site (it checks).
    url_expires: datetime | None = None
