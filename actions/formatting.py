"""How order facts read in the bot's answers: dates, money, item lists, statuses."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from knowledge_base.shop.views import OrderView, ProductView, ReturnView, ShipmentView

MAX_ITEMS_LISTED = 4


def day(moment: date | datetime | None) -> str:
    if moment is None:
        return "an unknown date"
    return f"{moment.day} {moment:%b %Y}"


def money(amount: Decimal, currency: str) -> str:
    return f"{amount:.2f} {currency}"


def items_summary(order: OrderView) -> str:
    names = [_item_name(item.quantity, item.name, item.size, item.colour) for item in order.items]
    if len(names) > MAX_ITEMS_LISTED:
        hidden = len(names) - MAX_ITEMS_LISTED
        names = [*names[:MAX_ITEMS_LISTED], f"{hidden} more"]
    return ", ".join(names) or "no items"


def _item_name(quantity: int, name: str, size: str | None, colour: str | None) -> str:
    variant = ", ".join(part for part in (colour, f"size {size}" if size else None) if part)
    label = f"{name} ({variant})" if variant else name
    return f"{quantity} x {label}" if quantity > 1 else label


def status_text(order: OrderView) -> str:
    shipment = order.shipment
    if order.status == "pending":
        return "waiting for your payment; we start packing as soon as it arrives"
    if order.status == "paid":
        return f"paid on {day(order.paid_at)} and waiting to be packed; it usually leaves our warehouse within 1 working day"
    if order.status == "packed":
        return "packed and waiting for the carrier to collect it"
    if order.status == "shipped" and shipment is not None:
        return f"shipped on {day(shipment.shipped_at)} with {shipment.carrier}, {eta_text(shipment)}"
    if order.status == "delivered":
        return f"delivered on {day(order.delivered_at)}"
    if order.status == "cancelled":
        return f"cancelled on {day(order.cancelled_at)}"
    if order.status == "returned":
        return "returned to us"
    return order.status


def eta_text(shipment: ShipmentView) -> str:
    if shipment.status == "delivered":
        return f"delivered on {day(shipment.delivered_at)}"
    if shipment.estimated_delivery is None:
        return "no delivery estimate yet"
    return f"expected on {day(shipment.estimated_delivery)}"


def events_text(shipment: ShipmentView, count: int = 3) -> str:
    lines = [f"- {day(event.at)} {event.at:%H:%M}, {event.location}: {event.description}"
             for event in shipment.latest_events(count)]
    return "\n".join(lines) or "- no scans yet"


def refund_text(returns: list[ReturnView]) -> str:
    if not returns:
        return "there's no return or refund on this order yet. If you'd like to send something back, just say \"return\"."
    return " ".join(_one_refund(item) for item in returns)


def _one_refund(item: ReturnView) -> str:
    amount = money(item.refund_amount, item.currency)
    if item.status == "rejected":
        return f"Return {item.number} was not accepted, so no refund is due for it."
    if item.refund_status == "issued":
        return (f"Return {item.number}: {amount} was refunded to your {item.refund_method} on "
                f"{day(item.refunded_at)}. Depending on your bank it shows within 3-5 working days.")
    if item.status == "received":
        return (f"Return {item.number} reached us and the refund of {amount} to your {item.refund_method} "
                "is being processed; it's issued within 5 working days of arrival.")
    return (f"Return {item.number} is registered but hasn't reached our warehouse yet; the refund of "
            f"{amount} follows within 5 working days of its arrival.")


def describe_product(product: ProductView) -> str:
    if not product.in_stock:
        stock = "out of stock at the moment"
    elif product.low_stock:
        stock = f"only {product.stock} left"
    else:
        stock = "in stock"
    variants = "; ".join(f"{name}: {', '.join(values)}" for name, values in product.attributes if values)
    details = f" ({variants})" if variants else ""
    return f"- {product.name}: {money(product.price, product.currency)}, {stock}{details}. {product.url}"
