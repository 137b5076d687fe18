"""RulePolicy's predictions at less cost per message: the same rules, the same states, the same answers.

On every prediction Rasa 3.6's RulePolicy turns the conversation into its dialogue states by
replaying every applied event of the session into a fresh tracker (twice after a shopper
message: once for the text, once for the intent), then matches each rule against those states
from the newest back to the oldest, although no rule is longer than three turns. That was 16% of
Rasa's CPU per message on the load bench at 20 shoppers at once (py-spy, bench/README.md "Load").

`install()` replaces two of RulePolicy's steps:
- the states: each conversation's are kept with the applied events they came from and the
  replayed tracker. When a prediction's applied events (Rasa's own `applied_events()`) begin
  with those very event objects, only the turns after them are replayed; otherwise (another
  process wrote to the conversation, a rewind, a form's happy path that Rasa folds away) they
  are computed from the start as Rasa computes them. bot/tracker_store.py hands back the same
  event objects from one message to the next, so a new message mostly replays its own turns.
  RulePolicy gets its own copy of the newest state (its featurizer deletes the text or the intent
  there); the others it shares between predictions, kept as its featurizer leaves every state but
  the newest (the user's text left out where the intent is given), so that nothing changes them:
  RulePolicy only reads them. Asked again about the same tracker before anything happened to it
  (it asks with the text, then with the intent), the states are not computed again.
- the rule lookup stops going back once it is past the longest rule still in play: Rasa's
  `_is_rule_applicable` holds every rule shorter than the distance, so nothing changes further back.
  Each rule is matched as its conditions compiled once per lookup (`CompiledRules`): Rasa's
  `_is_rule_applicable` parses nothing again (its keys are cached) but reverses the rule's states,
  walks every feature of a turn and turns lists into tuples on each of the ~120 rules x turns x
  predictions, 8% of Rasa's CPU per message at 20 at once after the kept states (py-spy). The
  compiled test is the same one: an empty rule turn holds only on an empty state; otherwise every
  feature with a value must be equal in the state, and every SHOULD_NOT_BE_SET feature unset there.
  On the newest state only the rules that can hold after its previous action are tried (a rule
  whose newest turn asks for another previous action fails there), longest first, so that the
  longest rule still in play is the first one.

Only RulePolicy's own featurizer case is taken over (MaxHistoryTrackerFeaturizer, no rule-only
turns to hide); anything else goes to Rasa's code. bot/serve.py installs it before Rasa starts.
SHOPDESK_RULE_STATES_CACHE sets how many conversations are kept (default 256, 0: Rasa's own states).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rasa.core.featurizers.tracker_featurizers import MaxHistoryTrackerFeaturizer
from rasa.core.policies.policy import SupportedData
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import SHOULD_NOT_BE_SET, USER
from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT, TEXT

DEFAULT_CACHE_SIZE = 256


@dataclass
class _History:
    domain: Domain
    applied: list[Event]
    states: list[State]  # the state before each applied ActionExecuted, then the state after all
    replayed: DialogueStateTracker  # a fresh tracker with `applied` applied to it
    settled: list[State]  # states[:-1] as Rasa's featurizer leaves them (see prediction_states)
    tracker: DialogueStateTracker  # the tracker last asked about, and its events then
    seen: tuple[int, Event | None, Event | None]


class ConversationStates:
    """Rasa's `tracker.past_states(domain)` (no rule-only turns hidden), per conversation, added to as it grows."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._histories: OrderedDict[str, _History] = OrderedDict()

    def past_states(self, tracker: DialogueStateTracker, domain: Domain) -> list[State]:
        if not self._size:
            return list(tracker.past_states(domain))
        return [_copy(state) for state in self._history(tracker, domain).states]

    def prediction_states(self, tracker: DialogueStateTracker, domain: Domain) -> list[State]:
        """The past states, the newest a copy of its own; the others are shared between calls and already
        as Rasa's featurizer makes every state but the newest (the user's text left out where the
        intent is given), so that its `_choose_last_user_input` changes only the newest."""
        if not self._size:
            return list(tracker.past_states(domain))
        history = self._history(tracker, domain)
        return [*history.settled, _copy(history.states[-1])]

    def _history(self, tracker: DialogueStateTracker, domain: Domain) -> _History:
        history = self._histories.get(tracker.sender_id)
        seen = _seen(tracker)
        if history is not None and history.domain is domain and history.tracker is tracker and _same(history.seen, seen):
            return history  # asked again before anything happened (RulePolicy asks with the text, then the intent)
        applied = tracker.applied_events()
        if history is not None and history.domain is domain and _starts_with(applied, history.applied):
            states, settled, replayed = history.states[:-1], history.settled, history.replayed
            new = applied[len(history.applied):]
        else:
            states, settled, replayed, new = [], [], tracker.init_copy(), applied
        for event in new:
            if isinstance(event, ActionExecuted):
                states.append(_active_state(domain, replayed))
                settled.append(_settled(states[-1]))
            replayed.update(event)
        states.append(_active_state(domain, replayed))
        history = self._histories[tracker.sender_id] = _History(domain, applied, states, replayed, settled, tracker, seen)
        self._histories.move_to_end(tracker.sender_id)
        while len(self._histories) > self._size:
            self._histories.popitem(last=False)
        return history


