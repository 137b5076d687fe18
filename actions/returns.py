"""Returns, refunds and invoices of an order."""

from __future__ import annotations

from datetime import timedelta

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.clarify import Choice, done, offer_options, pending
from actions.formatting import day, money, refund_text
from actions.order_task import OrderTaskAction, text_of_latest, utter
from actions.refusals import order_refusal
from actions.return_items import ALL_ITEMS, OFFER, asks_if_returnable, chosen_items, returnable_items
from actions.services import Services
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
                  days_left=f"{left} day" + ("s" if left != 1 else ""), last_day=last_day)
            return [pending(RETURN_ACTION, "offer", [(OFFER, "Start the return")])]
        if choice is not None and (choice.no or choice.none):
            return utter(dispatcher, "utter_return_not_started", order, last_day=last_day) + done()
        items = returnable_items(order, decision)
        skus = chosen_items(choice, request, items)
        if skus is None:
            return offer_options(dispatcher, RETURN_ACTION, "items", [*items, (ALL_ITEMS, "All items")],
                                 "utter_return_which_items", with_none=False, order_id=order.number)
        return self._start(order, shop, dispatcher, request, skus) + done()

    def _start(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher, reason: str,
               skus: list[str]) -> list[EventType]:
        try:
            created = shop.orders.start_return(order.number, shop.clock(), reason=reason, skus=skus)
        except RequestRefused as refused:
            why = order_refusal("return", refused.decision, order, shop.shop.return_window_days)
            return utter(dispatcher, "utter_return_refused", order, why=why)
        carrier = order.shipment.carrier if order.shipment else "DHL"
        names = ", ".join(item.name for item in created.items) if created.items else "all items"
        return utter(dispatcher, "utter_return_started", order, return_number=created.number, carrier=carrier,
                     items=names)


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
                     invoice_url=invoice.url)
