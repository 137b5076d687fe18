"""The shop's business rules as pure functions: what a shopper may do with an order, now.

No database and no Rasa: actions call these with views, tests call them directly. Refused
mutations in an order source raise RequestRefused carrying the Decision made here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal

from knowledge_base.shop.parsing import (
    AddressError,
    clean_free_text,
    contact_matches,
    gives_contact,
    looks_like_order_number_attempt,
    mask_email,
    mask_phone,
    parse_address,
    parse_order_number,
    phones_match,
)
from knowledge_base.shop.views import OrderView, PromoView, ShipmentView, Tier

__all__ = [
    "AddressError", "Decision", "OrderNotFound", "RequestRefused", "ShopError",
    "address_change_decision", "cancellation_decision", "clean_free_text", "contact_matches",
    "delivery_problem", "gives_contact", "looks_like_order_number_attempt", "mask_email", "mask_phone",
    "parse_address", "parse_order_number", "phones_match", "promo_decision", "promo_discount",
    "return_decision",
]

OK = "ok"
_BEFORE_SHIPPING = frozenset({"pending", "paid", "packed"})
_AFTER_SHIPPING_REASONS = {
    "shipped": "already_shipped",
    "delivered": "delivered",
    "cancelled": "already_cancelled",
    "returned": "returned",
}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str
    details: Mapping[str, object] = field(default_factory=dict)


class ShopError(Exception):
    """Base of the order source's domain errors."""


class OrderNotFound(ShopError):
    def __init__(self, number: str) -> None:
        super().__init__(f"no order {number!r}")
        self.number = number


class RequestRefused(ShopError):
    """A mutation the rules refuse; nothing was changed."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision

    @property
    def reason(self) -> str:
        return self.decision.reason


def cancellation_decision(order: OrderView) -> Decision:
    """An order can be cancelled only before it ships (pending, paid or packed)."""
    return _before_shipping(order)


def address_change_decision(order: OrderView) -> Decision:
    """The shipping address can change before the order ships, and while the carrier holds a
    shipped parcel after a delivery exception (it re-routes it to the corrected address)."""
    shipment = order.shipment
    if order.status == "shipped" and shipment is not None and shipment.status == "exception":
        return Decision(True, OK, {"status": order.status, "carrier_holds_parcel": True})
    return _before_shipping(order)


def _before_shipping(order: OrderView) -> Decision:
    if order.status in _BEFORE_SHIPPING:
        return Decision(True, OK, {"status": order.status})
    return Decision(False, _AFTER_SHIPPING_REASONS[order.status], {"status": order.status})


def return_decision(order: OrderView, now: datetime, window_days: int) -> Decision:
    """Delivered orders can be returned within window_days calendar days of delivery."""
    if order.status == "cancelled":
        return Decision(False, "cancelled")
    returnable = [item.sku for item in order.items if item.sku not in order.returned_skus]
    if order.status == "returned" or not returnable:
        return Decision(False, "already_returned")
    if order.status != "delivered" or order.delivered_at is None:
        return Decision(False, "not_delivered_yet", {"status": order.status})
    days = (_utc(now).date() - _utc(order.delivered_at).date()).days
    if days > window_days:
        return Decision(False, "window_closed", {"days_since_delivery": days, "window_days": window_days})
    return Decision(True, OK, {
        "days_since_delivery": days, "days_left": window_days - days, "returnable_skus": tuple(returnable),
    })


def promo_decision(
    promo: PromoView | None,
    now: datetime,
    basket_total: Decimal | None = None,
    tier: Tier | None = None,
) -> Decision:
    """Whether a promo code can be used now (by a customer of `tier`, for `basket_total`).

    A tier-restricted code is refused with "tier_not_eligible" when the tier is unknown.
    """
    if promo is None:
        return Decision(False, "unknown")
    if not promo.active:
        return Decision(False, "inactive")
    if promo.valid_from and _utc(now) < _utc(promo.valid_from):
        return Decision(False, "not_started", {"valid_from": promo.valid_from})
    if promo.valid_until and _utc(now) > _utc(promo.valid_until):
        return Decision(False, "expired", {"valid_until": promo.valid_until})
    if promo.eligible_tiers and tier not in promo.eligible_tiers:
        return Decision(False, "tier_not_eligible", {"eligible_tiers": promo.eligible_tiers})
    if basket_total is not None and promo.min_spend and basket_total < promo.min_spend:
        missing = promo.min_spend - basket_total
        return Decision(False, "min_spend_not_met", {"min_spend": promo.min_spend, "missing": missing})
    details: dict[str, object] = {"min_spend": promo.min_spend, "valid_until": promo.valid_until}
    if basket_total is not None:
        details["discount"] = promo_discount(promo, basket_total)
    return Decision(True, OK, details)


def promo_discount(promo: PromoView, basket_total: Decimal) -> Decimal:
    """The amount a code takes off a basket, never more than the basket."""
    if promo.kind == "percent":
        raw = basket_total * promo.value / 100
    else:
        raw = promo.value
    return min(raw, basket_total).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def delivery_problem(shipment: ShipmentView | None, now: datetime) -> str | None:
    """"exception" when the carrier reported one, "overdue" when past its estimated delivery."""
    if shipment is None or shipment.status == "delivered":
        return None
    if shipment.status == "exception":
        return "exception"
    if shipment.estimated_delivery and _utc(now).date() > shipment.estimated_delivery:
        return "overdue"
    return None


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are taken as UTC, so callers and stores that drop the zone compare right."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
