"""Why the shop refuses a request, in the shopper's words, keyed by the rules' reason codes."""

from __future__ import annotations

from actions.formatting import day
from knowledge_base.shop.rules import Decision
from knowledge_base.shop.views import OrderView

_ADDRESS_PROBLEMS = {
    "empty": "it was empty",
    "too_long": "it is longer than an address can be",
    "invalid_characters": "it contains characters an address can't have",
    "missing_street_number": "the street or house number is missing",
    "missing_postcode": "the postcode is missing",
    "missing_city": "the city is missing",
    "invalid_country": "I don't recognise the country",
}


def address_problem(reason: str) -> str:
    return _ADDRESS_PROBLEMS.get(reason, "it is incomplete")


def order_refusal(task: str, decision: Decision, order: OrderView, window_days: int) -> str:
    """One sentence on why `task` (cancel, change_address, return) can't be done for `order`."""
    reason = decision.reason
    shipment = order.shipment
    if reason == "already_shipped" and task == "change_address" and shipment is not None:
        return (f"it has already shipped with {shipment.carrier}. {shipment.carrier} may let you "
                f"redirect the parcel from its tracking page: {shipment.tracking_url}")
    if reason == "already_shipped":
        return ("it has already shipped. Once it arrives you can return it free of charge within "
                f"{window_days} days.")
    if reason == "delivered":
        return f"it was delivered on {day(order.delivered_at)}. You can return it within {window_days} days instead."
    if reason in {"already_cancelled", "cancelled"}:
        return f"it was cancelled on {day(order.cancelled_at)}."
    if reason in ("returned", "already_returned"):
        return "its items have already been returned."
    if reason == "not_delivered_yet":
        return "it hasn't been delivered yet. Once it arrives you can start a return here."
    if reason == "window_closed":
        days = decision.details.get("days_since_delivery")
        return (f"it was delivered {days} days ago and our return window is {window_days} days. "
                "If the item is faulty, our 2-year warranty still covers it.")
    return f"its current state ({order.status}) doesn't allow it."
