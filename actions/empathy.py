"""A shopper who is annoyed, but whose question the bot can answer, gets the answer first,
said with empathy, and then the offer of a person.

Whether a message is annoyed comes from the anger score the engine's AngerScorer puts on
every parsed message; the threshold is the escalation policy's `annoyed_threshold` in
config.yml, so one number decides both (above `anger_threshold` the policy hands off instead).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

DEFAULT_ANNOYED_THRESHOLD = 0.5
ESCALATION_POLICY = "EscalationPolicy"


def annoyed_threshold(config_path: Path) -> float:
    """The escalation policy's annoyed_threshold in config.yml (the default when absent)."""
    try:
        config = yaml.safe_load(config_path.read_text()) or {}
    except (OSError, yaml.YAMLError):
        return DEFAULT_ANNOYED_THRESHOLD
    for policy in config.get("policies") or []:
        if str(policy.get("name", "")).endswith(ESCALATION_POLICY):
            return float(policy.get("annoyed_threshold", DEFAULT_ANNOYED_THRESHOLD))
    return DEFAULT_ANNOYED_THRESHOLD


def anger_score(parse_data: Mapping[str, Any] | None) -> float:
    anger = (parse_data or {}).get("anger") or {}
    try:
        return float(anger.get("score") or 0.0)
    except (TypeError, ValueError):
        return 0.0


def asking_message(tracker: Tracker, intents: Iterable[str] | None = None) -> Mapping[str, Any]:
    """The parse of the shopper message that asked for what the bot is answering now: the latest
    one, or the latest with one of `intents` (an order task is answered after the order form)."""
    if intents is None:
        return tracker.latest_message or {}
    wanted = set(intents)
    for event in reversed(tracker.events):
        parse = event.get("parse_data") or {}
        if event.get("event") == "user" and (parse.get("intent") or {}).get("name") in wanted:
            return parse
    return tracker.latest_message or {}


class Empathy:
    """Wraps an answer: an apology before it and the offer of a person after it, when annoyed."""

    def __init__(self, dispatcher: CollectingDispatcher, parse_data: Mapping[str, Any], threshold: float) -> None:
        self.dispatcher = dispatcher
        self.annoyed = anger_score(parse_data) >= threshold

    def __enter__(self) -> Empathy:
        if self.annoyed:
            self.dispatcher.utter_message(response="utter_empathy")
        return self

    def __exit__(self, *exc: object) -> None:
        offered = any(m.get("response") == "utter_offer_human" for m in self.dispatcher.messages)
        if self.annoyed and not offered and exc[0] is None:
            self.dispatcher.utter_message(response="utter_offer_human")
