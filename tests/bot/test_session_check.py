"""bot/session_check.py: a session start runs exactly when Rasa's own check would run it."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import session_check
from bot.session_check import surely_applied
from tests.bot.test_rule_matching import LISTEN, _conversation, _user


def _edges() -> list[list[Event]]:
    """Sessions whose applied events are empty, or look as if they might be."""
    hi = _user("hi", "greet")
    return [
        [], [Restarted()], [SessionStarted()], [LISTEN, hi, Restarted()],
        [ActionExecuted("utter_greet"), ActionReverted()], [LISTEN, hi, UserUtteranceReverted()],
        [ActionExecuted("order_form"), ActiveLoop("order_form"), ActionExecuted("order_form")],
        [ActiveLoop("order_form"), LISTEN, hi, ActionExecuted("order_form")],
        [ActiveLoop(ACTION_LISTEN_NAME), LISTEN], [ActiveLoop(None), ActionExecuted(None, action_text="hi")],
        [SessionStarted(), SlotSet("order_id", "1")], [LISTEN, hi, ActionExecuted("utter_greet")],
    ]


def _trackers() -> list[DialogueStateTracker]:
    conversation = _conversation()
    prefixes = [conversation[:end] for end in range(len(conversation) + 1)]
    return [DialogueStateTracker.from_events("shopper", events, []) for events in prefixes + _edges()]


def test_surely_applied_only_when_rasa_finds_applied_events() -> None:
    trackers = _trackers()
    for tracker in trackers:
        assert not surely_applied(tracker) or tracker.applied_events()
    # what Rasa sees as a shopper's message arrives: a session that ended listening
    waiting = [tracker for tracker in trackers[:len(_conversation()) + 1] if tracker.events and tracker.events[-1] == LISTEN]
    assert len(waiting) > 10 and all(surely_applied(tracker) for tracker in waiting)


class _Processor:
    def __init__(self, expired: bool) -> None:
        self.expired, self.rasas_calls = expired, 0

    def _has_session_expired(self, _tracker: DialogueStateTracker) -> bool:
        return self.expired


@pytest.mark.parametrize("expired", [False, True])
def test_rasa_s_check_runs_unless_it_surely_does_nothing(monkeypatch: pytest.MonkeyPatch, expired: bool) -> None:
    async def rasas(self: Any, tracker: DialogueStateTracker, _channel: Any, _metadata: Any = None) -> None:
        self.rasas_calls += 1

    monkeypatch.setattr(MessageProcessor, "_update_tracker_session", rasas)
    session_check.install()
    update = MessageProcessor._update_tracker_session
    for tracker in _trackers():
        processor = _Processor(expired)
        asyncio.run(update(processor, tracker, None))
        would_start = not tracker.applied_events() or expired
        assert processor.rasas_calls == int(would_start or not surely_applied(tracker))
    session_check.install()
    assert MessageProcessor._update_tracker_session is update
