"""bot/action_schema.py: Rasa's check of the action server's answers, with the schema checked once."""

from __future__ import annotations

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
