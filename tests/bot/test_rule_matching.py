"""bot/rule_matching.py: the trained RulePolicy predicts the same with its states kept per conversation."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.storage import ModelMetadata
from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rule_matching

LISTEN = ActionExecuted(ACTION_LISTEN_NAME)


def _user(text: str, intent: str, **entities: str) -> UserUttered:
    found = [{"entity": name, "value": value, "start": 0, "end": len(value)} for name, value in entities.items()]
    return UserUttered(text, {"name": intent, "confidence": 0.9}, found)


def _conversation() -> list[Event]:
    """A session as the load mix plays it: a greeting, the order form's happy path, questions, a
    rewound message, a fallback, then a new session."""
    return [
        ActionExecuted("action_session_start"), SessionStarted(), LISTEN,
        _user("hi", "greet"), ActionExecuted("utter_greet"), BotUttered("Hello!"), LISTEN,
        _user("where is my order", "order_status"),
        ActionExecuted("order_form"), ActiveLoop("order_form"), SlotSet("order_task", "status"),
        SlotSet(REQUESTED_SLOT, "order_id"), ActionExecuted("action_ask_order_id"), LISTEN,
        _user("10002", "order_status", order_id="10002"), SlotSet("order_id", "10002"),
        ActionExecuted("order_form"), SlotSet(REQUESTED_SLOT, "order_contact"),
        ActionExecuted("action_ask_order_contact"), LISTEN,
        _user("jane@example.com", "order_status", email="jane@example.com"),
        SlotSet("order_contact", "jane@example.com"), ActionExecuted("order_form"),
        SlotSet("verified_order_id", "10002"), ActiveLoop(None), SlotSet(REQUESTED_SLOT, None),
        ActionExecuted("action_check_order_status"), BotUttered("It has shipped."), LISTEN,
        _user("how long does delivery take", "delivery_options"), ActionExecuted("action_answer_faq"), LISTEN,
        _user("asdf qwer", "nlu_fallback"), UserUtteranceReverted(), ActionExecuted("utter_please_rephrase"), LISTEN,
        _user("can I pay with paypal", "payment_methods"), ActionExecuted("action_answer_faq"), LISTEN,
        _user("track it", "track_shipment"), ActionExecuted("order_form"), ActiveLoop("order_form"),
        SlotSet("order_task", "track"), ActionExecuted("order_form"), ActiveLoop(None),
        ActionExecuted("action_track_shipment"), LISTEN,
        ActionExecuted("action_session_start"), SessionStarted(), LISTEN,
        _user("thanks, bye", "goodbye"), ActionExecuted("utter_goodbye"), LISTEN,
    ]


def _predictions(policy: RulePolicy, metadata: ModelMetadata, growing: bool) -> list[tuple[Any, ...]]:
    """RulePolicy's prediction after every event: on one tracker that grows (as in Rasa's loop) or
    on a tracker rebuilt from the same events (as from the tracker store)."""
    events, domain = _conversation(), metadata.domain
    tracker = DialogueStateTracker("shopper", domain.slots)
    predictions = []
    for count in range(1, len(events) + 1):
        if growing:
            tracker.update(events[count - 1])
        else:
            tracker = DialogueStateTracker.from_events("shopper", events[:count], domain.slots)
        prediction = policy.predict_action_probabilities(tracker, domain)
        predictions.append((prediction.probabilities, prediction.events, prediction.is_end_to_end_prediction,
                            prediction.is_no_user_prediction, prediction.hide_rule_turn))
    return predictions


@pytest.mark.parametrize("growing", [True, False])
def test_the_same_predictions_as_rasa_s_rule_policy(trained_model: tuple[ModelMetadata, DaskGraphRunner],
                                                    monkeypatch: pytest.MonkeyPatch, growing: bool) -> None:
    metadata, runner = trained_model
    node = next(node for name, node in runner._instantiated_nodes.items() if name.startswith("run_RulePolicy"))
    policy = node._component
    assert isinstance(policy, RulePolicy) and policy.lookup["rules"]
    rasas = _predictions(policy, metadata, growing)
    assert any(max(probabilities) == 1.0 for probabilities, *_ in rasas)
    monkeypatch.setattr(RulePolicy, "_prediction_states", rule_matching.prediction_states)
    monkeypatch.setattr(RulePolicy, "_get_possible_keys", rule_matching.possible_keys)
    assert _predictions(policy, metadata, growing) == rasas
    assert _predictions(policy, metadata, growing) == rasas  # again, from the kept states


def test_kept_states_are_rasa_s_past_states(trained_model: tuple[ModelMetadata, DaskGraphRunner]) -> None:
    metadata, _ = trained_model
    states, events = rule_matching.ConversationStates(size=1), _conversation()
    tracker = DialogueStateTracker("shopper", metadata.domain.slots)
    for event in events:
        tracker.update(event)
        kept = states.past_states(tracker, metadata.domain)
        assert kept == tracker.past_states(metadata.domain)
        kept[-1].clear()  # the caller's own copy
    other = DialogueStateTracker.from_events("other", events[:9], metadata.domain.slots)
    assert states.past_states(other, metadata.domain) == other.past_states(metadata.domain)
    assert states.past_states(tracker, metadata.domain) == tracker.past_states(metadata.domain)


def _rule_policy(runner: DaskGraphRunner) -> RulePolicy:
    node = next(node for name, node in runner._instantiated_nodes.items() if name.startswith("run_RulePolicy"))
    policy = node._component
    assert isinstance(policy, RulePolicy)
    return policy


def _as_conversation(rule_states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{kind: {name: tuple(value) if isinstance(value, list) else value for name, value in sub.items()}
             for kind, sub in rule_state.items()} for rule_state in rule_states]


def _states_to_match(metadata: ModelMetadata, rule_keys: list[str]) -> list[dict[str, Any]]:
    """Every state of the conversation above, plus the rules' own turns (which match themselves)
    and edge cases: empty states and parts, unset and SHOULD_NOT_BE_SET features, tuples as lists."""
    tracker = DialogueStateTracker.from_events("shopper", _conversation(), metadata.domain.slots)
    states: list[dict[str, Any]] = [dict(state) for state in tracker.past_states(metadata.domain)]
    for key in rule_keys:
        states += _as_conversation(RulePolicy._rule_key_to_state(key))
    states += [{}, {"user": {}}, {"prev_action": {"action_name": "action_listen"}},
               {"slots": {"order_id": "should_not_be_set"}}, {"slots": {"order_id": (1.0,)}},
               {"active_loop": {"name": "should_not_be_set"}}, {"active_loop": {"name": "order_form"}}]
    return states


def test_compiled_rules_hold_exactly_where_rasa_s_do(trained_model: tuple[ModelMetadata, DaskGraphRunner]) -> None:
    metadata, runner = trained_model
    policy = _rule_policy(runner)
    for lookup in (policy.lookup["rules"], policy.lookup["rules_for_loop_unhappy_path"]):
        compiled = rule_matching.CompiledRules.of(lookup)
        states = _states_to_match(metadata, list(lookup))
        held = 0
        for rule in compiled.rules:
            for state in states:
                for turn in range(len(rule.turns) + 1):
                    expected = policy._is_rule_applicable(rule.key, turn, state)
                    assert rule.applicable(turn, state) is expected, (rule.key, turn, state)
                    held += expected
        assert held > len(compiled.rules)  # some rules hold somewhere besides past their length
        # Histories: the conversation's, each rule's own turns (its rule must be among the keys), and
        # each rule's turns after every state (so that rules asking for other actions are tried too).
        tracker = DialogueStateTracker.from_events("shopper", _conversation()[:-5], metadata.domain.slots)
        conversation = [dict(state) for state in tracker.past_states(metadata.domain)]
        histories = [conversation[:end] for end in range(len(conversation) + 1)]
        for rule in compiled.rules:
            own = _as_conversation(RulePolicy._rule_key_to_state(rule.key))
            assert rule.key in compiled.possible_keys(own)
            histories += [own, *([state, *own[-1:]] for state in states)]
        for history in histories:
            assert compiled.possible_keys(history) == RulePolicy._get_possible_keys(policy, lookup, history), history


def test_a_changed_lookup_is_compiled_again(trained_model: tuple[ModelMetadata, DaskGraphRunner]) -> None:
    _, runner = trained_model
    policy = _rule_policy(runner)
    lookup = dict(policy.lookup["rules"])
    state = [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}]
    first = rule_matching.possible_keys(policy, lookup, state)
    assert first == RulePolicy._get_possible_keys(policy, lookup, state)
    gone = next(iter(first))
    lookup.pop(gone)
    assert rule_matching.possible_keys(policy, lookup, state) == first - {gone}


@pytest.mark.parametrize("growing", [True, False])
def test_prediction_states_are_rasa_s_and_the_shared_ones_stay_as_they_were(
        trained_model: tuple[ModelMetadata, DaskGraphRunner], monkeypatch: pytest.MonkeyPatch, growing: bool) -> None:
    metadata, runner = trained_model
    policy, domain, events = _rule_policy(runner), metadata.domain, _conversation()
    monkeypatch.setattr(RulePolicy, "_prediction_states", rule_matching.prediction_states)
    monkeypatch.setattr(RulePolicy, "_get_possible_keys", rule_matching.possible_keys)
    tracker = DialogueStateTracker("shopper", domain.slots)
    given: list[list[dict[str, Any]]] = []
    for count in range(1, len(events) + 1):
        if growing:
            tracker.update(events[count - 1])
        else:
            tracker = DialogueStateTracker.from_events("shopper", events[:count], domain.slots)
        for use_text in (True, False, True):
            expected = rule_matching._RASAS_PREDICTION_STATES(policy, tracker, domain, use_text)
            states = rule_matching.prediction_states(policy, tracker, domain, use_text)
            assert states == expected
            given.append(copy.deepcopy(states))
            states[-1].clear()  # the caller's own
            policy.predict_action_probabilities(tracker, domain)  # RulePolicy reads the shared ones too
    assert given[-1] == rule_matching._RASAS_PREDICTION_STATES(policy, tracker, domain, True)