def _seen(tracker: DialogueStateTracker) -> tuple[int, Event | None, Event | None]:
    # A tracker's events are only ever appended to (and, with a maximum history, dropped from the start).
    events = tracker.events
    return (len(events), events[0], events[-1]) if events else (0, None, None)


def _same(seen: tuple[int, Event | None, Event | None], now: tuple[int, Event | None, Event | None]) -> bool:
    return seen[0] == now[0] and seen[1] is now[1] and seen[2] is now[2]


def _copy(state: State) -> State:
    return {kind: dict(sub_state) for kind, sub_state in state.items()}


def _settled(state: State) -> State:
    """A copy of `state` as MaxHistoryTrackerFeaturizer._remove_user_text_if_intent leaves it."""
    settled = _copy(state)
    user = settled.get(USER, {})
    if user.get(INTENT) and user.get(TEXT):
        del user[TEXT]
    return settled


def _starts_with(events: Sequence[Event], start: Sequence[Event]) -> bool:
    return len(events) >= len(start) and all(mine is theirs for mine, theirs in zip(start, events))


def _active_state(domain: Domain, tracker: DialogueStateTracker) -> State:
    # As Domain.states_for_tracker_history: the active state, cleaned of empty parts.
    return domain._clean_state(domain.get_active_state(tracker))


_RASAS_PREDICTION_STATES = RulePolicy._prediction_states
_CACHE_SIZE = max(0, int(os.environ.get("SHOPDESK_RULE_STATES_CACHE", DEFAULT_CACHE_SIZE)))


def prediction_states(self: RulePolicy, tracker: DialogueStateTracker, domain: Domain,
                      use_text_for_last_user_input: bool = False,
                      rule_only_data: dict[str, Any] | None = None) -> list[State]:
    """RulePolicy._prediction_states, with the conversation's states from its ConversationStates."""
    featurizer = self.featurizer
    if type(featurizer) is not MaxHistoryTrackerFeaturizer or self.supported_data() == SupportedData.ML_DATA:
        return _RASAS_PREDICTION_STATES(self, tracker, domain, use_text_for_last_user_input, rule_only_data)
    cache: ConversationStates = vars(self).setdefault("_shopdesk_states", ConversationStates(_CACHE_SIZE))
    # MaxHistoryTrackerFeaturizer.prediction_states for one tracker, its states from the cache.
    states = featurizer.slice_state_history(cache.prediction_states(tracker, domain), featurizer.max_history)
    featurizer._choose_last_user_input([states], use_text_for_last_user_input)
    return states


_PREVIOUS_ACTION = ("prev_action", "action_name")
# A rule turn's features to check: (state type, feature, value, whether the value is SHOULD_NOT_BE_SET).
_Condition = tuple[str, str, Any, bool]


