"""bot/graph_runner.py: the trained model's graphs give the same parses and predictions without dask."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.policies.policy import PolicyPrediction
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.engine.exceptions import GraphComponentException
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.storage import ModelMetadata
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.training_data.message import Message

from bot.graph_runner import SequentialGraphRunner

TEXTS = ["hi", "where is my order 10002?", "jane@example.com", "how long does delivery take",
         "this is useless, I want a person NOW", "is the blue hoodie in stock", "thanks, bye"]
Runners = tuple[ModelMetadata, DaskGraphRunner, SequentialGraphRunner]


@pytest.fixture(scope="module")
def runners(trained_model: tuple[ModelMetadata, DaskGraphRunner]) -> Runners:
    metadata, dask_runner = trained_model
    # The same loaded components, so both runners call the very same nodes.
    sequential = SequentialGraphRunner.__new__(SequentialGraphRunner)
    sequential.__dict__.update(dask_runner.__dict__, _plans={})
    return metadata, dask_runner, sequential


def _parse(runner: DaskGraphRunner, metadata: ModelMetadata, text: str, tracker: DialogueStateTracker) -> dict[str, Any]:
    results = runner.run(inputs={PLACEHOLDER_MESSAGE: [UserMessage(text, sender_id="s")], PLACEHOLDER_TRACKER: tracker},
                         targets=[metadata.nlu_target])
    parsed: Message = results[metadata.nlu_target][0]
    return parsed.as_dict(only_output_properties=True)


def _fields(prediction: PolicyPrediction) -> tuple[Any, ...]:
    return (prediction.probabilities, prediction.policy_name, prediction.events, prediction.optional_events,
            prediction.is_no_user_prediction, prediction.hide_rule_turn)


def _tracker(metadata: ModelMetadata, turns: list[tuple[str, dict[str, Any]]], *after: Any) -> DialogueStateTracker:
    domain: Domain = metadata.domain
    events: list[Any] = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME)]
    for text, parse in turns:
        events += [UserUttered(text, parse["intent"], parse.get("entities", []), parse)]
    return DialogueStateTracker.from_events("s", [*events, *after], domain.slots)


def test_parses_and_predictions_are_dasks(runners: Runners) -> None:
    metadata, dask_runner, sequential = runners
    empty = DialogueStateTracker("s", metadata.domain.slots)
    turns = []
    for text in TEXTS:
        parse = _parse(dask_runner, metadata, text, empty)
        assert _parse(sequential, metadata, text, empty) == parse
        turns.append((text, parse))
    trackers = [_tracker(metadata, turns[: i + 1]) for i in range(len(turns))]
    trackers.append(_tracker(metadata, turns[1:2], ActiveLoop("order_form"), SlotSet("requested_slot", "order_id"),
                             ActionExecuted("order_form")))
    for tracker in trackers:
        [expected] = dask_runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[metadata.core_target]).values()
        [got] = sequential.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[metadata.core_target]).values()
        assert _fields(got) == _fields(expected)


def test_a_node_s_errors_are_as_under_dask(runners: Runners, monkeypatch: pytest.MonkeyPatch) -> None:
    metadata, dask_runner, sequential = runners
    tracker = DialogueStateTracker("s", metadata.domain.slots)
    node = next(name for name in metadata.predict_schema.nodes if "RulePolicy" in name)

    def fail(*_: Any, **__: Any) -> Any:
        raise ValueError("broken")

    monkeypatch.setattr(dask_runner._instantiated_nodes[node], "_fn", fail)
    raised = []
    for runner in (dask_runner, sequential):
        with pytest.raises(GraphComponentException) as error:
            runner.run(inputs={PLACEHOLDER_TRACKER: tracker}, targets=[metadata.core_target])
        raised.append((type(error.value), str(error.value), type(error.value.__cause__)))
    assert raised[0] == raised[1] == (GraphComponentException, f"Error running graph component for node {node}.",
                                      ValueError)
