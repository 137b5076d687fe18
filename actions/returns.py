"""Returns, refunds and invoices of an order."""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.formatting import day, money, refund_text
from actions.order_task import OrderTaskAction, text_of_latest, utter
from actions.refusals import order_refusal
from actions.services import Services
from knowledge_base.shop.rules import RequestRefused
from knowledge_base.shop.views import OrderView


class ActionStartReturn(OrderTaskAction):
    def name(self) -> str:
        return "action_start_return"

    def answer(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> list[EventType]:
        reason = text_of_latest(tracker, "return_item")
        try:
            created = shop.orders.start_return(order.number, shop.clock(), reason=reason)
        except RequestRefused as refused:
            why = order_refusal("return", refused.decision, order, shop.shop.return_window_days)
            return utter(dispatcher, "utter_return_refused", order, why=why)
        carrier = order.shipment.carrier if order.shipment else "DHL"
        return utter(dispatcher, "utter_return_started", order, return_number=created.number, carrier=carrier)


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
