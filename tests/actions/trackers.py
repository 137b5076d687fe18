"""Trackers built the way rasa-sdk builds them from Rasa's request, and what a dispatcher collected."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def tracker(slots: dict[str, Any] | None = None, text: str = "", intent: str | None = None,
            events: list[dict[str, Any]] | None = None, metadata: dict[str, Any] | None = None) -> Tracker:
    latest = {"text": text, "intent": {"name": intent, "confidence": 1.0} if intent else {},
              "entities": [], "metadata": metadata or {}}
    return Tracker("shopper-1", slots or {}, latest, events or [], False, None, {}, "action_listen")


def texts(dispatcher: CollectingDispatcher) -> list[str]:
    return [message.get("response") or message.get("text") or "" for message in dispatcher.messages]


def values(dispatcher: CollectingDispatcher, response: str) -> dict[str, Any]:
    """The variables an action passed to one of its domain responses."""
    for message in dispatcher.messages:
        if message.get("response") == response:
            return message
    raise AssertionError(f"{response} not uttered; got {texts(dispatcher)}")
