"""Rasa's tracker copies without replaying the whole conversation for each one.

Rasa's MessageProcessor copies the tracker before every action it runs (`_run_action`, so that
a rejected action's events can be dropped), and a form copies it again to validate: each copy
(`DialogueStateTracker.copy`) is a new tracker with the domain's slots on which every event of
the conversation is replayed: 5.4% of Rasa's message work at 20 shoppers at once (py-spy,
bench/README.md), three or four copies a message, each replaying the whole session.

A copy is a replay, so `install()` keeps one per conversation: a tracker that Rasa's own
`init_copy` started and Rasa's own `update` fed with the conversation's events, in order, and
nothing else touched. A copy of a tracker whose events start with that replica's (the very
objects, in order) and whose slots are the ones the replica started from (every attribute but
the value) is the replica fed the tracker's further events, its state duplicated field by field:
a new event list, new slots, a new active loop and latest action, the very event objects the
replay's state refers to, and new empty utterances where the replay holds the empty ones a reset
makes. The tracker copied may differ from its own replay (Rasa's processor clears a follow-up
action without an event): the copy is the replay's, as Rasa's is. Trackers with a bounded event
history, an exported story (its event writes a file on every replay), an event stamped past
infinity (Rasa's replay stops there) or another conversation's replica get Rasa's own copy.

`applied_events()` (the events not rewound since the last restart: RulePolicy's states, the session
check's expiry and the forms ask for it, each walking every event of the session; 4.3% of Rasa's
message work at 20 shoppers at once, py-spy, bench/README.md) is kept per conversation the same
way: a tracker whose events start with the very events of the last walk is walked on from there
(`AppliedEvents`). A form's temporary tracker for its validation (`FormAction._temporary_tracker`: the
tracker's events replayed with the form's own after them) is a duplicate of the replica fed those
events, the replica left as it is: the form asks about trackers with events the conversation's own
never get (its activation's copy), and a replica moved there would be replayed again from the first
event at the next copy.

SHOPDESK_TRACKER_REPLICAS sets how many conversations are kept (default 256; 0: Rasa's copies and walks).
bot/serve.py installs it before Rasa starts.
"""

from __future__ import annotations

import copy
import copyreg
import math
import operator
import os
from collections import OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from rasa.shared.constants import DEFAULT_SENDER_ID
from rasa.shared.core.constants import REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionReverted,
    ActiveLoop,
    BotUttered,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    StoryExported,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_REPLICAS = 256
_VALUE_ATTRIBUTES = frozenset({"_value", "_has_been_set"})


def slot_signature(slots: Iterable[Any]) -> tuple[Any, ...]:
    """What a reset slot is made of: for each slot its name, its class and every attribute but its value
    (the attributes' names, and the identities of their objects), one tuple that one comparison checks."""
    return tuple(_slot_signature(slot) for slot in slots)


def _slot_signature(slot: Any) -> tuple[Any, ...]:
    attributes = vars(slot)
    names = tuple(attributes)
    but_value = _BUT_VALUE.get(names)
    if but_value is None:
        but_value = _BUT_VALUE[names] = _picker(tuple(i for i, name in enumerate(names) if name not in _VALUE_ATTRIBUTES))
    return slot.name, id(type(slot)), names, but_value(tuple(map(id, attributes.values())))


def _picker(positions: tuple[int, ...]) -> Any:
    if len(positions) > 1:
        return operator.itemgetter(*positions)
    return lambda values: tuple(values[i] for i in positions)


_BUT_VALUE: dict[tuple[str, ...], Any] = {}


@dataclass
class Replica:
    tracker: DialogueStateTracker  # made as Rasa's init_copy() and from_events() make one, fed by Rasa's update() only
    slots: tuple[Any, ...]  # slot_signature of the slots it started from
    kept: tuple[Any, ...]  # their attributes' objects, alive, so that no other object has their identities

    def continues(self, events: Sequence[Event], slots: tuple[Any, ...], is_rule_tracker: bool) -> bool:
        mine = self.tracker.events
        return (len(mine) <= len(events) and is_rule_tracker == self.tracker.is_rule_tracker
                and all(a is b for a, b in zip(mine, events)) and self.slots == slots)


