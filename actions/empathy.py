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


# Cues that only stress a message: capitals, "??". Alone they are no bad mood ("HOW MUCH IS
# SHIPPING TO FRANCE", "is WELCOME10 still valid??").
STRESS_MARKS = frozenset({"shouting", "emphasis", "punctuation"})


def is_annoyed(parse: Mapping[str, Any] | None, threshold: float) -> bool:
    """Annoyed: the words say so ("ugh", "fed up"), or the anger score reaches the threshold
    for more than stress marks."""
    anger = (parse or {}).get("anger") or {}
    cues = [str(cue) for cue in (anger.get("cues") if isinstance(anger, Mapping) else None) or ()]
    kinds = {cue.split(":")[0] for cue in cues}
    if "annoyance" in kinds:
        return True
    return anger_score(parse) >= threshold and not (kinds and kinds <= STRESS_MARKS)


def apologised_since(tracker: Tracker, form: str = "order_form") -> bool:
    """Whether the bot already said sorry for this task (while it asked for the order details)."""
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == form:
            return False
        if event.get("event") == "bot" and (event.get("metadata") or {}).get("utter_action") == "utter_empathy":
            return True
    return False


def task_messages(tracker: Tracker, form: str = "order_form") -> list[Mapping[str, Any]]:
    """The parses of the shopper messages behind the task answered now: the one that started
    `form` and the answers given to it (an order task is answered after the order form)."""
    messages: list[Mapping[str, Any]] = []
    form_started = False
    for event in reversed(tracker.events):
        if event.get("event") == "active_loop" and event.get("name") == form:
            form_started = True
        elif event.get("event") == "user":
            messages.append(event.get("parse_data") or {})
            if form_started:
                return messages
    return [tracker.latest_message or {}]


class Empathy:
    """Wraps an answer: an apology before it and the offer of a person after it, when annoyed.
    The apology is said once: not again when it came already while the bot asked for details."""

    def __init__(self, dispatcher: CollectingDispatcher, messages: Iterable[Mapping[str, Any]],
                 threshold: float, apologised: bool = False) -> None:
        self.dispatcher = dispatcher
        self.annoyed = any(is_annoyed(parse, threshold) for parse in messages)
        self.apologised = apologised

    def __enter__(self) -> Empathy:
        if self.annoyed and not self.apologised:
            self.dispatcher.utter_message(response="utter_empathy")
        return self

    def __exit__(self, *exc: object) -> None:
        offered = any(m.get("response") == "utter_offer_human" for m in self.dispatcher.messages)
        if self.annoyed and not offered and exc[0] is None:
            self.dispatcher.utter_message(response="utter_offer_human")
