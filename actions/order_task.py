"""The shape every order task shares: it runs only on an order the shopper proved is theirs."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.empathy import Empathy, apologised_since, task_messages
from actions.services import Services
from knowledge_base.shop.views import OrderView


def verified_order(tracker: Tracker, shop: Services) -> OrderView | None:
    order_id = tracker.get_slot("order_id")
    if not order_id or tracker.get_slot("verified_order_id") != order_id:
        return None
    return shop.orders.get_order(order_id)


class OrderTaskAction(Action, ABC):
    """Runs `answer` with the verified order; says nothing more when the order form gave up
    (the form already told the shopper why). An annoyed shopper's answer comes with empathy."""

    empathetic = True

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        shop = services.current()
        order = verified_order(tracker, shop)
        if order is None:
            return [SlotSet("contact_attempts", 0), SlotSet("order_id", None)]
        if not self.empathetic:
            return self.answer(order, shop, dispatcher, tracker)
        with Empathy(dispatcher, task_messages(tracker), shop.annoyed_threshold, apologised_since(tracker)):
            return self.answer(order, shop, dispatcher, tracker)

    @abstractmethod
    def answer(self, order: OrderView, shop: Services, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> list[EventType]: ...


def utter(dispatcher: CollectingDispatcher, response: str, order: OrderView, **values: Any) -> list[EventType]:
    dispatcher.utter_message(response=response, order_id=order.number, **values)
    return []


def text_of_latest(tracker: Tracker, intent: str) -> str:
    """What the shopper wrote when they asked for `intent` (the order form asked for the number
    and contact details in between), e.g. the reason for a return."""
    for event in reversed(tracker.events):
        parse = event.get("parse_data") or {}
        if event.get("event") == "user" and (parse.get("intent") or {}).get("name") == intent:
            return event.get("text") or ""
    return tracker.latest_message.get("text") or ""
