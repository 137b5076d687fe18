"""Rasa's check for a new session at each message, without its walk over the whole conversation.

Before every shopper message Rasa's MessageProcessor runs `action_session_start` when
`tracker.applied_events()` is empty or the session has expired. `applied_events()` replays the
rewinds and restarts of every event of the session into a new list just to be found not empty:
2.1% of Rasa's message work at 20 shoppers at once (py-spy, bench/README.md). That list is not
empty whenever its last event stays in it, which its last event tells: any event but a restart, a
session start, a rewind or an action that is also the name of a loop (which may rewind to the
loop's previous run) is appended as the walk's last step. `install()` answers those from the
last event (and the session's expiry, as Rasa does); every other tracker goes through Rasa's own
check. bot/serve.py installs it before Rasa starts.
"""

from __future__ import annotations

from typing import Any

from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
)
from rasa.shared.core.trackers import DialogueStateTracker

_MAY_EMPTY = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted)


def surely_applied(tracker: DialogueStateTracker) -> bool:
    """True only when `tracker.applied_events()` is not empty (False: it may be, ask Rasa)."""
    if not tracker.events:
        return False
    last = tracker.events[-1]
    if isinstance(last, _MAY_EMPTY):
        return False
    if isinstance(last, ActionExecuted):
        return not any(isinstance(event, ActiveLoop) and event.name == last.action_name for event in tracker.events)
    return True


def install() -> None:
    from rasa.core.processor import MessageProcessor

    if getattr(MessageProcessor._update_tracker_session, "shopdesk", False):
        return
    rasas = MessageProcessor._update_tracker_session

    async def _update_tracker_session(self: MessageProcessor, tracker: DialogueStateTracker,
                                      output_channel: Any, metadata: dict[str, Any] | None = None) -> None:
        if surely_applied(tracker) and not self._has_session_expired(tracker):
            return
        await rasas(self, tracker, output_channel, metadata)

    _update_tracker_session.shopdesk = True  # type: ignore[attr-defined]
    MessageProcessor._update_tracker_session = _update_tracker_session
