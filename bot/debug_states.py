"""RulePolicy's states formatted for its debug line only when that line is logged.

Rasa 3.6's RulePolicy formats every state of the conversation into text (`format_tracker_states`,
each state's slots, intent and previous action) on every prediction, twice after a shopper message,
only to hand it to `structlogger.debug`; at Rasa's usual INFO level structlog drops the line
unread. That formatting was 3.8% of Rasa's message work at 20 shoppers at once (py-spy,
bench/README.md "Load"). RulePolicy's `_find_action_from_rules` is its only caller. `install()`
makes RulePolicy's `format_tracker_states` answer "" while structlog is configured with a filtering
logger above DEBUG (Rasa's `configure_structlog` at INFO and up), and Rasa's text otherwise, so a
`--debug` Rasa logs the same lines as before. bot/serve.py installs it before Rasa starts.

Rasa's MessageProcessor deep-copies what it hands to its debug lines (the events of every action
it runs, the predictions' events, the slots, the parse data) before structlog drops them: 1.3% of
its message work at 20 shoppers at once. Every `copy.deepcopy` in rasa/core/processor.py is an
argument of a `structlogger.debug` call (tests/bot/test_debug_states.py reads the source), so
`install()` gives that module a `copy` whose deepcopy hands the object itself while debug lines
are dropped, and copies as before when they can be logged.
"""

from __future__ import annotations

import copy
import importlib
import logging
import types
from typing import Any, TypeVar

from rasa.core.policies.policy import Policy
from rasa.core.policies.rule_policy import RulePolicy

# Rasa's own dependency, imported by name: the 3.11 environment that type-checks bot/ has none.
structlog: Any = importlib.import_module("structlog")

_RASAS_FORMAT = Policy.format_tracker_states
_ABOVE_DEBUG = frozenset(structlog.make_filtering_bound_logger(level)
                         for level in (logging.INFO, logging.WARNING, logging.ERROR, logging.CRITICAL))


def debug_logged() -> bool:
    """Whether a structlog debug line may be logged: not with a filtering logger above DEBUG."""
    return structlog.get_config().get("wrapper_class") not in _ABOVE_DEBUG


def format_tracker_states(states: list[Any]) -> str:
    """Policy.format_tracker_states when its text can be logged, else ''."""
    return str(_RASAS_FORMAT(states)) if debug_logged() else ""


T = TypeVar("T")


def deepcopy_if_logged(value: T, memo: Any = None) -> T:
    """copy.deepcopy when a debug line can be logged, else the value itself."""
    return copy.deepcopy(value, memo) if debug_logged() else value


class _DebugCopies(types.ModuleType):
    """The copy module, its deepcopy made for debug lines only."""

    deepcopy = staticmethod(deepcopy_if_logged)

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


def install() -> None:
    from rasa.core import processor

    RulePolicy.format_tracker_states = staticmethod(format_tracker_states)
    if processor.copy is copy:
        processor.copy = _DebugCopies("copy")
