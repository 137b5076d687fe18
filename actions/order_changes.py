"""Cancelling an order and changing its delivery address: only before it ships, and only after
the shopper confirmed (cancel) or gave a valid address."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import services
from actions.formatting import items_summary, money
from actions.order_task import OrderTaskAction, utter, verified_order
from actions.refusals import address_problem, order_refusal
from actions.services import Services
from knowledge_base.shop.rules import (
    AddressError,
    RequestRefused,
    address_change_decision,
    cancellation_decision,
    parse_address,
)
from knowledge_base.shop.views import OrderView

_DECISIONS = {"cancel": cancellation_decision, "change_address": address_change_decision}
_REFUSED = {"cancel": "utter_cancel_refused", "change_address": "utter_address_change_refused"}


class ActionCheckTaskAllowed(Action):
    """Sets task_allowed; the rules then confirm the cancellation or ask for the new address."""

    def name(self) -> str:
        return "action_check_task_allowed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        shop = services.current()
        order = verified_order(tracker, shop)
        task = tracker.get_slot("order_task")
        if order is None or task not in _DECISIONS:
            return [SlotSet("task_allowed", False), SlotSet("contact_attempts", 0)]
        decision = _DECISIONS[task](order)
        if not decision.allowed:
            why = order_refusal(task, decision, order, shop.shop.return_window_days)
            utter(dispatcher, _REFUSED[task], order, why=why)
            return [SlotSet("task_allowed", False)]
        return [SlotSet("task_allowed", True), SlotSet("confirm_cancel", None), SlotSet("new_address", None)]


class ActionAskConfirmCancel(OrderTaskAction):
    empathetic = False  # a question, not an answer: the empathy comes with the outcome

    def name(self) -> str:
        return "action_ask_confirm_cancel"

    def answer(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> list[EventType]:
        return utter(dispatcher, "utter_confirm_cancel", order, items=items_summary(order),
                     total=money(order.total, order.currency))


class ActionCancelOrder(OrderTaskAction):
    def name(self) -> str:
        return "action_cancel_order"

    def answer(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> list[EventType]:
        reset = [SlotSet("confirm_cancel", None), SlotSet("task_allowed", None)]
        if tracker.get_slot("confirm_cancel") is not True:
            return utter(dispatcher, "utter_cancel_kept", order) + reset
        try:
            cancelled = shop.orders.cancel_order(order.number, shop.clock())
        except RequestRefused as refused:
            why = order_refusal("cancel", refused.decision, order, shop.shop.return_window_days)
            return utter(dispatcher, "utter_cancel_refused", order, why=why) + reset
        return utter(dispatcher, "utter_order_cancelled", cancelled, refund_text=_refund_note(order)) + reset


def _refund_note(order: OrderView) -> str:
    if order.paid_at is None:
        return "No payment had been taken, so there's nothing to refund."
    return (f"Your payment of {money(order.total, order.currency)} goes back to your original "
            "payment method within 5 working days.")


class ValidateAddressForm(FormValidationAction):
    def name(self) -> str:
        return "validate_address_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        if tracker.get_intent_of_latest_message() == "deny":
            return []
        return domain_slots

    def validate_new_address(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        if tracker.get_intent_of_latest_message() == "deny" or not value:
            return {"new_address": None}
        order = verified_order(tracker, services.current())
        country = order.shipping_address.country if order else None
        parsed = parse_address(str(value or ""), default_country=country)
        if isinstance(parsed, AddressError):
            dispatcher.utter_message(response="utter_address_invalid", why=address_problem(parsed.reason))
            return {"new_address": None}
        return {"new_address": parsed.one_line()}


class ActionChangeAddress(OrderTaskAction):
    def name(self) -> str:
        return "action_change_address"

    def answer(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> list[EventType]:
        reset = [SlotSet("new_address", None), SlotSet("task_allowed", None)]
        parsed = parse_address(tracker.get_slot("new_address") or "", default_country=order.shipping_address.country)
        if isinstance(parsed, AddressError):
            return utter(dispatcher, "utter_address_kept", order) + reset
        try:
            changed = shop.orders.change_address(order.number, parsed)
        except RequestRefused as refused:
            why = order_refusal("change_address", refused.decision, order, shop.shop.return_window_days)
            return utter(dispatcher, "utter_address_change_refused", order, why=why) + reset
        return utter(dispatcher, "utter_address_changed", changed,
                     address=changed.shipping_address.one_line()) + reset
