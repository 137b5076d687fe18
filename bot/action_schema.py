"""Rasa checks every answer of the action server against a JSON schema with `jsonschema.validate`,
which first checks the schema itself against the JSON Schema meta-schema, on every call: nine
tenths of the check's cost, about 9% of Rasa's CPU per message on the load bench (py-spy,
bench/README.md "Load"), for a schema that never changes. `install()` makes the same check with a
validator built once; an answer that fails it goes to Rasa's own check, which raises Rasa's own
error. bot/serve.py installs it before Rasa starts.
"""

from __future__ import annotations

from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for


def install() -> None:
    from rasa.core.actions.action import RemoteAction

    if getattr(RemoteAction._validate_action_result, "shopdesk", False):
        return
    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema)
    rasas_check = RemoteAction._validate_action_result

    def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
        if best_match(validator.iter_errors(result)) is None:
            return True
        return bool(rasas_check(self, result))

    _validate_action_result.shopdesk = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result
