"""bot/tracker_copies.py: every copy is in the state of Rasa's own copy (the replay of the events)."""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rasa.core.actions.forms import FormAction
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActionReverted,
    ActiveLoop,
    AllSlotsReset,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    DefinePrevUserUtteredFeaturization,
    Event,
    FollowupAction,
    LoopInterrupted,
    Restarted,
    SessionStarted,
    SlotSet,
    StoryExported,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import tracker_copies
from bot.tracker_copies import AppliedEvents, Replicas
from tests.bot.test_rule_matching import LISTEN, _conversation, _user

DOMAIN = Domain.from_yaml("""
version: "3.1"
intents: [greet, order_status]
slots:
  order_task: {type: text, mappings: [{type: custom}]}
  order_id: {type: text, initial_value: "none yet", mappings: [{type: custom}]}
  order_contact: {type: any, mappings: [{type: custom}]}
  verified_order_id: {type: text, influence_conversation: false, mappings: [{type: custom}]}
  handoff_reasons: {type: list, influence_conversation: false, mappings: [{type: custom}]}
  vip: {type: bool, initial_value: false, mappings: [{type: custom}]}
  requested_slot: {type: text, mappings: [{type: custom}]}
forms:
  order_form: {required_slots: [order_id, order_contact]}
""")
RASAS_COPY = DialogueStateTracker.copy


def _more_events() -> list[Event]:
    """The events a conversation's state changes by, besides the load mix's."""
    return [
        _user("where is 10002", "order_status"), ActionExecuted("order_form"), ActiveLoop("order_form"),
        SlotSet(REQUESTED_SLOT, "order_id"), ActionExecuted("order_form"), LoopInterrupted(True),
        ActionExecutionRejected("order_form"), SlotSet("handoff_reasons", "anger"), SlotSet("vip", True),
        FollowupAction("utter_greet"), ConversationPaused(), LISTEN, _user("hello?", "greet"), ConversationResumed(),
        ActionExecuted("utter_greet"), BotUttered("Hi!"), ActionReverted(), AllSlotsReset(), LISTEN,
        _user("hi", "greet"), Restarted(), LISTEN, _user("hi again", "greet"),
    ]


