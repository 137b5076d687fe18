"""Asking the shopper to pick among options, on every channel: buttons (their payload is the
option's title, so tapping and typing read alike) and the same options as numbered text. The
question is remembered in the `pending_choice` slot; the dialogue policy brings the answer back
to the action that asked, with what it understood in the `choice` slot (bot/choices.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

NONE_OF_THESE = "None of these"


@dataclass(frozen=True)
class Choice:
    """The shopper's answer to the options, as the dialogue policy understood it."""

    chosen: tuple[str, ...] = ()
    none: bool = False
    yes: bool = False
    no: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, tracker: Tracker) -> Choice | None:
        value = tracker.get_slot("choice")
        if not isinstance(value, Mapping):
            return None
        return cls(tuple(str(c) for c in value.get("chosen") or ()), bool(value.get("none")),
                   bool(value.get("yes")), bool(value.get("no")))


def numbered(titles: Sequence[str]) -> str:
    return "\n".join(f"{number}. {title}" for number, title in enumerate(titles, start=1))


def offer_options(dispatcher: CollectingDispatcher, action: str, kind: str, options: Sequence[tuple[str, str]],
                  response: str, with_none: bool = True, **values: Any) -> list[EventType]:
    """Utters `response` with the options as buttons (and `{options}` numbered in its text)."""
    buttons = [{"title": title, "payload": title} for _, title in options]
    if with_none:
        buttons.append({"title": NONE_OF_THESE, "payload": NONE_OF_THESE})
    dispatcher.utter_message(response=response, buttons=buttons, options=numbered([t for _, t in options]), **values)
    return [pending(action, kind, options)]


def offer_yes_no(dispatcher: CollectingDispatcher, action: str, option: tuple[str, str], response: str,
                 buttons: bool = True, **values: Any) -> list[EventType]:
    """A question with one option is a yes/no question, not a menu."""
    extra = {"buttons": [{"title": "Yes", "payload": "Yes"}, {"title": "No", "payload": "No"}]} if buttons else {}
    dispatcher.utter_message(response=response, **extra, **values)
    return [pending(action, "offer", [option])]


def pending(action: str, kind: str, options: Sequence[tuple[str, str]]) -> SlotSet:
    return SlotSet("pending_choice", {"action": action, "kind": kind,
                                      "options": [{"id": i, "title": t} for i, t in options]})


def done() -> list[EventType]:
    """Forget the question once its answer is acted on."""
    return [SlotSet("choice", None), SlotSet("pending_choice", None)]
