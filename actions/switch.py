"""Changing course in the middle of an order task ("no wait, don't cancel it, change the address
instead"). The dialogue policy decides that the shopper switched and to which task (it set
`order_task`); this action ends the old task cleanly, says that nothing changed, and clears what
the old form collected, so that the order form starts the new task with the same order."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from knowledge_base.shop.rules import parse_order_number

_DROPPED = {"cancel_form": "utter_task_dropped_cancel", "address_form": "utter_task_dropped_address"}


class ActionSwitchTask(Action):
    def name(self) -> str:
        return "action_switch_task"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        loop = (tracker.active_loop or {}).get("name")
        order_id = tracker.get_slot("order_id")
        if loop in _DROPPED and order_id:
            dispatcher.utter_message(response=_DROPPED[loop], order_id=order_id)
        events: list[EventType] = [
            ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("confirm_cancel", None),
            SlotSet("new_address", None), SlotSet("task_allowed", None),
        ]
        named = next((parse_order_number(str(e.get("value"))) for e in tracker.latest_message.get("entities") or []
                      if e.get("entity") == "order_id"), None)
        if named and named != order_id:
            events.append(SlotSet("order_id", named))
        if not tracker.get_slot("verified_order_id"):
            # What the old question took as a contact was this message, no contact at all.
            events.append(SlotSet("order_contact", None))
        return events
