"""Handing the conversation to a person. The escalation policy (bot/escalation_policy.py)
decides when and why; this action tells the shopper and sends the hub the handoff signal."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.handoff_signal import REASON_FOR_INTENT, handoff_payload


def hand_off(dispatcher: CollectingDispatcher, tracker: Tracker, reasons: list[str]) -> list[EventType]:
    payload = handoff_payload(reasons, tracker.events, tracker.latest_message,
                              tracker.get_slot("order_id"), tracker.get_slot("handoff_context"),
                              tracker.get_slot("verified_order_id"))
    dispatcher.utter_message(response="utter_handoff")
    dispatcher.utter_message(json_message=payload)
    return [ActiveLoop(None), SlotSet("requested_slot", None),
            SlotSet("handoff_reasons", None), SlotSet("handoff_context", None)]


class ActionHandoff(Action):
    """Reasons come from the escalation policy (slot handoff_reasons) or from the intent."""

    def name(self) -> str:
        return "action_handoff"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[EventType]:
        reasons = tracker.get_slot("handoff_reasons") or []
        if not reasons:
            intent = tracker.get_intent_of_latest_message()
            reasons = [REASON_FOR_INTENT.get(intent or "", "explicit_request")]
        return hand_off(dispatcher, tracker, list(reasons))
