"""The order form: the order number exists and belongs to the shopper before any task runs.

A general question ("how do I return something?") also starts an order task; it gets the help
article's answer first, and the form then offers to do it for the shopper's order.
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import services
from actions.faq import utter_confident_article
from actions.order_access import MAX_CONTACT_ATTEMPTS, ChannelIdentity, is_verified
from knowledge_base.shop.rules import looks_like_order_number_attempt, parse_order_number

Slots = dict[str, Any]

# How-to and policy questions, as opposed to "where is my order" or "cancel 10042".
_GENERAL_QUESTION = re.compile(
    r"^\s*(how (do|can|does|long|much|to)|can (i|you|we)|could (i|you)|is it possible|do (you|i)|"
    r"what('s| is| are)? (the|your)|are (returns|refunds)|when (do|does) (a|the|refunds?|returns?))\b"
    r"|\bpolicy\b|\bhow long\b", re.IGNORECASE)


def is_general_question(text: str) -> bool:
    return bool(_GENERAL_QUESTION.search(text or "")) and parse_order_number(text or "") is None


class ActionAskOrderId(Action):
    """Asks for the order number; answers a general question from the help articles first."""

    def name(self) -> str:
        return "action_ask_order_id"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        text = tracker.latest_message.get("text") or ""
        if is_general_question(text):
            faq = services.current().faq
            if utter_confident_article(faq, dispatcher, text, tracker.get_intent_of_latest_message()).confident:
                dispatcher.utter_message(response="utter_ask_order_id_after_answer")
                return []
        dispatcher.utter_message(response="utter_ask_order_id")
        return []


class ValidateOrderForm(FormValidationAction):
    def name(self) -> str:
        return "validate_order_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        order_id = tracker.get_slot("order_id")
        if order_id and tracker.get_slot("verified_order_id") == order_id:
            return ["order_id"]
        if (tracker.get_slot("contact_attempts") or 0) >= MAX_CONTACT_ATTEMPTS:
            return []
        return domain_slots

    def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Slots:
        given = str(value or "")[:40]
        number = parse_order_number(given)
        if number is None:
            if looks_like_order_number_attempt(given):
                dispatcher.utter_message(response="utter_order_number_malformed", given=given)
            return {"order_id": None}
        order = services.current().orders.get_order(number)
        if order is None:
            dispatcher.utter_message(response="utter_order_not_found", order_id=number)
            return {"order_id": None}
        slots: Slots = {"order_id": number, "contact_attempts": 0}
        contact = tracker.get_slot("order_contact")
        identity = ChannelIdentity.from_metadata(tracker.latest_message.get("metadata"))
        if is_verified(order, contact, identity):
            slots.update(verified_order_id=number, customer_tier=order.customer.tier)
        elif "order_contact" not in tracker.slots_to_validate():
            # A contact given for an earlier order proves nothing about this one: ask again.
            slots["order_contact"] = None
        return slots

    def validate_order_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Slots:
        order_id = tracker.get_slot("order_id")
        if not order_id:
            return {"order_contact": value}
        order = services.current().orders.get_order(order_id)
        if order is not None and is_verified(order, str(value), ChannelIdentity()):
            return {"order_contact": value, "verified_order_id": order_id, "contact_attempts": 0,
                    "customer_tier": order.customer.tier}
        attempts = (tracker.get_slot("contact_attempts") or 0) + 1
        if attempts >= MAX_CONTACT_ATTEMPTS:
            dispatcher.utter_message(response="utter_contact_gave_up")
        else:
            dispatcher.utter_message(response="utter_contact_mismatch", order_id=order_id)
        return {"order_contact": None, "contact_attempts": attempts}