def state(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Everything a tracker is, with the events and what refers to them as the very objects."""
    fields = dict(vars(tracker))
    events = list(fields.pop("events"))
    slots = {name: (type(slot), vars(slot)) for name, slot in fields.pop("slots").items()}
    utterances = {}
    for name in ("latest_message", "latest_bot_utterance"):
        value = fields.pop(name)
        utterances[name] = ("event", events.index(value)) if any(value is event for event in events) \
            else ("empty", type(value), {key: item for key, item in value.as_dict().items() if key != "timestamp"})
    return {"events": [id(event) for event in events], "slots": slots, **utterances, **fields}


@pytest.fixture
def replicas() -> Iterator[Replicas]:
    yield Replicas(8)


def _tracker(events: list[Event], sender: str = "shopper") -> DialogueStateTracker:
    tracker = DialogueStateTracker.from_events(sender, events, DOMAIN.slots)
    tracker.model_id, tracker.assistant_id = "model", "shopdesk"
    return tracker


def _assert_copy_is_rasa_s(replicas: Replicas, tracker: DialogueStateTracker) -> DialogueStateTracker:
    rasas = RASAS_COPY(tracker)
    mine = replicas.copy(tracker)
    assert mine is not None and mine is not tracker
    assert state(mine) == state(rasas)
    return mine


@pytest.mark.parametrize("events", [_conversation(), _more_events(), _conversation() + _more_events()])
def test_a_growing_conversation_copied_as_the_processor_copies_it(replicas: Replicas, events: list[Event]) -> None:
    """One live tracker per message (read back from the store), copied before every action; each
    copy then gets the prediction's events, as the processor's temporary tracker does."""
    live, replicas_used = _tracker([]), set()
    for end, event in enumerate(events):
        if isinstance(event, UserUttered) or end % 3 == 0:
            live = _tracker(list(live.events))
        live.update(event)
        live.clear_followup_action()  # the processor does so without an event
        copied = _assert_copy_is_rasa_s(replicas, live)
        copied.update_with_events([SlotSet("order_task", "changed"), ActiveLoop("order_form")], None)
        copied.slots["vip"].value = "mutated"
        assert state(replicas.copy(live)) == state(RASAS_COPY(live))
        replicas_used.add(id(replicas._kept["shopper"]))
    assert len(replicas_used) == 1  # continued from message to message, never replayed again



def test_another_conversation_or_other_slots_start_a_new_replica(replicas: Replicas) -> None:
    events = _conversation()
    _assert_copy_is_rasa_s(replicas, _tracker(events[:20]))
    _assert_copy_is_rasa_s(replicas, _tracker(events[:10]))  # an older tracker: fewer events
    _assert_copy_is_rasa_s(replicas, _tracker(events[:20], sender="another"))
    rebuilt = _tracker(list(events[:20]))
    rebuilt.events[3] = _user("hi", "greet")  # read back from the database: other objects
    _assert_copy_is_rasa_s(replicas, rebuilt)
    other_domain = DialogueStateTracker.from_events("shopper", list(rebuilt.events),
                                                    Domain.from_yaml(DOMAIN.as_yaml().replace("none yet", "none")).slots)
    _assert_copy_is_rasa_s(replicas, other_domain)


def test_rasa_s_copy_where_a_replay_is_more_than_a_state(replicas: Replicas) -> None:
    assert replicas.copy(_tracker([LISTEN, StoryExported("/dev/null")])) is None
    late = ActionExecuted("utter_greet", timestamp=float("nan"))
    assert replicas.copy(_tracker([LISTEN, late])) is None
    bounded = DialogueStateTracker.from_events("shopper", [LISTEN], DOMAIN.slots, max_event_history=10)
    assert replicas.copy(bounded) is None


def test_installed_copy_is_rasa_s_state_and_keeps_as_many_conversations_as_told(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DialogueStateTracker, "copy", RASAS_COPY)
    monkeypatch.setattr(DialogueStateTracker, "applied_events", DialogueStateTracker.applied_events)
    monkeypatch.setattr(FormAction, "_temporary_tracker", FormAction._temporary_tracker)
    tracker_copies.install(size=2)
    installed = DialogueStateTracker.copy
    assert installed is not RASAS_COPY
    for sender in ("a", "b", "c"):
        tracker = _tracker(_conversation(), sender=sender)
        assert state(tracker.copy()) == state(RASAS_COPY(tracker))
    assert list(installed.replicas._kept) == ["b", "c"]
    tracker_copies.install(size=2)
    assert DialogueStateTracker.copy is installed
    monkeypatch.setattr(DialogueStateTracker, "copy", RASAS_COPY)
    tracker_copies.install(size=0)
    assert DialogueStateTracker.copy is RASAS_COPY


def test_a_copy_of_a_new_conversation_has_its_own_empty_utterances(replicas: Replicas) -> None:
    tracker = _tracker([ActionExecuted("action_session_start"), LISTEN])
    first, second = replicas.copy(tracker), replicas.copy(tracker)
    assert first is not None and second is not None
    assert first.latest_message is not second.latest_message and first.latest_message.is_empty()
    assert first.latest_bot_utterance is not second.latest_bot_utterance
    assert first.latest_action == {"action_name": ACTION_LISTEN_NAME}


def test_a_slot_copied_as_copy_copy_copies_it() -> None:
    import copy

    class Copied:
        def __init__(self) -> None:
            self.copies = 0

        def __copy__(self) -> Copied:
            self.copies += 1
            return self

    for slot in [*DOMAIN.slots, Copied()]:
        mine, theirs = tracker_copies.copy_slot(slot), copy.copy(slot)
        assert type(mine) is type(theirs) and vars(mine) == vars(theirs)
        assert all(vars(mine)[key] is value for key, value in vars(theirs).items() if key != "copies")
    assert slot.copies == 2


def test_a_conversation_read_back_each_message_is_rasa_s_rebuild_and_its_copies_continue_it(replicas: Replicas) -> None:
    """The tracker store's read (Rasa's from_events on the stored session) then the processor's
    copies, message after message, all from the one replica."""
    stored: list[Event] = []
    replicas_used = set()
    for event in _conversation() + _more_events():
        mine = replicas.replay("shopper", tuple(stored), DOMAIN.slots)
        rasas = DialogueStateTracker.from_events("shopper", list(stored), DOMAIN.slots)
        assert mine is not None and state(mine) == state(rasas)
        mine.model_id = "model"
        mine.update(event)
        _assert_copy_is_rasa_s(replicas, mine)
        stored = list(mine.events)
        replicas_used.add(id(replicas._kept["shopper"]))
    assert len(replicas_used) == 1
    assert replicas.replay("shopper", (), None) is None  # Rasa's tracker of any slots


def test_the_tracker_store_reads_through_the_installed_replicas(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import asyncio

    from bot.tracker_store import ShopTrackerStore

    monkeypatch.setattr(DialogueStateTracker, "copy", RASAS_COPY)
    monkeypatch.setattr(DialogueStateTracker, "applied_events", DialogueStateTracker.applied_events)
    monkeypatch.setattr(FormAction, "_temporary_tracker", FormAction._temporary_tracker)
    assert tracker_copies.installed() is None
    tracker_copies.install(size=4)
    replicas = tracker_copies.installed()
    assert replicas is not None
    store = ShopTrackerStore(domain=DOMAIN, host=f"sqlite:///{tmp_path / 'tracker.db'}")

    tracker = _tracker(_conversation())
    asyncio.run(store.save(tracker))
    read = asyncio.run(store.retrieve("shopper"))
    assert read is not None and "shopper" in replicas._kept
    session = list(store._sessions["shopper"].events)
    assert len(session) > 2 and state(read) == state(DialogueStateTracker.from_events("shopper", session, DOMAIN.slots))


def _rasa_slot_check(mine: list[Any], theirs: list[Any]) -> bool:
    """The check as it was (519b380): names equal, classes and every attribute but the value the very objects."""
    def attributes(slot: Any) -> list[tuple[str, Any]]:
        return [(k, v) for k, v in vars(slot).items() if k not in {"_value", "_has_been_set"}]
    return len(mine) == len(theirs) and all(
        a.name == b.name and type(a) is type(b) and len(attributes(a)) == len(attributes(b))
        and all(x[0] == y[0] and x[1] is y[1] for x, y in zip(attributes(a), attributes(b))) for a, b in zip(mine, theirs))


def test_the_slot_signature_tells_apart_what_the_attribute_by_attribute_check_did() -> None:
    import copy
    base = list(DialogueStateTracker("s", DOMAIN.slots).slots.values())
    equal_not_same = [copy.copy(slot) for slot in base]
    equal_not_same[0].mappings = [dict(m) for m in base[0].mappings]  # an equal list, another object
    set_values = [copy.copy(slot) for slot in base]
    set_values[1].value = "10002"  # the value does not count
    other_class = [copy.copy(slot) for slot in base]
    other_class[2] = type("Other", (type(base[2]),), {})(base[2].name, base[2].mappings)
    extra_attribute = [copy.copy(slot) for slot in base]
    extra_attribute[0].extra = 1
    reloaded = list(Domain.from_yaml(DOMAIN.as_yaml()).slots)
    for theirs in (base, list(DOMAIN.slots), equal_not_same, set_values, other_class, extra_attribute, reloaded,
                   base[:-1], base[::-1]):
        assert (tracker_copies.slot_signature(base) == tracker_copies.slot_signature(theirs)) == _rasa_slot_check(base, theirs)
    assert tracker_copies.slot_signature(base) == tracker_copies.slot_signature(set_values)
    assert tracker_copies.slot_signature(base) != tracker_copies.slot_signature(equal_not_same)


# --- applied_events(): Rasa's walk, continued from the last one -------------------------------------

RASAS_APPLIED = DialogueStateTracker.applied_events


def _pool() -> list[Event]:
    """Events that reset, rewind or extend the applied events, two loops among them."""
    return [
        LISTEN, _user("where is 10002", "order_status"), ActionExecuted("order_form"), ActiveLoop("order_form"),
        SlotSet(REQUESTED_SLOT, "order_id"), ActionExecutionRejected("order_form"), ActionExecuted("utter_greet"),
        ActiveLoop(None), ActionExecuted("return_form"), ActiveLoop("return_form"), ActionReverted(),
        UserUtteranceReverted(), Restarted(), SessionStarted(), BotUttered("Hi!"),
        DefinePrevUserUtteredFeaturization(False), FollowupAction("utter_greet"), SlotSet("vip", True),
    ]


def _assert_walk_is_rasa_s(walks: AppliedEvents, tracker: DialogueStateTracker) -> None:
    mine = walks.of(tracker)
    assert [id(event) for event in mine] == [id(event) for event in RASAS_APPLIED(tracker)]
    mine.append(LISTEN)  # the caller's own list: the next answer is not changed by it
    assert [id(event) for event in walks.of(tracker)] == [id(event) for event in RASAS_APPLIED(tracker)]


@pytest.mark.parametrize("seed", range(40))
def test_applied_events_of_a_growing_conversation_are_rasa_s(seed: int) -> None:
    """Random conversations from the pool, grown event by event, read back and copied as the processor does,
    with a form's temporary tracker (the tracker's events and one more) beside them."""
    chooser, pool, walks = random.Random(seed), _pool(), AppliedEvents(4)
    live = _tracker([])
    for step in range(60):
        if chooser.random() < 0.2:
            live = _tracker(list(live.events))  # read back: the same event objects in a new tracker
        event = chooser.choice(pool)
        live.update(copy.deepcopy(event) if chooser.random() < 0.5 else event)
        _assert_walk_is_rasa_s(walks, live)
        if step % 5 == 0:
            temporary = _tracker([*live.events, SlotSet("order_id", "10002")])
            _assert_walk_is_rasa_s(walks, temporary)
        if step % 7 == 0:
            older = _tracker(list(live.events)[: step // 2])  # fewer events than walked: walked again
            _assert_walk_is_rasa_s(walks, older)


def test_a_loop_named_only_by_the_new_events_walks_all_again() -> None:
    """Rasa rewinds a loop's earlier runs only for the loops the tracker's events activate, anywhere in them."""
    walks = AppliedEvents(4)
    events: list[Event] = [LISTEN, _user("return it", "order_status"), ActionExecuted("return_form"),
                           SlotSet(REQUESTED_SLOT, "order_id"), ActionExecuted("return_form"), LISTEN]
    tracker = _tracker(events)
    _assert_walk_is_rasa_s(walks, tracker)
    assert len(walks.of(tracker)) == len(tracker.events)  # no loop yet: every event applies
    tracker.update(ActiveLoop("return_form"))
    _assert_walk_is_rasa_s(walks, tracker)
    assert len(walks.of(tracker)) == len(tracker.events) - 1  # the form's second run folded into its first


def test_a_conversation_read_back_each_message_is_walked_once(monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[Event] = []
    rasas_walk = tracker_copies._walk

    def counted(tracker: DialogueStateTracker, loops: frozenset[str], applied: list[Event],
                events: Any) -> list[Event]:
        events = list(events)
        walked.extend(events)
        return rasas_walk(tracker, loops, applied, events)

    monkeypatch.setattr(tracker_copies, "_walk", counted)
    walks, live, events = AppliedEvents(4), _tracker([]), _conversation()
    for event in events:
        if isinstance(event, UserUttered):
            live = _tracker(list(live.events))
        live.update(event)
        _assert_walk_is_rasa_s(walks, live)
    # Every event once, and the ones before the form's activation again when it names a loop.
    first_loop = next(i for i, event in enumerate(events) if isinstance(event, ActiveLoop) and event.name)
    assert len(walked) == len(events) + first_loop


def test_installed_applied_events_are_rasa_s_and_kept_per_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DialogueStateTracker, "copy", RASAS_COPY)
    monkeypatch.setattr(DialogueStateTracker, "applied_events", RASAS_APPLIED)
    monkeypatch.setattr(FormAction, "_temporary_tracker", FormAction._temporary_tracker)
    tracker_copies.install(size=2)
    installed = DialogueStateTracker.applied_events
    for sender in ("a", "b", "c"):
        tracker = _tracker(_conversation() + _more_events(), sender=sender)
        assert [id(event) for event in tracker.applied_events()] == [id(event) for event in RASAS_APPLIED(tracker)]
    assert list(installed.walks._kept) == ["b", "c"]
    monkeypatch.setattr(DialogueStateTracker, "copy", RASAS_COPY)
    monkeypatch.setattr(DialogueStateTracker, "applied_events", RASAS_APPLIED)
    tracker_copies.install(size=0)
    assert DialogueStateTracker.applied_events is RASAS_APPLIED


# --- a form's temporary tracker: the replica fed the form's events --------------------------------

RASAS_TEMPORARY = FormAction._temporary_tracker


def _without_times(event: Event) -> dict[str, Any]:
    return {key: value for key, value in event.as_dict().items() if key != "timestamp"}


def temporary_state(tracker: DialogueStateTracker, since_restart: int) -> dict[str, Any]:
    """state(), the form's own events (made anew by each call) by their content."""
    found = state(tracker)
    events = list(tracker.events)
    found["events"] = found["events"][:since_restart] + [_without_times(event) for event in events[since_restart:]]
    return found


