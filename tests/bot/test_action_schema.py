"""bot/action_schema.py: Rasa's check of the action server's answers, with the schema checked once."""

from __future__ import annotations

import random
from typing import Any

import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import action_schema

GOOD = {"events": [{"event": "slot", "name": "order_id", "value": "10002"}],
        "responses": [{"text": "Your order has shipped.", "buttons": []}]}


@pytest.fixture
def action() -> RemoteAction:
    action_schema.install()
    return RemoteAction("action_order_status", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_good_answers_pass_without_checking_the_schema_again(action: RemoteAction,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    checks: list[object] = []
    for validator in (jsonschema.Draft4Validator, jsonschema.Draft7Validator):
        monkeypatch.setattr(validator, "check_schema", classmethod(lambda cls, schema: checks.append(schema)))
    assert action._validate_action_result(GOOD) is True
    assert action._validate_action_result({"events": [], "responses": []}) is True
    assert checks == []


@pytest.mark.parametrize("answer", [
    {"events": "not a list"},
    {"events": [{"name": "no event type"}]},
    {"events": [{"event": "slot", "name": "email", "timestamp": "yesterday"}]},
])
def test_bad_answers_fail_with_rasa_s_own_error(action: RemoteAction, answer: dict) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(answer)
    with pytest.raises(ValidationError):  # the answer Rasa's own check gives
        jsonschema.validate(answer, RemoteAction.action_response_format_spec())


def test_installing_twice_wraps_once() -> None:
    action_schema.install()
    first = RemoteAction._validate_action_result
    action_schema.install()
    assert RemoteAction._validate_action_result is first


VALUES: list[Any] = [None, True, 0, 7, 1.5, "", "x", [], [1, "a"], {}, {"a": 1}, {"name": "greet", "confidence": 0.5},
                     [{"entity": "order_id", "value": "10002", "start": 0, "end": 5}], [{"entity": 3}]]


def _random_event(rng: random.Random, types: list[dict[str, Any]]) -> Any:
    if rng.random() < 0.05:
        return rng.choice(VALUES)
    kind = rng.choice(types)
    fields = [*kind.get("properties", {}), "timestamp", "metadata", "name", "value", "other"]
    event: dict[str, Any] = {field: rng.choice(VALUES) for field in rng.sample(fields, rng.randint(0, 4))}
    roll = rng.random()
    if roll < 0.85:
        event["event"] = kind["properties"]["event"]["const"]
    elif roll < 0.95:
        event["event"] = rng.choice(["nope", 5, None, "User"])
    return event


def test_events_checked_by_their_type_pass_exactly_what_the_whole_schema_passes() -> None:
    schema = RemoteAction.action_response_format_spec()
    types = schema["properties"]["events"]["items"]["oneOf"]
    validator_class = jsonschema.validators.validator_for(schema)
    dispatch = action_schema.EventDispatch.of(schema, validator_class)
    assert dispatch is not None and len(dispatch.by_event) == len(types) == 23
    whole = validator_class(schema)
    rng = random.Random(11)
    answers: list[Any] = [GOOD, {}, {"events": []}, {"responses": [{"text": "x"}]}, {"events": None}, [], "x",
                          {"events": [{"event": "slot", "name": "order_id", "value": None, "timestamp": 1.5}]},
                          {"events": [{"event": "action", "name": "action_listen", "policy": None, "confidence": 1}]},
                          {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "x"}]}]
    for _ in range(20_000):
        answer: dict[str, Any] = {"events": [_random_event(rng, types) for _ in range(rng.randint(0, 3))]}
        if rng.random() < 0.3:
            answer["responses"] = rng.choice([[], [{"text": "hi"}], ["hi"], {}, None])
        answers.append(answer)
    # An event the whole schema passes names one of the types (its oneOf needs exactly one), so the
    # dispatch passes exactly the same answers.
    verdicts = [(dispatch.passes(answer), whole.is_valid(answer)) for answer in answers]
    assert [mine for mine, _ in verdicts] == [theirs for _, theirs in verdicts]
    assert 2_000 < sum(theirs for _, theirs in verdicts) < len(answers) - 2_000


def test_a_schema_of_another_shape_is_left_to_jsonschema() -> None:
    schema = RemoteAction.action_response_format_spec()
    validator_class = jsonschema.validators.validator_for(schema)
    items = schema["properties"]["events"]["items"]
    twice = {**items, "oneOf": [*items["oneOf"], items["oneOf"][0]]}
    for changed in (twice, {**items, "required": []}, {**items, "oneOf": [{"properties": {"event": {"enum": ["a"]}}}]}):
        other = {**schema, "properties": {**schema["properties"], "events": {"type": "array", "items": changed}}}
        assert action_schema.EventDispatch.of(other, validator_class) is None