class Replicas:
    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[str, Replica] = OrderedDict()

    def copy(self, tracker: DialogueStateTracker) -> DialogueStateTracker | None:
        """The copy Rasa's replay gives (`tracker.copy()`), or None where Rasa's own copy must answer."""
        if tracker._max_event_history is not None:
            return None
        return self.replay(tracker.sender_id or DEFAULT_SENDER_ID, tracker.events, tracker.slots.values(),
                           tracker.is_rule_tracker)

    def replay(self, sender_id: str, events: Sequence[Event], slots: Iterable[Any] | None,
               is_rule_tracker: bool = False) -> DialogueStateTracker | None:
        """`DialogueStateTracker.from_events(sender_id, events, slots)` (with is_rule_tracker as given),
        or None where Rasa must build it."""
        if slots is None:
            return None
        slots = list(slots)
        signature = slot_signature(slots)
        replica = self._kept.get(sender_id)
        if replica is None or not replica.continues(events, signature, is_rule_tracker):
            replica = Replica(DialogueStateTracker(sender_id, slots, is_rule_tracker=is_rule_tracker), signature,
                              tuple((type(slot), *vars(slot).values()) for slot in slots))
        if not _feed(replica.tracker, islice(events, len(replica.tracker.events), None)):
            self._kept.pop(sender_id, None)
            return None
        self._kept[sender_id] = replica
        self._kept.move_to_end(sender_id)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return duplicate(replica.tracker)

    def branch(self, sender_id: str, events: Sequence[Event], slots: Iterable[Any]) -> DialogueStateTracker | None:
        """`DialogueStateTracker.from_events(sender_id, events, slots)` as a duplicate of the conversation's
        replica fed the further events, the replica itself left as it is (a tracker the conversation's own
        trackers do not continue); None where the replica does not continue `events`."""
        replica = self._kept.get(sender_id)
        if replica is None or not replica.continues(events, slot_signature(slots), is_rule_tracker=False):
            return None
        twin = duplicate(replica.tracker)
        return twin if _feed(twin, islice(events, len(replica.tracker.events), None)) else None


def _feed(replica: DialogueStateTracker, events: Any) -> bool:
    for event in events:
        if isinstance(event, StoryExported) or not event.timestamp <= math.inf:
            return False
        replica.update(event)
    return True


def duplicate(replayed: DialogueStateTracker) -> DialogueStateTracker:
    """A tracker in the state of `replayed`, sharing none of its mutable state."""
    twin: DialogueStateTracker = DialogueStateTracker.__new__(DialogueStateTracker)
    twin.__dict__.update(replayed.__dict__)
    twin.events = deque(replayed.events, replayed._max_event_history)
    twin.slots = {name: copy_slot(slot) for name, slot in replayed.slots.items()}
    if isinstance(replayed.latest_action, dict):
        twin.latest_action = dict(replayed.latest_action)
    if replayed.active_loop is not None:
        twin.active_loop = copy.copy(replayed.active_loop)
    if not _is_event(replayed.latest_message, replayed.events):
        twin.latest_message = UserUttered.empty()
    if not _is_event(replayed.latest_bot_utterance, replayed.events):
        twin.latest_bot_utterance = BotUttered.empty()
    return twin


def copy_slot(slot: Any) -> Any:
    """copy.copy(slot): for a class that copies by the default protocol, its new instance with the same
    attributes, which is what copy.copy makes of it, without the protocol's lookups."""
    cls: Any = type(slot)
    if cls not in _PLAIN:
        plain = (cls.__reduce_ex__ is object.__reduce_ex__ and cls.__reduce__ is object.__reduce__
                 and cls.__new__ is object.__new__ and not hasattr(cls, "__copy__") and not hasattr(cls, "__setstate__")
                 and not any(vars(base).get("__slots__") for base in cls.__mro__) and cls not in copyreg.dispatch_table)
        _PLAIN[cls] = plain
    if not _PLAIN[cls]:
        return copy.copy(slot)
    twin = object.__new__(cls)
    twin.__dict__.update(slot.__dict__)
    return twin


_PLAIN: dict[type, bool] = {}


def _is_event(value: Any, events: deque[Event]) -> bool:
    return any(event is value for event in reversed(events))


