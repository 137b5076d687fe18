"""Test actions for comparing the action server's routes with rasa_sdk's (tests/actions/test_endpoint.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.interfaces import ActionExecutionRejection


class ActionEchoTracker(Action):  # type: ignore[misc]  # rasa_sdk is untyped
    """Says back what rasa_sdk made of the call: the tracker's slots, latest message and events."""

    def name(self) -> str:
        return "action_echo_tracker"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Any]:
        dispatcher.utter_message(json_message={"slots": tracker.slots, "latest": tracker.latest_message,
                                               "events": tracker.events, "sender": tracker.sender_id,
                                               "intents": (domain or {}).get("intents")})
        return [SlotSet("echoed", len(tracker.events))]


class ActionRefuse(Action):  # type: ignore[misc]
    def name(self) -> str:
        return "action_refuse"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Any]:
        raise ActionExecutionRejection("action_refuse", "not this one")


class ActionBreak(Action):  # type: ignore[misc]
    def name(self) -> str:
        return "action_break"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Any]:
        raise RuntimeError("broken")