def _not_replayed(*_args: Any, **_kwargs: Any) -> DialogueStateTracker:
    raise AssertionError("replayed from the first event")


def test_a_form_s_temporary_tracker_is_rasa_s(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(DialogueStateTracker, "copy", RASAS_COPY)
    monkeypatch.setattr(DialogueStateTracker, "applied_events", RASAS_APPLIED)
    monkeypatch.setattr(FormAction, "_temporary_tracker", RASAS_TEMPORARY)
    tracker_copies.install(size=4)
    form = FormAction("order_form", None)
    events = _conversation() + _more_events() + [LISTEN, _user("it's 10011", "order_status")]
    live = _tracker([])
    for end, event in enumerate(events):
        if isinstance(event, UserUttered):
            live = _tracker(list(live.events))
        live.update(event)
        live.copy()  # the processor's copy before an action: the replica the form's trackers branch from
        additional = [SlotSet("order_id", f"1000{end % 10}"), ActiveLoop("order_form")]
        with monkeypatch.context() as replayed:
            if not any(isinstance(seen, Restarted) for seen in live.events):  # else not the replica's events
                replayed.setattr(DialogueStateTracker, "from_events", _not_replayed)
            mine = form._temporary_tracker(live, additional, DOMAIN)
        rasas = RASAS_TEMPORARY(form, live, additional, DOMAIN)
        since_restart = len(live.events_after_latest_restart())
        assert temporary_state(mine, since_restart) == temporary_state(rasas, since_restart)
    assert FormAction._temporary_tracker is not RASAS_TEMPORARY


def test_a_form_s_activation_leaves_the_replica_to_the_conversation(monkeypatch: pytest.MonkeyPatch) -> None:
    """The form's activation asks about a copy with its activation events, then about the tracker without
    them: the replica stays the conversation's, and its next copy is the same replica fed on."""
    monkeypatch.setattr(DialogueStateTracker, "copy", RASAS_COPY)
    monkeypatch.setattr(DialogueStateTracker, "applied_events", RASAS_APPLIED)
    monkeypatch.setattr(FormAction, "_temporary_tracker", RASAS_TEMPORARY)
    tracker_copies.install(size=4)
    replicas = tracker_copies.installed()
    assert replicas is not None
    form = FormAction("order_form", None)
    live = _tracker(_conversation()[:8])
    activated = live.copy()
    replica = replicas._kept["shopper"]
    activation = [ActiveLoop("order_form"), SlotSet(REQUESTED_SLOT, None)]
    activated.update_with_events(activation, None)
    for asked in (activated, live):
        mine = form._temporary_tracker(asked, [], DOMAIN)
        since_restart = len(asked.events)
        assert temporary_state(mine, since_restart) == temporary_state(RASAS_TEMPORARY(form, asked, [], DOMAIN),
                                                                       since_restart)
        assert replicas._kept["shopper"] is replica and len(replica.tracker.events) == len(live.events)
    live.update_with_events([ActionExecuted("order_form"), *activation], None)
    assert state(live.copy()) == state(RASAS_COPY(live))
    assert replicas._kept["shopper"] is replica and len(replica.tracker.events) == len(live.events)