class AppliedEvents:
    """`DialogueStateTracker.applied_events()` per conversation, continued from the events last walked.

    Rasa's walk is a fold over the tracker's events: each event resets, rewinds or extends the list
    so far, by the list so far and the names of the loops the tracker's events activate. So the list
    of a tracker whose events start with the very events of an earlier walk, and whose further events
    activate no loop the earlier ones did not, is the earlier list walked on with the further events
    only. The two latest walks of each conversation are kept (its tracker and a form's temporary one)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[str, tuple[_Walk, ...]] = OrderedDict()

    def of(self, tracker: DialogueStateTracker) -> list[Event]:
        events = tracker.events
        sender_id = tracker.sender_id
        kept = self._kept.get(sender_id, ())
        walk = next((walk for walk in kept if walk.continued_by(events)), None)
        if walk is None:
            loops = _loop_names(events)
            walk = _Walk(tuple(events), loops, tuple(_walk(tracker, loops, [], events)))
        elif len(walk.events) < len(events):
            new = list(islice(events, len(walk.events), None))
            loops = walk.loops | _loop_names(new)
            if loops == walk.loops:
                applied = _walk(tracker, loops, list(walk.applied), new)
            else:  # a loop the earlier events did not activate changes how they are walked
                applied = _walk(tracker, loops, [], events)
            walk = _Walk(tuple(events), loops, tuple(applied))
        self._kept[sender_id] = (walk, *(other for other in kept if other is not walk))[:2]
        self._kept.move_to_end(sender_id)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
        return list(walk.applied)


@dataclass(frozen=True)
class _Walk:
    events: tuple[Event, ...]  # the tracker's events walked
    loops: frozenset[str]  # the loops they activate
    applied: tuple[Event, ...]  # Rasa's applied_events() of them

    def continued_by(self, events: Sequence[Event]) -> bool:
        return len(events) >= len(self.events) and all(a is b for a, b in zip(self.events, events))


def _loop_names(events: Iterable[Event]) -> frozenset[str]:
    return frozenset(event.name for event in events if isinstance(event, ActiveLoop) and event.name)


def _walk(tracker: DialogueStateTracker, loop_names: frozenset[str], applied: list[Event],
          events: Iterable[Event]) -> list[Event]:
    """The loop of Rasa's DialogueStateTracker.applied_events, from `applied` on, over `events`."""
    for event in events:
        if isinstance(event, (Restarted, SessionStarted)):
            applied = []
        elif isinstance(event, ActionReverted):
            tracker._undo_till_previous(ActionExecuted, applied)
        elif isinstance(event, UserUtteranceReverted):
            tracker._undo_till_previous(UserUttered, applied)
            tracker._undo_till_previous(ActionExecuted, applied)
        elif (isinstance(event, ActionExecuted) and event.action_name in loop_names
              and not tracker._first_loop_execution_or_unhappy_path(event.action_name, applied)):
            tracker._undo_till_previous_loop_execution(event.action_name, applied)
        else:
            applied.append(event)
    return applied


def install(size: int | None = None) -> None:
    if getattr(DialogueStateTracker.copy, "shopdesk", False):
        return
    if size is None:
        size = int(os.environ.get("SHOPDESK_TRACKER_REPLICAS", DEFAULT_REPLICAS))
    if size <= 0:
        return
    replicas = Replicas(size)
    rasas = DialogueStateTracker.copy

    def copy_tracker(self: DialogueStateTracker) -> DialogueStateTracker:
        duplicate_ = replicas.copy(self) if type(self) is DialogueStateTracker else None
        return duplicate_ if duplicate_ is not None else rasas(self)

    copy_tracker.shopdesk = True  # type: ignore[attr-defined]
    copy_tracker.replicas = replicas  # type: ignore[attr-defined]
    DialogueStateTracker.copy = copy_tracker

    walks = AppliedEvents(size)
    rasas_applied = DialogueStateTracker.applied_events

    def applied_events(self: DialogueStateTracker) -> list[Event]:
        return walks.of(self) if type(self) is DialogueStateTracker else rasas_applied(self)

    applied_events.walks = walks  # type: ignore[attr-defined]
    DialogueStateTracker.applied_events = applied_events
    _install_forms_temporary_tracker(replicas)


def _install_forms_temporary_tracker(replicas: Replicas) -> None:
    from rasa.core.actions.forms import FormAction

    def _temporary_tracker(self: FormAction, current_tracker: DialogueStateTracker, additional_events: list[Event],
                           domain: Domain) -> DialogueStateTracker:
        """FormAction._temporary_tracker: `from_events` of the tracker's events since its latest restart, the
        form's requested slot, its own execution and `additional_events`, as a branch of the replica."""
        since_restart = current_tracker.events_after_latest_restart()
        form_events = [SlotSet(REQUESTED_SLOT, self.get_slot_to_fill(current_tracker)), ActionExecuted(self.name()),
                       *additional_events]
        tracker = replicas.branch(current_tracker.sender_id, since_restart, domain.slots)
        if tracker is None or not _feed(tracker, form_events):
            return DialogueStateTracker.from_events(current_tracker.sender_id, since_restart + form_events,
                                                    slots=domain.slots)
        return tracker

    FormAction._temporary_tracker = _temporary_tracker


def installed() -> Replicas | None:
    """The replicas Rasa's copies use, for the tracker store's reads (None: not installed)."""
    return getattr(DialogueStateTracker.copy, "replicas", None)