@dataclass(frozen=True)
class _Rule:
    key: str
    turns: tuple[tuple[_Condition, ...] | None, ...]  # newest first; None for an empty rule state

    @classmethod
    def compile(cls, key: str) -> _Rule:
        turns: list[tuple[_Condition, ...] | None] = []
        for rule_state in reversed(RulePolicy._rule_key_to_state(key)):
            if not rule_state:
                turns.append(None)
                continue
            conditions = []
            for state_type, sub_state in rule_state.items():
                for feature, stored in sub_state.items():
                    value = tuple(stored) if isinstance(stored, list) else stored  # as Rasa: JSON made tuples lists
                    if value:  # a falsy value asks for nothing
                        conditions.append((state_type, feature, value, value == SHOULD_NOT_BE_SET))
            turns.append(tuple(conditions))
        return cls(key, tuple(turns))

    def previous_action(self) -> str | None:
        """The action the rule's newest turn asks to have come before it, if it asks for one."""
        newest = self.turns[0] if self.turns else None
        for state_type, feature, value, unset in newest or ():
            if (state_type, feature) == _PREVIOUS_ACTION and not unset and isinstance(value, str):
                return value
        return None

    def applicable(self, turn: int, state: State) -> bool:
        """RulePolicy._is_rule_applicable(self.key, turn, state)."""
        if turn >= len(self.turns):
            return True
        conditions = self.turns[turn]
        if conditions is None:
            return not state
        if not state:
            return False
        for state_type, feature, value, unset in conditions:
            found = state.get(state_type, {}).get(feature)
            if unset:
                if found and found != SHOULD_NOT_BE_SET:
                    return False
            elif found != value:
                return False
        return True


@dataclass(frozen=True)
class CompiledRules:
    """A lookup's rules, longest first, and for the newest turn the ones that can hold after each
    previous action: a rule whose newest turn asks for another action fails there anyway."""

    lookup: dict[str, str]
    keys: frozenset[str]
    rules: list[_Rule]
    after_action: dict[str, list[_Rule]]
    after_any_action: list[_Rule]

    @classmethod
    def of(cls, lookup: dict[str, str]) -> CompiledRules:
        rules = sorted((_Rule.compile(key) for key in lookup), key=lambda rule: -len(rule.turns))
        after_action: dict[str, list[_Rule]] = {}
        after_any_action = []
        for rule in rules:
            action = rule.previous_action()
            if action is None:
                after_any_action.append(rule)
                for candidates in after_action.values():
                    candidates.append(rule)
            else:
                after_action.setdefault(action, [*after_any_action]).append(rule)
        return cls(lookup, frozenset(lookup), rules, after_action, after_any_action)

    def possible_keys(self, states: list[State]) -> set[str]:
        """The rules that hold on `states`, going back only as far as the longest rule still in play."""
        if not states:
            return {rule.key for rule in self.rules}
        newest = states[-1]
        action = newest.get(_PREVIOUS_ACTION[0], {}).get(_PREVIOUS_ACTION[1])
        candidates = self.after_action.get(action, self.after_any_action) if isinstance(action, str) else self.rules
        rules = [rule for rule in candidates if rule.applicable(0, newest)]
        for turn in range(1, len(states)):
            if not rules or turn >= len(rules[0].turns):
                break
            state = states[-1 - turn]
            rules = [rule for rule in rules if rule.applicable(turn, state)]
        return {rule.key for rule in rules}


def _rasas_rule_test(policy: RulePolicy) -> bool:
    kind = type(policy)
    return (kind._is_rule_applicable is RulePolicy._is_rule_applicable
            and kind._does_rule_match_state is RulePolicy._does_rule_match_state
            and kind._rule_key_to_state is RulePolicy._rule_key_to_state)


def possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[State]) -> set[str]:
    """RulePolicy._get_possible_keys with the lookup's rules compiled once (Rasa's own test if a
    subclass changed it)."""
    if not _rasas_rule_test(self):
        keys = set(lookup)
        for turn, state in enumerate(reversed(states)):
            if not keys or turn >= max(len(self._rule_key_to_state(key)) for key in keys):
                break
            keys = {key for key in keys if self._is_rule_applicable(key, turn, state)}
        return keys
    compiled: dict[int, CompiledRules] = vars(self).setdefault("_shopdesk_rules", {})
    rules = compiled.get(id(lookup))
    if rules is None or rules.lookup is not lookup or rules.keys != lookup.keys():
        rules = compiled[id(lookup)] = CompiledRules.of(lookup)
    return rules.possible_keys(states)


def install() -> None:
    RulePolicy._prediction_states = prediction_states
    RulePolicy._get_possible_keys = possible_keys
