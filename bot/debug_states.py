"""RulePolicy's states formatted for its debug line only when that line is logged.

Rasa 3.6's RulePolicy formats every state of the conversation into text (`format_tracker_states`,
each state's slots, intent and previous action) on every prediction, twice after a shopper message,
only to hand it to `structlogger.debug`; at Rasa's usual INFO level structlog drops the line
unread. That formatting was 3.8% of Rasa's message work at 20 shoppers at once (py-spy,
bench/README.md "Load"). RulePolicy's `_find_action_from_rules` is its only caller. `install()`
makes RulePolicy's `format_tracker_states` answer "" while structlog is configured with a filtering
logger above DEBUG (Rasa's `configure_structlog` at INFO and up), and Rasa's text otherwise, so a
`--debug` Rasa logs the same lines as before. bot/serve.py installs it before Rasa starts.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

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


def install() -> None:
    RulePolicy.format_tracker_states = staticmethod(format_tracker_states)
