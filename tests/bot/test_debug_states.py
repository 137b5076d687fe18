"""bot/debug_states.py: RulePolicy's debug text is Rasa's whenever it can be logged, and its
predictions do not depend on it."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.storage import ModelMetadata
from rasa.shared.core.trackers import DialogueStateTracker

from bot import debug_states
from bot.debug_states import structlog
from tests.bot.test_rule_matching import _conversation, _predictions, _rule_policy


@pytest.fixture
def structlog_config() -> Iterator[None]:
    before = structlog.get_config()
    yield
    structlog.configure(**before)


def _states(metadata: ModelMetadata) -> list[dict[str, Any]]:
    tracker = DialogueStateTracker.from_events("shopper", _conversation(), metadata.domain.slots)
    return tracker.past_states(metadata.domain)


@pytest.mark.parametrize("level", [logging.DEBUG, logging.NOTSET])
def test_rasa_s_text_when_debug_lines_are_logged(trained_model: tuple[ModelMetadata, DaskGraphRunner],
                                                 structlog_config: None, level: int) -> None:
    states = _states(trained_model[0])
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(level))
    assert debug_states.format_tracker_states(states) == Policy.format_tracker_states(states) != ""
    structlog.configure(wrapper_class=structlog.BoundLogger)  # not filtering: logged as configured
    assert debug_states.format_tracker_states(states) == Policy.format_tracker_states(states)


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL])
def test_nothing_formatted_when_debug_lines_are_dropped(structlog_config: None, level: int) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(level))
    assert not debug_states.debug_logged()
    assert debug_states.format_tracker_states([{"user": {"intent": "greet"}}]) == ""


def test_the_same_predictions_as_rasa_s_rule_policy(trained_model: tuple[ModelMetadata, DaskGraphRunner],
                                                    structlog_config: None, monkeypatch: pytest.MonkeyPatch) -> None:
    metadata, runner = trained_model
    policy = _rule_policy(runner)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    rasas = _predictions(policy, metadata, growing=True)
    monkeypatch.setattr(RulePolicy, "format_tracker_states", staticmethod(debug_states.format_tracker_states))
    assert _predictions(policy, metadata, growing=True) == rasas


def test_the_processor_deep_copies_only_for_its_debug_lines() -> None:
    """What makes the copies skippable: each `copy.deepcopy(...)` in Rasa's processor is inside the
    arguments of a `structlogger.debug(...)` call, and `copy` is used for nothing else."""
    import ast
    import inspect

    from rasa.core import processor

    tree = ast.parse(inspect.getsource(processor))
    in_debug_lines = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "debug"
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "structlogger"):
            in_debug_lines |= {id(inner) for inner in ast.walk(node)}
    uses = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "copy"]
    assert len(uses) >= 6
    assert all(use.attr == "deepcopy" and id(use) in in_debug_lines for use in uses)


def test_deep_copies_only_when_debug_lines_are_logged(structlog_config: None) -> None:
    events = [{"event": "slot", "value": ["a"]}]
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.INFO))
    assert debug_states.deepcopy_if_logged(events) is events
    for wrapper in (structlog.make_filtering_bound_logger(logging.DEBUG), structlog.BoundLogger):
        structlog.configure(wrapper_class=wrapper)
        copied = debug_states.deepcopy_if_logged(events)
        assert copied == events and copied is not events and copied[0]["value"] is not events[0]["value"]


def test_installed_the_processor_s_copy_is_the_copy_module_but_its_deepcopy(monkeypatch: pytest.MonkeyPatch) -> None:
    import copy

    from rasa.core import processor

    monkeypatch.setattr(processor, "copy", copy)
    monkeypatch.setattr(RulePolicy, "format_tracker_states", RulePolicy.format_tracker_states)
    debug_states.install()
    assert processor.copy is not copy and processor.copy.copy is copy.copy
    assert processor.copy.deepcopy is debug_states.deepcopy_if_logged
    debug_states.install()
    assert processor.copy.deepcopy is debug_states.deepcopy_if_logged
