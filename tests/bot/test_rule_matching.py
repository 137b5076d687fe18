"""bot/rule_matching.py: the trained RulePolicy predicts the same with its states kept per conversation."""

from __future__ import annotations

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
