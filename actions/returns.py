"""Returns, refunds and invoices of an order."""

from __future__ import annotations

from datetime import datetime, timedelta

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import Choice, done, offer_options, pending
from actions.formatting import day, money, refund_text
from actions.order_task import OrderTaskAction, text_of_latest, utter
from actions.refusals import order_refusal
from actions.return_items import ALL_ITEMS, OFFER, asks_if_returnable, chosen_items, returnable_items
from actions.services import Services
from knowledge_base.shop.destinations import return_label_carrier
from knowledge_base.shop.rules import RequestRefused, return_decision
from knowledge_base.shop.views import OrderView

RETURN_ACTION = "action_start_return"


class ActionStartReturn(OrderTaskAction):
    """Starts the return, or first: says how many days are left when the shopper only asked
    whether it is still possible, and asks which items when the order has several and the
    shopper did not say ("both", "the whole order", "just the scarf")."""

    def name(self) -> str:
        return RETURN_ACTION

    def answer(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> list[EventType]:
        now = shop.clock()
        window = shop.shop.return_window_days
        decision = return_decision(order, now, window)
        if not decision.allowed:
            why = order_refusal("return", decision, order, window)
            return utter(dispatcher, "utter_return_refused", order, why=why) + done()
        request = text_of_latest(tracker, "return_item")
        choice = Choice.of(tracker)
        last_day = day((order.delivered_at or now) + timedelta(days=window))
        if choice is None and asks_if_returnable(request):
            left = int(decision.details.get("days_left", 0))  # type: ignore[call-overload]
            utter(dispatcher, "utter_return_window_open", order, delivered_on=day(order.delivered_at),
                  days_left=days_text(left), last_day=last_day)
            return [pending(RETURN_ACTION, "offer", [(OFFER, "Start the return")])]
        if choice is not None and (choice.no or choice.none):
            return utter(dispatcher, "utter_return_not_started", order, last_day=last_day) + done()
        items = returnable_items(order, decision)
        skus = chosen_items(choice, request, items)
        if skus is None:
            left = int(decision.details.get("days_left", 0))  # type: ignore[call-overload]
            return offer_options(dispatcher, RETURN_ACTION, "items", [*items, (ALL_ITEMS, "All items")],
                                 "utter_return_which_items", with_none=False, order_id=order.number,
                                 days_left=days_text(left), last_day=last_day)
        return self._start(order, shop, dispatcher, request, skus) + done()

    def _start(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher, reason: str,
               skus: list[str]) -> list[EventType]:
        try:
            created = shop.orders.start_return(order.number, shop.clock(), reason=reason, skus=skus)
        except RequestRefused as refused:
            why = order_refusal("return", refused.decision, order, shop.shop.return_window_days)
            return utter(dispatcher, "utter_return_refused", order, why=why)
        names = ", ".join(item.name for item in created.items) if created.items else "all items"
        return utter(dispatcher, "utter_return_started", order, return_number=created.number, items=names,
                     how_to_send=how_to_send(order.shipping_address.country))


def days_text(days: int) -> str:
    return f"{days} day" + ("s" if days != 1 else "")


def how_to_send(country: str | None) -> str:
    """How the parcel goes back, as the returns article says for where it comes from."""
    carrier = return_label_carrier(country)
    if carrier is None:
        return (f"Returns from {country} are sent at your own cost: the email we've just sent has our returns "
                "address. Please send the parcel with a tracked service within 14 days.")
    return (f"Print the prepaid {carrier} label from the email we've just sent (or show its QR code at the post "
            f"office), pack the items, and drop the parcel at any {carrier} point within 14 days.")


class ActionCheckRefundStatus(OrderTaskAction):
    def name(self) -> str:
        return "action_check_refund_status"

    def answer(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> list[EventType]:
        if order.status == "cancelled" and order.paid_at is not None:
            text = (f"the order was cancelled on {day(order.cancelled_at)}, and its payment of "
                    f"{money(order.total, order.currency)} went back to your original payment method "
                    "within 5 working days of that.")
        else:
            text = refund_text(shop.orders.returns_for_order(order.number))
        return utter(dispatcher, "utter_refund_status", order, refund_text=text)


class ActionSendInvoice(OrderTaskAction):
    def name(self) -> str:
        return "action_send_invoice"

    def answer(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> list[EventType]:
        invoice = shop.orders.invoice_for_order(order.number)
        if invoice is None:
            why = ("it was cancelled before it was paid." if order.status == "cancelled"
                   else "we issue it as soon as the payment arrives.")
            return utter(dispatcher, "utter_no_invoice", order, why=why)
        return utter(dispatcher, "utter_invoice", order, invoice_number=invoice.number,
                     issued_on=day(invoice.issued_at), amount=money(invoice.amount, invoice.currency),
                     invoice_url=invoice.url, link_note=link_note(invoice.url_expires, shop.clock()))


def link_note(expires: datetime | None, now: datetime) -> str:
    """What the shopper needs to know about a signed link: it is theirs alone, and until when it works."""
    if expires is None:
        return "You'll need to be signed in to your account to open it."
    hours = max(1, round((expires - now).total_seconds() / 3600))
    return (f"The link is just for you and expires in {hours} hour" + ("s" if hours != 1 else "")
            + f" ({expires:%d %b %Y, %H:%M} UTC); after that, ask me again for a new one.")
