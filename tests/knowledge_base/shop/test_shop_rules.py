"""Every branch of the business rules, on hand-built views (no database, no Rasa)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from knowledge_base.shop.rules import (
    Decision,
    RequestRefused,
    address_change_decision,
    cancellation_decision,
    delivery_problem,
    promo_decision,
    promo_discount,
    return_decision,
)
from knowledge_base.shop.views import (
    Address,
    CustomerView,
    OrderItemView,
    OrderView,
    PromoView,
    ShipmentView,
    TrackingEventView,
)

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
CUSTOMER = CustomerView(1, "Anna Schmidt", "anna.schmidt@example.com", "+49 151 23456789", "regular")
ITEMS = (
    OrderItemView("HD-100", "Classic Cotton Hoodie", 1, Decimal("49.90"), "M", "Black"),
    OrderItemView("SC-500", "Merino Wool Scarf", 1, Decimal("29.90"), None, "Grey"),
)


def shipment(status: str = "in_transit", eta: date | None = None, delivered_at: datetime | None = None) -> ShipmentView:
    event = TrackingEventView(NOW - 2 * DAY, "Leipzig, DE", "Parcel handed over to DHL")
    return ShipmentView("DHL", "JJD1", "https://dhl.example/JJD1", status, NOW - 2 * DAY,  # type: ignore[arg-type]
                        eta, delivered_at, (event,))


def order(status: str, delivered_days_ago: int | None = None, returned_skus: tuple[str, ...] = ()) -> OrderView:
    delivered_at = NOW - delivered_days_ago * DAY if delivered_days_ago is not None else None
    return OrderView(
        number="10012", customer=CUSTOMER, status=status,  # type: ignore[arg-type]
        placed_at=NOW - 40 * DAY, paid_at=NOW - 40 * DAY, cancelled_at=None, recipient="Anna Schmidt",
        shipping_address=Address("Hauptstr. 5", "10115", "Berlin", "Germany"), total=Decimal("79.80"),
        currency="EUR", items=ITEMS,
        shipment=shipment("delivered", delivered_at=delivered_at) if delivered_at else None,
        returned_skus=returned_skus,
    )


def promo(**changes: object) -> PromoView:
    base = PromoView("WELCOME10", "percent", Decimal(10), "EUR", None, NOW - 10 * DAY, NOW + 10 * DAY,
                     True, True, ())
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", ["pending", "paid", "packed"])
def test_cancel_and_address_change_allowed_before_shipping(status: str) -> None:
    assert cancellation_decision(order(status)) == Decision(True, "ok", {"status": status})
    assert address_change_decision(order(status)).allowed


@pytest.mark.parametrize(
    ("status", "reason"),
    [("shipped", "already_shipped"), ("delivered", "delivered"), ("cancelled", "already_cancelled"),
     ("returned", "returned")],
)
def test_cancel_and_address_change_refused_from_shipping_on(status: str, reason: str) -> None:
    for decision in (cancellation_decision(order(status)), address_change_decision(order(status))):
        assert not decision.allowed
        assert decision.reason == reason


def test_return_allowed_inside_the_window() -> None:
    decision = return_decision(order("delivered", delivered_days_ago=5), NOW, 30)
    assert decision.allowed
    assert decision.details == {"days_since_delivery": 5, "days_left": 25, "returnable_skus": ("HD-100", "SC-500")}


def test_return_window_counts_calendar_days_and_includes_the_last_day() -> None:
    assert return_decision(order("delivered", delivered_days_ago=30), NOW, 30).allowed
    closed = return_decision(order("delivered", delivered_days_ago=31), NOW, 30)
    assert closed == Decision(False, "window_closed", {"days_since_delivery": 31, "window_days": 30})


def test_return_window_is_configurable() -> None:
    assert not return_decision(order("delivered", delivered_days_ago=15), NOW, 14).allowed


@pytest.mark.parametrize("status", ["pending", "paid", "packed", "shipped"])
def test_return_refused_before_delivery(status: str) -> None:
    assert return_decision(order(status), NOW, 30).reason == "not_delivered_yet"


def test_return_refused_for_cancelled_and_returned_orders() -> None:
    assert return_decision(order("cancelled"), NOW, 30).reason == "cancelled"
    assert return_decision(order("returned", delivered_days_ago=3), NOW, 30).reason == "already_returned"


def test_return_offers_only_items_not_returned_yet() -> None:
    partly = return_decision(order("delivered", 3, returned_skus=("HD-100",)), NOW, 30)
    assert partly.details["returnable_skus"] == ("SC-500",)
    fully = return_decision(order("delivered", 3, returned_skus=("HD-100", "SC-500")), NOW, 30)
    assert fully.reason == "already_returned"


def test_naive_now_is_read_as_utc() -> None:
    assert return_decision(order("delivered", 30), NOW.replace(tzinfo=None), 30).allowed


def test_promo_unknown_inactive_not_started_expired() -> None:
    assert promo_decision(None, NOW).reason == "unknown"
    assert promo_decision(promo(active=False), NOW).reason == "inactive"
    assert promo_decision(promo(valid_from=NOW + DAY), NOW) == Decision(False, "not_started", {"valid_from": NOW + DAY})
    assert promo_decision(promo(valid_until=NOW - DAY), NOW) == Decision(False, "expired", {"valid_until": NOW - DAY})


def test_promo_valid_without_dates_or_basket() -> None:
    decision = promo_decision(promo(valid_from=None, valid_until=None), NOW)
    assert decision == Decision(True, "ok", {"min_spend": None, "valid_until": None})


def test_promo_min_spend() -> None:
    freeship = promo(kind="fixed", value=Decimal("4.95"), min_spend=Decimal("50.00"))
    short = promo_decision(freeship, NOW, basket_total=Decimal("42.00"))
    assert short == Decision(False, "min_spend_not_met", {"min_spend": Decimal("50.00"), "missing": Decimal("8.00")})
    enough = promo_decision(freeship, NOW, basket_total=Decimal("50.00"))
    assert enough.allowed and enough.details["discount"] == Decimal("4.95")
    assert promo_decision(freeship, NOW).allowed  # no basket yet: the code itself is valid


def test_promo_restricted_to_a_tier() -> None:
    vip20 = promo(code="VIP20", value=Decimal(20), eligible_tiers=("vip",))
    assert promo_decision(vip20, NOW, tier="vip").allowed
    assert promo_decision(vip20, NOW, tier="regular").reason == "tier_not_eligible"
    assert promo_decision(vip20, NOW).details == {"eligible_tiers": ("vip",)}


def test_promo_discount_rounds_and_never_exceeds_the_basket() -> None:
    assert promo_discount(promo(), Decimal("49.95")) == Decimal("5.00")
    assert promo_discount(promo(kind="fixed", value=Decimal("4.95")), Decimal("3.00")) == Decimal("3.00")


def test_delivery_problem_exception_overdue_or_none() -> None:
    assert delivery_problem(None, NOW) is None
    assert delivery_problem(shipment("exception", eta=NOW.date() + DAY), NOW) == "exception"
    assert delivery_problem(shipment(eta=(NOW - DAY).date()), NOW) == "overdue"
    assert delivery_problem(shipment(eta=NOW.date()), NOW) is None
    assert delivery_problem(shipment(eta=None), NOW) is None
    assert delivery_problem(shipment("delivered", eta=(NOW - 5 * DAY).date(), delivered_at=NOW), NOW) is None


def test_request_refused_carries_its_decision() -> None:
    decision = Decision(False, "already_shipped")
    error = RequestRefused(decision)
    assert error.decision is decision and error.reason == "already_shipped"


def test_shipment_latest_events_newest_first() -> None:
    events = tuple(TrackingEventView(NOW - n * DAY, "X", f"event {n}") for n in (3, 2, 1))
    view = replace(shipment(), events=events)
    assert [e.description for e in view.latest_events(2)] == ["event 1", "event 2"]
    assert view.latest_event == events[-1]
    assert view.latest_events(0) == ()
