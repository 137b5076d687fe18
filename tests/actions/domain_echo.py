"""A test action that says which domain rasa_sdk handed it (tests/actions/test_server.py)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher


class ActionEchoDomain(Action):  # type: ignore[misc]  # rasa_sdk is untyped
    def name(self) -> str:
        return "action_echo_domain"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[Any]:
        dispatcher.utter_message(text=",".join(domain.get("intents", [])) if domain else "no domain")
        return []
